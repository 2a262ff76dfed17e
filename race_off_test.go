//go:build !race

package prevayler_test

const raceEnabled = false
