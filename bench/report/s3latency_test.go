package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/bench/latproxy"
	"github.com/prevayler-go/prevayler/bench/machine"
	"github.com/prevayler-go/prevayler/bench/suite"
)

func s3LatencySample() *suite.S3LatencyResults {
	point := func(c int, mine, probe float64, rtt time.Duration) suite.S3LatencyPoint {
		return suite.S3LatencyPoint{Callers: c, Durable: pt("s3latency/durable", "prevayler", c, mine, 40*time.Millisecond),
			Probe: pt("s3latency/probe", "ideal probe", c, probe, 40*time.Millisecond), Limit: float64(c) / rtt.Seconds(),
			Requests: latproxy.Counts{Put: 50}, Events: 500, PutsPerEvent: 0.1, ProbePutsPerEvent: 0.08}
	}
	return &suite.S3LatencyResults{Server: "test server", Runs: []suite.S3LatencyRun{
		{Latency: 0, RoundTrip: time.Millisecond, Points: []suite.S3LatencyPoint{point(1, 800, 900, time.Millisecond), point(16, 2000, 2100, time.Millisecond)}},
		{Latency: 30 * time.Millisecond, RoundTrip: 32 * time.Millisecond,
			Points: []suite.S3LatencyPoint{point(1, 30, 31, 32*time.Millisecond), point(16, 400, 240, 32*time.Millisecond), point(64, 1000, 1000, 32*time.Millisecond)},
			Loss:   &suite.S3Loss{SleepTime: time.Second, Samples: 900, Mean: 500 * time.Millisecond, P50: 510 * time.Millisecond, P99: time.Second, Max: 1040 * time.Millisecond},
			Cold: []suite.S3Cold{
				{Uploads: 1000, Events: 1000, Open: 1500 * time.Millisecond, Requests: latproxy.Counts{Put: 10, Get: 60, List: 5}},
				{Uploads: 10000, Events: 10000, Open: 40 * time.Second, Requests: latproxy.Counts{Put: 10, Get: 10004, List: 13}, After: latproxy.Counts{Delete: 2}},
			}},
	}}
}

// TestS3LatencySection checks the tables, the ratios against the probes,
// the targets' verdicts and the chart on known figures.
func TestS3LatencySection(t *testing.T) {
	r := sample()
	r.S3Latency = s3LatencySample()
	dir := t.TempDir()
	if err := Write(dir, Input{Results: r, Machine: machine.Info{Date: time.Unix(0, 0).UTC()}}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, Document))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, s := range []string{
		"## S3 at added latency", "Server behind the proxy: test server.",
		"| +0 ms | 1.00 ms | 1 | 800/s | 900/s | 1.00k/s | 0.89× | 0.80× | 0.100 | 0.080 |",
		"| +30 ms | 32.0 ms | 16 | 400/s | 240/s | 500/s | 1.67× | 0.80× | 0.100 | 0.080 |",
		"| +30 ms | 1.00 s | 900 | 500 ms | 510 ms | 1.00 s | 1.04 s |",
		"| +30 ms | 1000 | 1000 | 1.50 s | 75 | 10 | 60 | 5 | 0 | 0 | 0.00 | 0 |",
		"| +30 ms | 10000 | 10000 | 40.0 s | 10027 | 10 | 10004 | 13 | 0 | 0 | 0.00 | 2 |",
		"| +30 ms, Durable, 16 callers: ≥ 1.6× the ideal probe | 1.67× (400/s vs 240/s) | yes |",
		"| +30 ms, Durable, 64 callers: ≥ 1.6× the ideal probe | 1.00× (1.00k/s vs 1.00k/s) | **no** |",
		"| +30 ms, cold start after 1000 uploads: ≤ 100 requests and < 2.00 s | 75 requests, 1.50 s | yes |",
		"| +30 ms, cold start after 10000 uploads: ≤ 150 requests | 10029 requests, 40.0 s | **no** |",
		"![s3latency-throughput](bench/s3latency-throughput.png)",
	} {
		if !strings.Contains(doc, s) {
			t.Errorf("the document lacks %q", s)
		}
	}
	if strings.Contains(doc, "+0 ms, Durable") {
		t.Error("targets judged at no added latency")
	}
	if fi, err := os.Stat(filepath.Join(dir, Images, "s3latency-throughput.png")); err != nil || fi.Size() < 1000 {
		t.Errorf("chart: %v", err)
	}
	if c := s3LatencyChart(r); len(c.Series) != 6 || len(c.XTicks) != 3 || !c.Series[1].Dashed || c.Series[0].Dashed {
		t.Errorf("chart: %d series, ticks %v", len(c.Series), c.XTicks)
	}
}

func TestS3LatencyNotRun(t *testing.T) {
	var b strings.Builder
	s3LatencyTables(&b, sample())
	if !strings.Contains(b.String(), "Not run: pass `-s3latency 0,30ms`") {
		t.Errorf("got %q", b.String())
	}
}
