package harness

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoopCounts(t *testing.T) {
	var calls atomic.Int64
	r, err := Loop{Callers: 4, Warmup: 20 * time.Millisecond, Duration: 100 * time.Millisecond}.Run(context.Background(),
		func(ctx context.Context, caller int, rng *rand.Rand) error {
			if caller < 0 || caller >= 4 {
				t.Errorf("caller %d", caller)
			}
			calls.Add(1)
			time.Sleep(time.Millisecond)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if r.Ops <= 0 || r.Ops >= calls.Load() {
		t.Fatalf("%d ops counted of %d calls: the warm-up must not count", r.Ops, calls.Load())
	}
	if uint64(r.Ops) != r.Latency.Count() {
		t.Fatalf("%d ops, %d latencies", r.Ops, r.Latency.Count())
	}
	if r.Elapsed < 100*time.Millisecond {
		t.Fatalf("window %v shorter than asked", r.Elapsed)
	}
	if p := r.Latency.Quantile(0.5); p < time.Millisecond {
		t.Fatalf("p50 %v below the 1ms each call sleeps", p)
	}
	// Four callers sleeping 1ms each cannot exceed 4000 ops/s.
	if tp := r.Throughput(); tp > 4000 || tp < 100 {
		t.Fatalf("throughput %.0f/s", tp)
	}
}

func TestLoopStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	var n atomic.Int64
	_, err := Loop{Callers: 3, Duration: 10 * time.Second}.Run(context.Background(),
		func(ctx context.Context, caller int, rng *rand.Rand) error {
			if n.Add(1) == 50 {
				return boom
			}
			return nil
		})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
}

func TestLoopInvalid(t *testing.T) {
	if _, err := (Loop{}).Run(context.Background(), nil); err == nil {
		t.Fatal("a loop without callers ran")
	}
}

func TestResultMerge(t *testing.T) {
	a := &Result{Callers: 2, Ops: 10, Elapsed: time.Second}
	a.Latency.Record(time.Millisecond)
	b := &Result{Callers: 2, Ops: 30, Elapsed: time.Second}
	b.Latency.Record(3 * time.Millisecond)
	a.Merge(b)
	if a.Ops != 40 || a.Elapsed != 2*time.Second || a.Throughput() != 20 || a.Latency.Count() != 2 || a.Latency.Max() != 3*time.Millisecond {
		t.Fatalf("merged: %+v", a)
	}
}
