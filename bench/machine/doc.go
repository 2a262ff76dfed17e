// Package machine describes the computer a benchmark ran on, from /proc
// and the Go runtime, so that a report says what its figures mean. Off
// Linux only the runtime's fields are filled.
//
// Files: machine.go.
package machine
