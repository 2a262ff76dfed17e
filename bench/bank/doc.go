// Package bank runs the bank workload on each system the benchmark
// compares: the prevalent system and the stores a Go developer would pick
// instead, behind one small interface.
//
// Every System keeps Accounts balances, Initial each, and moves money with
// Transfer, which is acknowledged only once the system has made it as
// durable as Config.Durable asks (fsync before acknowledging, or not).
// Total sums every balance as the system stores it, so that a run can check
// at the end that no money appeared or vanished.
//
// Files: system.go (the interface, the list of systems), prevayler.go,
// bolt.go, sqlite.go, pebble.go, raw.go (the fdatasync probes), locks.go
// (account locks for the key-value stores).
package bank
