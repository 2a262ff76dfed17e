// Package suite runs the benchmark's workloads and returns their results;
// cmd/benchall turns them into docs/BENCHMARKS.md and charts.
//
// Every workload is bounded in time: each measured point runs a warm-up
// and a window of fixed length (Options.Warmup, Options.Duration), never a
// fixed number of operations, so that a slow system costs no more time
// than a fast one.
//
// Files: run.go (the order of the workloads, profiles), options.go (what
// to run), results.go (what comes back), transfers.go (durable and
// buffered bank transfers), reads.go (point reads), replay.go and child.go
// (start-up replay, measured in a child process), snapshot.go (snapshot
// time and writers' latency), memory.go and memory_child.go (what Open and
// Snapshot of a large state allocate and their peak RSS, in a child),
// allocs.go (what Handle allocates per event, by codec), s3.go (the S3 store), s3latency*.go (the
// S3 store behind the latency proxy of package latproxy: Durable against
// the ideal probe, the Buffered loss window, cold starts; the server and
// the proxy in s3latency_server.go).
package suite
