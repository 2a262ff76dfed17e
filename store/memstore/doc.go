// Package memstore is a store.Store in memory, for tests: the prevalent
// system's own and its users'. It keeps the contract of package store
// (the storetest suite runs on it) and adds what a disk cannot give a
// test: a simulated power loss and direct access to the bytes.
//
// # Handles
//
// New returns a handle on a new, empty store; Reopen returns another
// handle on the same files, as if another process opened the same
// journal. Lock is shared: while one handle holds it, another's Lock
// fails with store.ErrLocked, as on a local disk. With Options.Takeover,
// Lock instead succeeds and fences the previous holder, as the S3 store
// does.
//
// # Crash
//
// Each file tracks how many of its bytes are synced (by Writer.Sync or
// Writer.Close) and whether its creation is durable. Crash keeps the
// synced bytes and, if CrashOptions.KeepUnsynced says so, a torn or
// garbled rest; files never synced vanish; renames and removals survive,
// since they are durable when they return. Every handle is dead after a
// Crash; continue with Reopen:
//
//	mem := memstore.New()
//	p := open(mem)             // the system under test
//	... // some work, then the lights go out:
//	mem.Crash(memstore.CrashOptions{})
//	p2 := open(mem.Reopen())   // the next start, on what survived
//
// Files returns a copy of every file's bytes and SetFile plants bytes, for
// tests of damaged journals.
package memstore
