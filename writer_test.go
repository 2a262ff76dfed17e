package prevayler

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store"
)

// fakeJournal is a store.Writer in memory whose Sync can be made to fail
// or to block.
type fakeJournal struct {
	mu     sync.Mutex
	data   []byte
	writes int
	syncs  int
	closed bool

	syncErr  error         // returned by every Sync if set
	syncGate chan struct{} // if set, Sync waits for it (ignoring ctx)
	syncing  chan struct{} // if set, gets a signal when Sync starts
}

func (f *fakeJournal) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.data = append(f.data, p...)
	f.writes++
	return len(p), nil
}

func (f *fakeJournal) Sync(context.Context) error {
	if f.syncing != nil {
		select {
		case f.syncing <- struct{}{}:
		default:
		}
	}
	if f.syncGate != nil {
		<-f.syncGate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.syncErr != nil {
		return f.syncErr
	}
	f.syncs++
	return nil
}

func (f *fakeJournal) Close() error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	return nil
}

func (f *fakeJournal) counts() (writes, syncs int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writes, f.syncs
}

// events reads back the events written, as data bytes.
func (f *fakeJournal) events(t *testing.T) []byte {
	t.Helper()
	f.mu.Lock()
	data := bytes.Clone(f.data)
	f.mu.Unlock()
	r, err := journal.NewReader(bytes.NewReader(data), "fake", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, r.Snapshot()); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev.Data...)
	}
}

var _ store.Writer = (*fakeJournal)(nil)

// writerRig drives a journalWriter as the prevalent system does: events
// are numbered 1, 2, ... under the apply lock, and the published value is
// the number of the last acknowledged event.
type writerRig struct {
	w         *journalWriter
	j         *fakeJournal
	mu        sync.Mutex
	n         int
	published atomic.Int64
	stats     counters
	reset     bool // the next event starts a codec stream
}

func newWriterRig(t *testing.T, durable bool, j *fakeJournal) *writerRig {
	t.Helper()
	r := &writerRig{j: j, reset: true}
	f, err := journal.NewFramer("test", nil, journal.FileInfo{})
	if err != nil {
		t.Fatal(err)
	}
	j.data = f.AppendHeader(nil)
	sw := journal.NewSnapshotWriter(j, f, 0)
	if err := sw.Close(); err != nil {
		t.Fatal(err)
	}
	j.writes = 0
	r.w = newJournalWriter(writerConfig{
		durable: durable,
		log:     slog.New(slog.DiscardHandler),
		stats:   &r.stats,
		lock:    &r.mu,
		cut:     func() any { return r.n },
		publish: func(v any) { r.published.Store(int64(v.(int))) },
	})
	r.w.start(j, f)
	t.Cleanup(r.w.stopLoop)
	return r
}

// handle appends the next event and waits for it; it returns its number.
func (r *writerRig) handle(ctx context.Context) (int, error) {
	r.mu.Lock()
	r.n++
	n := r.n
	b, alone := r.w.appendLocked(time.Unix(int64(n), 0), r.reset, []byte{byte(n)})
	r.reset = false
	r.mu.Unlock()
	return n, r.w.wait(ctx, b, alone)
}

func TestWriterLoneCallerWritesInline(t *testing.T) {
	j := &fakeJournal{}
	r := newWriterRig(t, true, j)
	for i := 1; i <= 3; i++ {
		if _, err := r.handle(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := r.published.Load(); got != int64(i) {
			t.Fatalf("published %d after event %d", got, i)
		}
		if w, s := j.counts(); w != i || s != i {
			t.Fatalf("after %d lone events: %d writes, %d syncs", i, w, s)
		}
	}
	if got := j.events(t); !bytes.Equal(got, []byte{1, 2, 3}) {
		t.Fatalf("journal holds %v", got)
	}
}

func TestWriterGroupCommit(t *testing.T) {
	for _, tc := range []struct {
		name    string
		durable bool
		ctx     func() (context.Context, context.CancelFunc)
	}{
		{"durable", true, func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }},
		{"durable with deadlines", true, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), time.Minute)
		}},
		{"buffered", false, func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }},
		{"buffered with deadlines", false, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), time.Minute)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := &fakeJournal{syncGate: make(chan struct{})}
			r := newWriterRig(t, tc.durable, j)
			go func() { // a slow disk: every sync takes a millisecond
				for {
					time.Sleep(time.Millisecond)
					select {
					case j.syncGate <- struct{}{}:
					case <-r.w.stop:
						close(j.syncGate)
						return
					}
				}
			}()
			const callers, each = 16, 50
			var wg sync.WaitGroup
			errs := make(chan error, callers)
			for range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range each {
						ctx, cancel := tc.ctx()
						_, err := r.handle(ctx)
						cancel()
						if err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if got := r.published.Load(); got != callers*each {
				t.Fatalf("published %d, want %d", got, callers*each)
			}
			if got := len(j.events(t)); got != callers*each {
				t.Fatalf("journal holds %d events, want %d", got, callers*each)
			}
			writes, syncs := j.counts()
			if tc.durable && (writes >= callers*each/2 || syncs < writes) {
				t.Fatalf("%d events in %d writes and %d syncs: no group commit", callers*each, writes, syncs)
			}
			if !tc.durable && syncs != 0 {
				t.Fatalf("buffered mode synced %d times", syncs)
			}
		})
	}
}

