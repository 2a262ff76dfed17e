package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/s3store"
)

// meter wraps a client and times the segment uploads.
type meter struct {
	s3store.Client
	puts    atomic.Int64
	bytes   atomic.Int64
	putTime atomic.Int64 // nanoseconds
}

func (m *meter) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	start := time.Now()
	out, err := m.Client.PutObject(ctx, in, o...)
	if err == nil && strings.Contains(aws.ToString(in.Key), ".g/") && aws.ToInt64(in.ContentLength) > 0 {
		m.puts.Add(1)
		m.bytes.Add(aws.ToInt64(in.ContentLength))
		m.putTime.Add(int64(time.Since(start)))
	}
	return out, err
}

func (m *meter) report(b *testing.B, events int) {
	puts := m.puts.Load()
	if puts == 0 {
		return
	}
	b.ReportMetric(float64(m.putTime.Load())/float64(puts)/1e6, "ms/upload")
	b.ReportMetric(float64(events)/float64(puts), "events/upload")
	b.ReportMetric(float64(m.bytes.Load())/float64(events), "bytes/event")
}

// benchEnv is newEnv for benchmarks.
func benchEnv(b *testing.B) (client *s3.Client, bucket, key string) {
	client, bucket, _ = s3test.Server(b)
	return client, bucket, s3test.Key(b, client, bucket)
}

// BenchmarkDurable: Handle in Durable mode from 1 and from 32 goroutines.
// Each acknowledgement waits for the upload of the segment holding its
// event; concurrent events share uploads.
func BenchmarkDurable(b *testing.B) {
	for _, writers := range []int{1, 32} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			client, bucket, key := benchEnv(b)
			m := &meter{Client: client}
			p, err := prevayler.Open(b.Context(), apply, prevayler.Options[account]{
				Store: s3store.New(m, s3store.Options{Bucket: bucket, Key: key}),
			})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			m.puts.Store(0)
			m.bytes.Store(0)
			m.putTime.Store(0)
			b.ResetTimer()
			var wg sync.WaitGroup
			var next atomic.Int64
			for range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(b.N) {
						if _, err := p.Handle(b.Context(), op{Amount: 1, Memo: "deposit"}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			m.report(b, b.N)
		})
	}
}

// BenchmarkBuffered: Handle in Buffered mode from one goroutine, SleepTime
// 100ms: the uploads run behind.
func BenchmarkBuffered(b *testing.B) {
	client, bucket, key := benchEnv(b)
	m := &meter{Client: client}
	p, err := prevayler.Open(b.Context(), apply, prevayler.Options[account]{
		Durability: prevayler.Buffered,
		Store:      s3store.New(m, s3store.Options{Bucket: bucket, Key: key, SleepTime: 100 * time.Millisecond}),
	})
	if err != nil {
		b.Fatal(err)
	}
	m.puts.Store(0)
	m.bytes.Store(0)
	m.putTime.Store(0)
	b.ResetTimer()
	for range b.N {
		if _, err := p.Handle(b.Context(), op{Amount: 1, Memo: "deposit"}); err != nil {
			b.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	m.report(b, b.N)
}

// BenchmarkRecovery100k: Open on a fresh store of a journal of 100,000
// events, the way a new machine starts: download the segments and replay
// them. The journal is written in Buffered mode with a Sync every 1,000
// events, so it holds about 100 segments, as a long-running writer
// leaves it.
func BenchmarkRecovery100k(b *testing.B) {
	const events = 100_000
	client, bucket, _ := benchEnv(b)
	var segments, stored int64
	for range b.N {
		b.StopTimer()
		key := s3test.Key(b, client, bucket)
		m := &meter{Client: client}
		p, err := prevayler.Open(b.Context(), apply, prevayler.Options[account]{
			Durability: prevayler.Buffered,
			Store:      s3store.New(m, s3store.Options{Bucket: bucket, Key: key}),
		})
		if err != nil {
			b.Fatal(err)
		}
		for i := range events {
			if _, err := p.Handle(b.Context(), op{Amount: 1, Memo: "deposit"}); err != nil {
				b.Fatal(err)
			}
			if i%1000 == 999 {
				if err := p.Sync(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := p.Close(); err != nil {
			b.Fatal(err)
		}
		segments, stored = m.puts.Load(), m.bytes.Load()
		b.StartTimer()

		p, err = prevayler.Open(b.Context(), apply, prevayler.Options[account]{
			Store: s3store.New(client, s3store.Options{Bucket: bucket, Key: key}),
		})
		if err != nil {
			b.Fatal(err)
		}
		if got := p.State().Ops; got != events {
			b.Fatalf("recovered %d events, want %d", got, events)
		}
		b.StopTimer()
		p.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(segments), "segments")
	b.ReportMetric(float64(stored)/events, "bytes/event")
}
