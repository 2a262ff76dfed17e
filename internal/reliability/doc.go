// Package reliability is the home of the library's reliability harness:
// it runs every part and reports the figures; its own tests are the S3
// part.
//
// Everything the harness uses lives under this directory:
//
//	system/      the prevalent system through its public API on localstore
//	             over crashfs and on the memory store through faultstore: a
//	             scripted workload (Open, writers in several goroutines,
//	             Snapshot, Sync, Close, reopen) stopped at every file system
//	             call or store operation and recovered under each crash
//	             model; one I/O error at every call of each kind; a second
//	             crash during recovery; every byte of library-written
//	             journals flipped and every offset cut; a soak test and 50
//	             Open/Close cycles checked for leaks; no secret in logs or
//	             errors; a child process killed at random (TestSIGKILL)
//	crashfs/     an in-memory file system for localstore that remembers
//	             what a crash keeps and fails chosen calls
//	faultstore/  a store.Store wrapper that fails chosen operations
//	faultproxy/  an HTTP proxy in front of an S3 server that injects 500,
//	             503 SlowDown, resets, latency, late arrivals, truncated
//	             and lost responses
//	s3*_test.go  the S3 store through faultproxy, takeovers under faults,
//	             no credential in logs or errors
//	cmd/reliability/  the command that runs it all
//
// Beside them it runs internal/journal's byte-flip and truncation tests
// and every fuzz target of the module. The S3 server comes from
// internal/s3test (PREVAYLER_S3_ENDPOINT or the in-process gofakes3).
//
// Tests print their figures as lines that Figure.Line writes and Figures
// reads back; Run runs every part with `go test` and collects them, and
// Table prints them:
//
//	go run ./internal/reliability/cmd/reliability [-full]
//
// Files: figure.go (the figure line), parse.go (reading test output),
// run.go (the steps), table.go (the report).
package reliability
