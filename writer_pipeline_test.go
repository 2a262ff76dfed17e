package prevayler_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// pipedStore hands out writers whose syncs take a while and may overlap
// (store.Pipeline), as S3's do.
type pipedStore struct {
	store.Store
	delay  time.Duration
	failAt int64 // the sync with this number (from 1) fails, if set

	syncs, active, most atomic.Int64
}

func (s *pipedStore) Create(ctx context.Context, name string) (store.Writer, error) {
	w, err := s.Store.Create(ctx, name)
	if err != nil {
		return nil, err
	}
	return &pipedWriter{Writer: w, s: s}, nil
}

var errSyncFailed = errors.New("sync failed")

type pipedWriter struct {
	store.Writer
	s  *pipedStore
	mu sync.Mutex // the memstore writer is used by one goroutine at a time
}

func (w *pipedWriter) PipelineDepth() int { return 4 }

func (w *pipedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.Writer.Write(p)
}

func (w *pipedWriter) Sync(ctx context.Context) error {
	n := w.s.syncs.Add(1)
	a := w.s.active.Add(1)
	defer w.s.active.Add(-1)
	for m := w.s.most.Load(); a > m && !w.s.most.CompareAndSwap(m, a); m = w.s.most.Load() {
	}
	// What was written before the call is what this Sync makes durable.
	w.mu.Lock()
	err := w.Writer.Sync(ctx)
	w.mu.Unlock()
	time.Sleep(w.s.delay)
	if n == w.s.failAt {
		return errSyncFailed
	}
	return err
}

// TestPipelinedSyncs: on a store whose syncs overlap, Durable batches are
// written while earlier ones sync, every acknowledged event is recovered,
// and the state is published in order.
func TestPipelinedSyncs(t *testing.T) {
	mem := memstore.New()
	st := &pipedStore{Store: mem, delay: 10 * time.Millisecond}
	p := mustOpen(t, st, prevayler.Options[ledger]{})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var backwards atomic.Bool
	go func() { // the published state only grows
		last := 0
		for {
			select {
			case <-stop:
				return
			default:
			}
			n := len(p.State().Seen)
			if n < last {
				backwards.Store(true)
			}
			last = n
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for c := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				if _, err := p.Handle(ctx, add{V: int64(1000 + c*100 + i)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	if backwards.Load() {
		t.Error("the published state went backwards")
	}
	if most := st.most.Load(); most < 2 {
		t.Errorf("at most %d syncs at once, want overlapping ones", most)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	q := mustOpen(t, mem.Reopen(), prevayler.Options[ledger]{})
	defer q.Close()
	if n := len(q.State().Seen); n != 16*20 {
		t.Errorf("recovered %d events, want %d", n, 16*20)
	}
}

// TestPipelinedSyncFailure: once a batch's sync fails, no later batch is
// acknowledged, though its own sync succeeds: every error is an unknown
// outcome, and the instance is failed.
func TestPipelinedSyncFailure(t *testing.T) {
	st := &pipedStore{Store: memstore.New(), delay: 5 * time.Millisecond, failAt: 5}
	p := mustOpen(t, st, prevayler.Options[ledger]{})
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var (
		wg      sync.WaitGroup
		failed  atomic.Int64
		unknown atomic.Int64 // of the failures, those whose event was written
	)
	for c := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				_, err := p.Handle(ctx, add{V: int64(1000 + c*100 + i)})
				if err != nil {
					// An event handled after the failure is refused before
					// it is written; one written is an unknown outcome.
					if errors.Is(err, prevayler.ErrUnknownOutcome) {
						unknown.Add(1)
					} else if !errors.Is(err, errSyncFailed) {
						t.Errorf("error %v, neither an unknown outcome nor a refusal for the failure", err)
					}
					failed.Add(1)
					return
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() == 0 {
		t.Fatal("no Handle failed after a failed sync")
	}
	if unknown.Load() == 0 {
		t.Error("no Handle got an unknown outcome: the failed sync's own batch must")
	}
	if err := p.Stats().LastError; err == nil {
		t.Error("Stats().LastError is nil after a failed sync")
	}
}

// TestPipelinedSnapshotsAndSyncs: snapshots and Syncs taken while
// Durable batches are in flight drain the pipeline first, so that a
// snapshot's journal switch loses no acknowledged event and a Sync covers
// every event acknowledged before it; what is recovered is exactly what
// was acknowledged, in the order of the results Handle returned.
func TestPipelinedSnapshotsAndSyncs(t *testing.T) {
	mem := memstore.New()
	st := &pipedStore{Store: mem, delay: 3 * time.Millisecond}
	p := mustOpen(t, st, prevayler.Options[ledger]{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	results := make([][]int, 8) // each caller's results: positions in Seen
	for c := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				r, err := p.Handle(ctx, add{V: int64(100 + c*1000 + i)})
				if err != nil {
					t.Error(err)
					return
				}
				results[c] = append(results[c], r)
			}
		}()
	}
	for range 4 {
		time.Sleep(5 * time.Millisecond)
		if err := p.Snapshot(ctx); err != nil {
			t.Fatal(err)
		}
		if err := p.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	q := mustOpen(t, mem.Reopen(), prevayler.Options[ledger]{})
	defer q.Close()
	seen := q.State().Seen
	if len(seen) != 8*25 {
		t.Fatalf("recovered %d events, want %d", len(seen), 8*25)
	}
	for c, rs := range results {
		for i, r := range rs {
			if want := int64(100 + c*1000 + i); seen[r-1] != want {
				t.Fatalf("event %d of caller %d was acknowledged at position %d, recovered there is %d", i, c, r, seen[r-1])
			}
		}
	}
}
