// Package harness drives closed-loop workloads and records their latency.
//
// A closed loop runs a fixed number of callers, each issuing its next
// operation as soon as the previous one returns, for a warm-up and then a
// measured window of fixed length; throughput counts the operations that
// completed inside the window. Latencies go into a Hist, a log-linear
// histogram whose percentiles are exact to within 1/64 of their value,
// one per caller and merged at the end so that recording never contends.
//
// Files: hist.go (the histogram), loop.go (the closed loop).
package harness
