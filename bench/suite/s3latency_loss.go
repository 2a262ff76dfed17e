package suite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/prevayler-go/prevayler/bench/bank"
	"github.com/prevayler-go/prevayler/bench/harness"
	"github.com/prevayler-go/prevayler/examples/bank/model"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
)

// Pacing of the loss-window sampler: one Buffered transfer per
// lossInterval, the store's progress read every lossPoll.
const (
	lossInterval = 5 * time.Millisecond
	lossPoll     = 500 * time.Microsecond
)

// loss measures the Buffered loss window: one caller handles a transfer
// every lossInterval and notes, when Handle returns, how many bytes the
// journal's writer has been given; the event is stored once the writer's
// backlog (store.Backlog) no longer covers them. A crash at any moment
// loses the events handled within the window before it.
func (run *s3lat) loss(ctx context.Context, name string) (S3Loss, error) {
	o := run.runner.o
	sleep := run.lo.SleepTime
	if sleep <= 0 {
		sleep = s3store.DefaultSleepTime
	}
	st := &trackedStore{Store: s3store.New(run.client, s3store.Options{Bucket: run.bucket, Key: run.prefix + name + "/journal", SleepTime: run.lo.SleepTime})}
	b, err := bank.OpenPrevaylerOn(ctx, st, false, model.Handle, model.New(o.Accounts, o.Initial))
	if err != nil {
		return S3Loss{}, err
	}
	defer b.Close()
	w := st.writer()
	if w == nil {
		return S3Loss{}, errors.New("the journal has no writer")
	}
	type sample struct {
		at     time.Time
		offset int64
	}
	var (
		mu      sync.Mutex
		pending []sample
		hist    harness.Hist
		samples int
	)
	stopPoll, polled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(polled)
		t := time.NewTicker(lossPoll)
		defer t.Stop()
		for {
			select {
			case <-stopPoll:
				return
			case <-t.C:
			}
			stored := w.stored()
			now := time.Now()
			mu.Lock()
			i := 0
			for ; i < len(pending) && pending[i].offset <= stored; i++ {
				hist.Record(now.Sub(pending[i].at))
				samples++
			}
			pending = pending[i:]
			mu.Unlock()
		}
	}()
	defer func() {
		select {
		case <-stopPoll:
		default:
			close(stopPoll)
		}
		<-polled
	}()

	rng := rand.New(rand.NewPCG(1, 2))
	op := transferOp(b, o.Accounts, DefaultMaxAmount)
	tick := time.NewTicker(lossInterval)
	defer tick.Stop()
	end := time.Now().Add(run.lo.LossDuration)
	for time.Now().Before(end) {
		if err := op(ctx, 0, rng); err != nil {
			return S3Loss{}, err
		}
		at, offset := time.Now(), w.written()
		mu.Lock()
		pending = append(pending, sample{at, offset})
		mu.Unlock()
		select {
		case <-tick.C:
		case <-ctx.Done():
			return S3Loss{}, ctx.Err()
		}
	}
	// Every sample is stored within SleepTime and an upload; wait for the
	// last ones, bounded.
	deadline := time.Now().Add(3*sleep + time.Minute)
	for {
		mu.Lock()
		left := len(pending)
		mu.Unlock()
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			return S3Loss{}, fmt.Errorf("%d events still not stored %v after the last", left, 3*sleep+time.Minute)
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			return S3Loss{}, ctx.Err()
		}
	}
	close(stopPoll)
	<-polled
	if err := b.Close(); err != nil {
		return S3Loss{}, err
	}
	return S3Loss{SleepTime: sleep, Samples: samples, Mean: hist.Mean(), P50: hist.Quantile(0.5), P99: hist.Quantile(0.99), Max: hist.Max()}, nil
}

// trackedStore hands out writers that count the bytes they are given.
type trackedStore struct {
	store.Store
	mu     sync.Mutex
	latest *trackedWriter
}

func (s *trackedStore) Create(ctx context.Context, name string) (store.Writer, error) {
	w, err := s.Store.Create(ctx, name)
	if err != nil {
		return nil, err
	}
	tw := &trackedWriter{Writer: w}
	s.mu.Lock()
	s.latest = tw
	s.mu.Unlock()
	return tw, nil
}

// writer returns the writer created last: the journal's, after Open.
func (s *trackedStore) writer() *trackedWriter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latest
}

// trackedWriter counts the bytes written, and keeps the optional
// interfaces of the writer it wraps, which the prevalent system uses.
type trackedWriter struct {
	store.Writer
	mu sync.Mutex
	n  int64
}

func (w *trackedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.Writer.Write(p)
	w.n += int64(n)
	return n, err
}

func (w *trackedWriter) written() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// stored returns the bytes written that the store has stored: the
// written bytes less the backlog, read together.
func (w *trackedWriter) stored() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, _ := w.Backlog()
	return w.n - b
}

func (w *trackedWriter) Wait(ctx context.Context) error {
	if th, ok := w.Writer.(store.Throttle); ok {
		return th.Wait(ctx)
	}
	return nil
}

// Backlog is the wrapped writer's; a writer without one is taken to store
// every byte as it is written.
func (w *trackedWriter) Backlog() (int64, time.Time) {
	if b, ok := w.Writer.(store.Backlog); ok {
		return b.Backlog()
	}
	return 0, time.Time{}
}

var (
	_ store.Throttle = (*trackedWriter)(nil)
	_ store.Backlog  = (*trackedWriter)(nil)
)
