// Package report writes a run's results as docs/BENCHMARKS.md, charts as
// PNG images beside it (bench/*.png), and the raw results as JSON, so that
// the report can be written again without running the benchmark.
//
// Files: report.go (the document), tables.go (its tables), targets.go
// (the targets and their ratios), s3latency.go (the S3-latency
// section, its targets and chart), charts.go (which images) and
// chart.go (drawing one), format.go (numbers for humans), notes.md (the
// analysis of the profiles, written by hand and included as is).
package report
