// Package system is the reliability harness of the prevalent system on
// the local and memory stores, through the public API only (Open, Handle,
// Snapshot, Sync, Close). It has no code of its own outside its tests.
//
// One workload and one way of judging a recovery serve every test
// (workload_test.go): writers in several goroutines, each numbering its
// own events, so what a recovery returns is checked exactly; hRun records
// what each caller was told and which prefix of the journal had to
// survive. The enumerations on top of it:
//
//	crash_test.go     localstore over crashfs stopped at every file system
//	                  call, under each crash model of crashfs; a second
//	                  crash during the recovery; one I/O error at every
//	                  call of each kind (TestHarnessFaults)
//	memstore_test.go  the same on the memory store's crash model through
//	                  faultstore: a crash at every store operation, one
//	                  failed operation at every point, the failure contract
//	flip_test.go      every byte of library-written journals flipped, every
//	                  offset cut, recovered through Open
//	selftest_test.go  the harness finds the losses of lying file systems
//	secrets_test.go   no event, state or key in logs, errors or plaintext
//	soak_test.go      a soak test with bounded memory; Open/Close leaks
//	sigkill_test.go   a child process killed at random (TestSIGKILL)
//
// Each TestHarness* test logs its figure line (reliability.Figure), which
// the reliability command collects. Flags: -harness-full (larger
// workloads), -soak (soak length), -kill-rounds (TestSIGKILL rounds).
package system