func TestWriterSyncFailureIsUnknownThenRefusal(t *testing.T) {
	boom := errors.New("disk on fire")
	j := &fakeJournal{syncErr: boom}
	r := newWriterRig(t, true, j)
	_, err := r.handle(context.Background())
	if !errors.Is(err, ErrUnknownOutcome) || !errors.Is(err, boom) {
		t.Fatalf("failed sync: %v, want ErrUnknownOutcome wrapping the cause", err)
	}
	if !errors.Is(r.w.err(), boom) {
		t.Fatalf("sticky failure: %v", r.w.err())
	}
	if got := r.published.Load(); got != 0 {
		t.Fatalf("published %d after a failed sync", got)
	}
	// An event appended after the failure is never written: a refusal.
	_, err = r.handle(context.Background())
	if err == nil || errors.Is(err, ErrUnknownOutcome) || !errors.Is(err, boom) {
		t.Fatalf("after the failure: %v, want a refusal naming the cause", err)
	}
}

func TestWriterContextEndsWhileSyncHangs(t *testing.T) {
	for _, durable := range []bool{true, false} {
		t.Run(map[bool]string{true: "durable", false: "buffered"}[durable], func(t *testing.T) {
			j := &fakeJournal{syncGate: make(chan struct{}), syncing: make(chan struct{}, 1)}
			r := newWriterRig(t, durable, j)
			defer close(j.syncGate)
			wait := func(name string, call func(ctx context.Context) error) {
				t.Helper()
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				defer cancel()
				start := time.Now()
				err := call(ctx)
				if el := time.Since(start); el > 150*time.Millisecond {
					t.Fatalf("%s returned after %v with a 50ms deadline", name, el)
				}
				if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrUnknownOutcome) {
					t.Fatalf("%s: %v, want context.DeadlineExceeded and ErrUnknownOutcome", name, err)
				}
			}
			if durable {
				wait("lone Handle", func(ctx context.Context) error { _, err := r.handle(ctx); return err })
			} else {
				if _, err := r.handle(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			wait("Sync", r.w.sync)
		})
	}
}

func TestWriterSwitchCarriesTheCapturedTail(t *testing.T) {
	old := &fakeJournal{}
	r := newWriterRig(t, true, old)
	for range 2 {
		if _, err := r.handle(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	r.mu.Lock()
	c := r.w.startCaptureLocked()
	r.reset = true // as Snapshot does: the tail must stand on its own
	r.mu.Unlock()
	for range 2 {
		if _, err := r.handle(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	nw := &fakeJournal{}
	nf, err := journal.NewFramer("test", nil, journal.FileInfo{})
	if err != nil {
		t.Fatal(err)
	}
	nw.data = nf.AppendHeader(nil)
	sw := journal.NewSnapshotWriter(nw, nf, 0)
	if err := sw.Close(); err != nil {
		t.Fatal(err)
	}
	installed := false
	consumed, err := r.w.switchTo(context.Background(), c, nw, nf, func(context.Context) error {
		installed = true
		return nil
	})
	if err != nil || !consumed || !installed {
		t.Fatalf("switch: consumed %v, installed %v, %v", consumed, installed, err)
	}
	if _, err := r.handle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := old.events(t); !bytes.Equal(got, []byte{1, 2, 3, 4}) {
		t.Fatalf("old journal holds %v", got)
	}
	if got := nw.events(t); !bytes.Equal(got, []byte{3, 4, 5}) {
		t.Fatalf("new journal holds %v, want the events after the cut", got)
	}
	if !old.closed {
		t.Fatal("the retired journal was not closed")
	}
}
