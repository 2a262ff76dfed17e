// Command benchall runs every workload of the benchmark and writes
// BENCHMARKS.md, its charts and the raw results into -out:
//
//	go -C bench run ./cmd/benchall -out ../docs
//
// The S3 workload runs when PREVAYLER_S3_ENDPOINT is set. The S3-latency
// workload runs with -s3latency, behind a proxy adding each latency
// listed, in front of that server or an in-process one:
//
//	go -C bench run ./cmd/benchall -out /tmp/s3lat -only '^s3latency/' -s3latency 0,30ms
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/prevayler-go/prevayler/bench/machine"
	"github.com/prevayler-go/prevayler/bench/report"
	"github.com/prevayler-go/prevayler/bench/suite"
)

func main() {
	if suite.ServeChild() {
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchall:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		out        = flag.String("out", "", "directory receiving BENCHMARKS.md, bench/*.png and bench/results.json (required)")
		dir        = flag.String("dir", "", "scratch directory for journals and databases (default: a new one in $TMPDIR)")
		duration   = flag.Duration("duration", suite.DefaultDuration, "measured window of each point")
		warmup     = flag.Duration("warmup", suite.DefaultWarmup, "unmeasured run before each point")
		rounds     = flag.Int("rounds", suite.DefaultRounds, "windows each transfer point is measured in, the systems taking turns")
		readDur    = flag.Duration("read-duration", suite.DefaultReadDuration, "window of each read measurement")
		callers    = flag.String("callers", "1,16,64,256", "concurrent callers of the transfer workloads")
		accounts   = flag.Int("accounts", suite.DefaultAccounts, "accounts of the transfer and read workloads")
		replay     = flag.String("replay", "1000000", "events of the journals replayed at start-up; add 10000000 for the 10M case")
		snapAcc    = flag.Int("snapshot-accounts", suite.DefaultSnapshotAccounts, "accounts of the snapshot workload")
		memValues  = flag.Int("memory-values", suite.DefaultMemoryValues, "8-byte values of the state of the memory workload")
		only       = flag.String("only", "", "regexp selecting points by name, e.g. 'durable/pebble|replay/'")
		pprofDir   = flag.String("pprof", "", "directory receiving a CPU profile of every point")
		s3Endpoint = flag.String("s3-endpoint", os.Getenv("PREVAYLER_S3_ENDPOINT"), "S3 endpoint of the S3 workload; empty: no S3 workload")
		s3Bucket   = flag.String("s3-bucket", os.Getenv("PREVAYLER_S3_BUCKET"), "bucket of the S3 workload; empty: one created for the run")
		s3Latency  = flag.String("s3latency", "", "run the S3-latency workload with these added latencies, e.g. 0,30ms; empty: not run")
		s3Cold     = flag.String("s3cold", "1000", "uploads of the journals the S3-latency workload opens cold; add 10000 for the long case")
		s3Loss     = flag.Duration("s3loss", suite.DefaultS3LossDuration, "how long the S3-latency workload samples the Buffered loss window")
		s3Inflight = flag.String("s3inflight", "4", "other s3store MaxInflight values the S3-latency workload measures beside the default; empty: none")
		from       = flag.String("from", "", "write the report from this results.json instead of running")
		quiet      = flag.Bool("q", false, "no progress on stderr")
	)
	flag.Parse()
	if *out == "" {
		flag.Usage()
		return fmt.Errorf("-out is required")
	}
	if *from != "" {
		in, err := report.Read(*from)
		if err != nil {
			return err
		}
		return report.Write(*out, in)
	}

	o := suite.Options{
		Dir: *dir, Accounts: *accounts, Warmup: *warmup, Duration: *duration, Rounds: *rounds, ReadDuration: *readDur,
		SnapshotAccounts: *snapAcc, MemoryValues: *memValues, ProfileDir: *pprofDir,
	}
	var err error
	if o.Callers, err = ints(*callers); err != nil {
		return fmt.Errorf("-callers: %w", err)
	}
	if o.ReplaySizes, err = ints(*replay); err != nil {
		return fmt.Errorf("-replay: %w", err)
	}
	if *only != "" {
		if o.Only, err = regexp.Compile(*only); err != nil {
			return fmt.Errorf("-only: %w", err)
		}
	}
	if *s3Endpoint != "" {
		o.S3 = &suite.S3Options{Endpoint: *s3Endpoint, Bucket: *s3Bucket}
	}
	if *s3Latency != "" {
		lo := &suite.S3LatencyOptions{Endpoint: *s3Endpoint, Bucket: *s3Bucket, LossDuration: *s3Loss}
		if lo.Latencies, err = durations(*s3Latency); err != nil {
			return fmt.Errorf("-s3latency: %w", err)
		}
		if lo.ColdUploads, err = ints(*s3Cold); err != nil {
			return fmt.Errorf("-s3cold: %w", err)
		}
		if *s3Inflight != "" {
			if lo.CompareInflight, err = ints(*s3Inflight); err != nil {
				return fmt.Errorf("-s3inflight: %w", err)
			}
		}
		o.S3Latency = lo
	}
	if !*quiet {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if o.Dir == "" {
		if o.Dir, err = os.MkdirTemp("", "prevayler-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(o.Dir)
	}
	if o.ProfileDir != "" {
		if err := os.MkdirAll(o.ProfileDir, 0o755); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	info := machine.Describe(o.Dir)
	res, err := suite.Run(ctx, o)
	if err != nil {
		return err
	}
	// The profile of the whole run would mix every point; per-point
	// profiles are in -pprof. The heap at the end tells of leaks.
	if o.ProfileDir != "" {
		if f, err := os.Create(filepath.Join(o.ProfileDir, "heap-at-end.pprof")); err == nil {
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	cmd := "benchall " + strings.Join(os.Args[1:], " ")
	if err := report.Write(*out, report.Input{Results: res, Machine: info, Command: strings.TrimSpace(cmd)}); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "benchall: done in %s; %d failures; wrote %s\n", res.Elapsed.Round(time.Second), len(res.Failures), filepath.Join(*out, report.Document))
	return nil
}

func ints(s string) ([]int, error) {
	var r []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		r = append(r, n)
	}
	return r, nil
}

// durations parses "0,30ms,0.1s"; a bare number is milliseconds.
func durations(s string) ([]time.Duration, error) {
	var r []time.Duration
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if n, err := strconv.Atoi(f); err == nil {
			f = strconv.Itoa(n) + "ms"
		}
		d, err := time.ParseDuration(f)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("%q is not a latency", f)
		}
		r = append(r, d)
	}
	return r, nil
}
