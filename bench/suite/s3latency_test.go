package suite

import (
	"context"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

// TestS3Latency runs the S3-latency workload on tiny sizes, against the
// server of PREVAYLER_S3_ENDPOINT or the in-process one, and checks that
// every figure is there and that the added latency shows in them.
func TestS3Latency(t *testing.T) {
	const lat = 20 * time.Millisecond
	o := tiny(t)
	o.Only = regexp.MustCompile(`^s3latency/`)
	o.Rounds = 2
	o.Duration = 200 * time.Millisecond
	o.S3Latency = &S3LatencyOptions{Endpoint: os.Getenv("PREVAYLER_S3_ENDPOINT"), Bucket: os.Getenv("PREVAYLER_S3_BUCKET"),
		Latencies: []time.Duration{0, lat}, ColdUploads: []int{25}, LossDuration: 300 * time.Millisecond, SleepTime: 50 * time.Millisecond}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) > 0 {
		t.Fatalf("failures: %q", res.Failures)
	}
	s := res.S3Latency
	if s == nil || len(s.Runs) != 2 || s.Server == "" {
		t.Fatalf("results: %+v", s)
	}
	t.Logf("server: %s", s.Server)
	for _, run := range s.Runs {
		if run.RoundTrip < run.Latency || run.RoundTrip <= 0 {
			t.Errorf("%v: round trip %v", run.Latency, run.RoundTrip)
		}
		if len(run.Points) != len(o.Callers) {
			t.Fatalf("%v: %d points", run.Latency, len(run.Points))
		}
		for _, p := range run.Points {
			t.Logf("+%v, %d callers: %.0f/s, probe %.0f/s, limit %.0f/s, %.3f PUTs/event", run.Latency, p.Callers,
				p.Durable.Throughput, p.Probe.Throughput, p.Limit, p.PutsPerEvent)
			if p.Durable.Ops <= 0 || p.Probe.Ops <= 0 || p.Events <= 0 || p.Requests.Put <= 0 || p.Requests.BytesUp <= 0 {
				t.Errorf("%v/%d: %+v", run.Latency, p.Callers, p)
			}
			if p.PutsPerEvent <= 0 || p.PutsPerEvent > 1.5 || p.ProbePutsPerEvent <= 0 || p.ProbePutsPerEvent > 1 {
				t.Errorf("%v/%d: PUTs per event %.3f, probe's %.3f", run.Latency, p.Callers, p.PutsPerEvent, p.ProbePutsPerEvent)
			}
			if want := float64(p.Callers) / run.RoundTrip.Seconds(); p.Limit != want {
				t.Errorf("%v/%d: limit %.1f, want %.1f", run.Latency, p.Callers, p.Limit, want)
			}
			// Every durable event waits for a PUT: no caller beats one
			// event per added latency.
			if run.Latency > 0 {
				bound := float64(p.Callers) / run.Latency.Seconds()
				if p.Durable.Throughput > bound || p.Probe.Throughput > bound {
					t.Errorf("%v/%d: %.0f/s and probe %.0f/s, above the %.0f/s the latency allows",
						run.Latency, p.Callers, p.Durable.Throughput, p.Probe.Throughput, bound)
				}
				if p.Durable.P50 < run.Latency || p.Probe.P50 < run.Latency {
					t.Errorf("%v/%d: median %v, probe %v", run.Latency, p.Callers, p.Durable.P50, p.Probe.P50)
				}
			}
		}
		l := run.Loss
		if l != nil {
			t.Logf("+%v: loss window p50 %v, max %v (%d samples)", run.Latency, l.P50, l.Max, l.Samples)
		}
		if l == nil || l.Samples < 10 || l.P50 <= 0 || l.Max < l.P50 || l.SleepTime != 50*time.Millisecond {
			t.Fatalf("%v: loss %+v", run.Latency, l)
		}
		if l.Max < run.Latency {
			t.Errorf("%v: loss window at most %v, shorter than one upload", run.Latency, l.Max)
		}
		if len(run.Cold) != 1 {
			t.Fatalf("%v: cold %+v", run.Latency, run.Cold)
		}
		c := run.Cold[0]
		t.Logf("+%v: cold start after %d uploads: %v, %v; then %v", run.Latency, c.Uploads, c.Open, c.Requests, c.After)
		if c.Uploads != 25 || c.Events <= 0 || c.Requests.Get <= 0 || c.Requests.List <= 0 || c.Open < run.Latency {
			t.Errorf("%v: cold %+v", run.Latency, c)
		}
	}
}

// backlogWriter is a writer whose store holds back the bytes it is told.
type backlogWriter struct {
	held int64
	at   time.Time
}

func (w *backlogWriter) Write(p []byte) (int, error)    { return len(p), nil }
func (w *backlogWriter) Sync(context.Context) error     { return nil }
func (w *backlogWriter) Close() error                   { return nil }
func (w *backlogWriter) Backlog() (int64, time.Time)    { return w.held, w.at }
func (w *backlogWriter) Wait(ctx context.Context) error { return ctx.Err() }

// TestTrackedWriter checks the loss window's view of a writer: bytes
// written, bytes stored (written less the backlog), and the optional
// interfaces passed through.
func TestTrackedWriter(t *testing.T) {
	inner := &backlogWriter{}
	w := &trackedWriter{Writer: inner}
	for _, n := range []int{10, 5, 7} {
		if got, err := w.Write(make([]byte, n)); got != n || err != nil {
			t.Fatalf("Write: %d, %v", got, err)
		}
	}
	inner.held, inner.at = 12, time.Unix(5, 0)
	if w.written() != 22 || w.stored() != 10 {
		t.Errorf("written %d, stored %d; want 22, 10", w.written(), w.stored())
	}
	if n, at := w.Backlog(); n != 12 || !at.Equal(time.Unix(5, 0)) {
		t.Errorf("Backlog: %d, %v", n, at)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if w.Wait(ctx) == nil {
		t.Error("Wait did not reach the wrapped writer")
	}
	plain := &trackedWriter{Writer: struct{ store.Writer }{inner}}
	plain.Write(make([]byte, 4))
	if plain.stored() != 4 || plain.Wait(ctx) != nil {
		t.Error("a writer with no backlog is not taken as storing every byte")
	}
}
