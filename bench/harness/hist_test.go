package harness

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestQuantileAccuracy compares the histogram's quantiles with exact ones
// on random data spanning nanoseconds to seconds.
func TestQuantileAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h Hist
	var all []time.Duration
	for i := 0; i < 100_000; i++ {
		d := time.Duration(rng.ExpFloat64() * float64(rng.IntN(1_000_000_000)+1))
		h.Record(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 1} {
		exact := all[max(0, int(q*float64(len(all)))-1)]
		got := h.Quantile(q)
		if diff := float64(got-exact) / float64(max(exact, 1)); diff > 1.0/64 || diff < -1.0/64 {
			t.Errorf("q=%v: got %v, exact %v (%.2f%% off)", q, got, exact, diff*100)
		}
	}
	if h.Count() != 100_000 || h.Max() != all[len(all)-1] {
		t.Errorf("count %d max %v", h.Count(), h.Max())
	}
}

func TestBuckets(t *testing.T) {
	prev := -1
	for _, v := range []uint64{0, 1, 63, 64, 65, 127, 128, 130, 1 << 20, 1<<40 + 12345, 1<<63 - 1} {
		i := bucketOf(v)
		if i <= prev || i >= nBuckets {
			t.Fatalf("bucketOf(%d) = %d after %d", v, i, prev)
		}
		if lo := lowOf(i); lo > v || (i+1 < nBuckets && lowOf(i+1) <= v) {
			t.Fatalf("value %d outside its bucket %d [%d, %d)", v, i, lo, lowOf(i+1))
		}
		prev = i
	}
}

func TestMergeAndEmpty(t *testing.T) {
	var a, b, empty Hist
	if empty.Quantile(0.5) != 0 || empty.Mean() != 0 {
		t.Fatal("empty histogram reports values")
	}
	a.Record(10 * time.Millisecond)
	b.Record(30 * time.Millisecond)
	b.Record(-time.Second)
	a.Merge(&b)
	if a.Count() != 3 || a.Max() != 30*time.Millisecond {
		t.Fatalf("merged: count %d max %v", a.Count(), a.Max())
	}
	if m := a.Mean(); m != 40*time.Millisecond/3 {
		t.Fatalf("mean %v", m)
	}
}
