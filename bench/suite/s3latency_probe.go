package suite

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// probeRecord is the bytes one caller of the ideal probe adds to a PUT,
// as the raw disk probes' record.
const probeRecord = 24

// The round trip is the median of roundTripPuts PUTs, after
// roundTripWarmup unmeasured ones (a connection to open, a server whose
// bucket is new).
const (
	roundTripWarmup = 5
	roundTripPuts   = 41
)

// roundTrip returns the median time of one small PUT alone through the
// proxy.
func (run *s3lat) roundTrip(ctx context.Context, name string) (time.Duration, error) {
	body := make([]byte, probeRecord)
	var ds []time.Duration
	for i := 0; i < roundTripWarmup+roundTripPuts; i++ {
		key := fmt.Sprintf("%s%s/round-trip/%02d", run.prefix, name, i)
		start := time.Now()
		if _, err := run.raw.PutObject(ctx, &s3.PutObjectInput{Bucket: &run.bucket, Key: &key,
			Body: bytes.NewReader(body), ContentLength: aws.Int64(probeRecord), IfNoneMatch: aws.String("*")}); err != nil {
			return 0, err
		}
		if i >= roundTripWarmup {
			ds = append(ds, time.Since(start))
		}
	}
	slices.Sort(ds)
	return ds[len(ds)/2], nil
}

// groupProbe is the ideal group commit with one upload in flight: callers
// queue a record; one goroutine PUTs everything queued as one object, with
// If-None-Match as the store's segments, then acknowledges those callers
// and starts the next PUT with whatever queued meanwhile.
type groupProbe struct {
	run     *s3lat
	prefix  string
	records atomic.Int64 // acknowledged
	puts    atomic.Int64 // PUTs answered, counted here rather than at the proxy, which also sees the store's background uploads

	mu     sync.Mutex
	queue  []chan error
	seq    int
	wake   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	closed bool
}

func (run *s3lat) newProbe(prefix string) *groupProbe {
	g := &groupProbe{run: run, prefix: run.prefix + prefix, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go g.loop()
	return g
}

// op is one caller's commit, for harness.Loop.
func (g *groupProbe) op(ctx context.Context, _ int, _ *rand.Rand) error {
	ch := make(chan error, 1)
	g.mu.Lock()
	g.queue = append(g.queue, ch)
	g.mu.Unlock()
	select {
	case g.wake <- struct{}{}:
	default:
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *groupProbe) loop() {
	defer close(g.done)
	// The uploads outlive a caller's cancelled context: an upload, like
	// the store's, is not abandoned half way.
	ctx := context.Background()
	for {
		select {
		case <-g.wake:
		case <-g.stop:
			return
		}
		for {
			g.mu.Lock()
			batch := g.queue
			g.queue = nil
			if len(batch) > 0 {
				g.seq++
			}
			seq := g.seq
			g.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			key := fmt.Sprintf("%s%020d", g.prefix, seq)
			n := int64(len(batch) * probeRecord)
			_, err := g.run.raw.PutObject(ctx, &s3.PutObjectInput{Bucket: &g.run.bucket, Key: &key,
				Body: bytes.NewReader(make([]byte, n)), ContentLength: aws.Int64(n), IfNoneMatch: aws.String("*")})
			g.puts.Add(1)
			if err == nil {
				g.records.Add(int64(len(batch)))
			}
			for _, ch := range batch {
				ch <- err
			}
		}
	}
}

// close stops the uploading goroutine; no caller may be waiting.
func (g *groupProbe) close() {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return
	}
	g.closed = true
	g.mu.Unlock()
	close(g.stop)
	<-g.done
}
