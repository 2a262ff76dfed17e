// Package reliability runs the library's reliability harness and reports
// its figures; its tests are the S3 part of the harness.
//
// The harness is spread over the module, each part next to what it
// exercises:
//
//   - the root package's TestHarness* tests: a scripted workload (Open,
//     writers in several goroutines, Snapshot, Sync, Close, reopen) stopped
//     at every file system call of localstore over crashfs and recovered
//     under seven crash models; one I/O error at every call of each kind;
//     the same enumeration on the memory store's crash model; every byte
//     of library-written journals flipped and every offset cut; a soak
//     test and 50 Open/Close cycles checked for leaks; no secret in logs
//     or errors;
//   - the root package's TestSIGKILL: a child process killed at random;
//   - this package's TestS3*: the S3 store through faultproxy (500, 503
//     SlowDown, resets, latency, late arrivals, truncated and lost
//     responses), takeovers under faults, no credential in logs or errors;
//   - internal/journal's byte-flip and truncation tests, and every fuzz
//     target of the module.
//
// Tests print their figures as lines that Figure.Line writes and Figures
// reads back; Run runs every part with `go test` and collects them, and
// Table prints them. The command is cmd/reliability:
//
//	go run ./internal/reliability/cmd/reliability [-full]
//
// Layout: figure.go (the figure line), parse.go (reading test output),
// run.go (the steps), table.go (the report), faultproxy/ (the HTTP fault
// proxy), cmd/reliability/ (the command); s3*_test.go (the S3 harness).
package reliability
