package integration

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/s3store"
)

// BenchmarkFollowS3Lag measures how far a follower of an S3 journal is
// behind a busy writer: a sample takes the writer's Seq once the follower
// has applied everything before it, then times the follower's WaitFor of
// it. Buffered writers upload every SleepTime, so the lag there is up to
// SleepTime plus a poll; a Durable writer's event is stored when Handle
// returns, so its lag is the poll plus the follower's GETs. It reports
// the median and the 99th percentile, the writer's rate, and the
// follower's requests per applied event, in one run for each case.
func BenchmarkFollowS3Lag(b *testing.B) {
	for _, tc := range []struct {
		name     string
		mode     prevayler.Durability
		sleep    time.Duration
		interval time.Duration
	}{
		{"buffered/sleep=100ms/poll=100ms", prevayler.Buffered, 100 * time.Millisecond, 100 * time.Millisecond},
		{"buffered/sleep=1s/poll=1s", prevayler.Buffered, time.Second, time.Second},
		{"durable/poll=100ms", prevayler.Durable, 50 * time.Millisecond, 100 * time.Millisecond},
		{"durable/poll=1s", prevayler.Durable, 50 * time.Millisecond, time.Second},
	} {
		b.Run(tc.name, func(b *testing.B) {
			client, bucket, key := benchEnv(b)
			newStore := func() *s3store.Store {
				return s3store.New(client, s3store.Options{Bucket: bucket, Key: key, SleepTime: tc.sleep})
			}
			ctx := context.Background()
			p, err := prevayler.Open(ctx, apply, prevayler.Options[account]{Store: newStore(), Durability: tc.mode})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			fs := newStore()
			f, err := prevayler.Follow(ctx, apply, prevayler.Options[account]{Store: fs, FollowInterval: tc.interval})
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			stop, done := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(done)
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := p.Handle(ctx, op{Amount: 1}); err != nil {
						b.Error(err)
						return
					}
					if tc.mode == prevayler.Buffered {
						time.Sleep(200 * time.Microsecond) // a busy writer, not a flood
					}
				}
			}()
			before, seq0 := fs.Requests(), f.Seq()
			lags := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				time.Sleep(time.Duration(i%7+1) * tc.interval / 7)
				for p.Seq() <= f.Seq() {
					time.Sleep(time.Millisecond)
				}
				seq, start := p.Seq(), time.Now()
				wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				err := f.WaitFor(wctx, seq)
				cancel()
				if err != nil {
					b.Fatalf("follower at %d, writer at %d: %v", f.Seq(), seq, err)
				}
				lags = append(lags, time.Since(start))
			}
			b.StopTimer()
			close(stop)
			<-done
			slices.Sort(lags)
			req := fs.Requests().Sub(before)
			applied := max(f.Seq()-seq0, 1)
			b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(applied)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(req.Gets)/b.Elapsed().Hours(), "GET/h")
			b.ReportMetric(float64(req.Lists)/b.Elapsed().Hours(), "LIST/h")
			b.ReportMetric(float64(req.Gets+req.Lists)/float64(applied), "requests/event")
		})
	}
}

// BenchmarkFollowS3CatchUp measures a late follower: a journal of b.N
// Buffered events it has never seen, then one Refresh.
func BenchmarkFollowS3CatchUp(b *testing.B) {
	client, bucket, key := benchEnv(b)
	newStore := func() *s3store.Store {
		return s3store.New(client, s3store.Options{Bucket: bucket, Key: key, SleepTime: 20 * time.Millisecond})
	}
	ctx := context.Background()
	p, err := prevayler.Open(ctx, apply, prevayler.Options[account]{Store: newStore(), Durability: prevayler.Buffered})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	fs := newStore()
	f, err := prevayler.Follow(ctx, apply, prevayler.Options[account]{Store: fs, FollowInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	for range b.N {
		if _, err := p.Handle(ctx, op{Amount: 1}); err != nil {
			b.Fatal(err)
		}
	}
	if err := p.Sync(ctx); err != nil {
		b.Fatal(err)
	}
	before := fs.Requests()
	b.ResetTimer()
	if err := f.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if f.Seq() < uint64(b.N) {
		b.Fatalf("follower at %d, want %d", f.Seq(), b.N)
	}
	req := fs.Requests().Sub(before)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(req.Total()), "requests")
}
