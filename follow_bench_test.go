package prevayler_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
)

// sum keeps a total: a handler whose cost does not grow with the journal.
func sum(total int64, e add, _ time.Time) (int64, int, error) { return total + e.V, 0, nil }

// BenchmarkFollowLag measures how far a follower in the same process is
// behind a busy Buffered writer on a local journal: a sample takes the
// writer's Seq, then times the follower's WaitFor of it (so the figures
// exclude the time the writer takes to make an event visible). It reports the
// median and the 99th percentile for several FollowIntervals in one run,
// so their ratios show what the interval costs.
func BenchmarkFollowLag(b *testing.B) {
	for _, interval := range []time.Duration{time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond} {
		b.Run(fmt.Sprintf("interval=%v", interval), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "journal")
			newStore := func() store.Store { return localstore.New(path) }
			p, err := prevayler.Open(context.Background(), sum, prevayler.Options[int64]{Store: newStore(), Durability: prevayler.Buffered})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			f, err := prevayler.Follow(context.Background(), sum, prevayler.Options[int64]{Store: newStore(), FollowInterval: interval})
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				for v := int64(1); ; v++ {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := p.Handle(context.Background(), add{V: v}); err != nil {
						b.Error(err)
						return
					}
				}
			}()
			lags := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				// Samples spread over the poll interval, never before the
				// writer's first event.
				time.Sleep(time.Duration(i%7+1) * interval / 7)
				for p.Seq() <= f.Seq() {
					time.Sleep(50 * time.Microsecond)
				}
				seq, start := p.Seq(), time.Now()
				if err := f.WaitFor(context.Background(), seq); err != nil {
					b.Fatal(err)
				}
				lags = append(lags, time.Since(start))
			}
			b.StopTimer()
			close(stop)
			<-done
			slices.Sort(lags)
			b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(p.Seq())/b.Elapsed().Seconds(), "writer-events/s")
		})
	}
}

// BenchmarkFollowCatchUp measures how fast a late follower recovers a
// journal of b.N events it has never seen.
func BenchmarkFollowCatchUp(b *testing.B) {
	path := filepath.Join(b.TempDir(), "journal")
	newStore := func() store.Store { return localstore.New(path) }
	p, err := prevayler.Open(context.Background(), sum, prevayler.Options[int64]{Store: newStore(), Durability: prevayler.Buffered})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	f, err := prevayler.Follow(context.Background(), sum, prevayler.Options[int64]{Store: newStore(), FollowInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	for v := int64(1); v <= int64(b.N); v++ {
		if _, err := p.Handle(context.Background(), add{V: v % 7}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	if err := f.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if f.Seq() != uint64(b.N) {
		b.Fatalf("follower at %d, want %d", f.Seq(), b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
