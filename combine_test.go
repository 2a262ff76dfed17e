package prevayler_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/reliability/faultstore"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// Callers that find the apply lock taken have their events applied by
// another caller (flat combining). Each must still get what the handler
// returned for its own event, refusals and panics included.
func TestQueuedCallersGetTheirOwnOutcomes(t *testing.T) {
	for _, d := range []prevayler.Durability{prevayler.Durable, prevayler.Buffered} {
		t.Run(d.String(), func(t *testing.T) {
			open, _ := localStore(t)
			p := mustOpen(t, open(), prevayler.Options[ledger]{Durability: d})
			const callers, each = 32, 150
			var wg sync.WaitGroup
			var mu sync.Mutex
			got := map[int]int64{} // the result (position) each accepted value was given
			errs := make(chan error, callers)
			for c := range callers {
				wg.Go(func() {
					for i := range each {
						v := int64(c*each + i + 100) // distinct, never 13
						switch i % 7 {
						case 3:
							v = -v
						case 5:
							v = 13
						}
						r, err := p.Handle(context.Background(), add{V: v})
						switch {
						case v < 0:
							if !errors.Is(err, errNegative) {
								errs <- fmt.Errorf("Handle(%d): %v, want the handler's refusal", v, err)
								return
							}
						case v == 13:
							var pe *prevayler.PanicError
							if !errors.As(err, &pe) {
								errs <- fmt.Errorf("Handle(13): %v, want a PanicError", err)
								return
							}
						case err != nil:
							errs <- fmt.Errorf("Handle(%d): %v", v, err)
							return
						default:
							mu.Lock()
							if prev, dup := got[r]; dup {
								errs <- fmt.Errorf("result %d given to %d and %d", r, prev, v)
							}
							got[r] = v
							mu.Unlock()
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			check := func(s ledger) {
				t.Helper()
				if len(s.Seen) != len(got) {
					t.Fatalf("%d values in the state, %d accepted", len(s.Seen), len(got))
				}
				for r, v := range got {
					if s.Seen[r-1] != v {
						t.Fatalf("result %d was given to %d, but position %d holds %d", r, v, r, s.Seen[r-1])
					}
				}
			}
			check(p.State())
			mustClose(t, p)
			p = mustOpen(t, open(), prevayler.Options[ledger]{})
			defer mustClose(t, p)
			check(p.State())
		})
	}
}

// gatedLedger is record, except that the value gateValue blocks its
// handler, and with it the apply lock, until gate is closed.
const gateValue = 7777

func gatedRecord(gate <-chan struct{}, entered chan<- struct{}) prevayler.Handler[ledger, add, int] {
	return func(s ledger, e add, at time.Time) (ledger, int, error) {
		if e.V == gateValue {
			entered <- struct{}{}
			<-gate
		}
		return record(s, e, at)
	}
}

// startGated starts Handle(gateValue) and returns once its handler holds
// the apply lock.
func startGated(t *testing.T, p *testPrevayler, entered <-chan struct{}) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := p.Handle(context.Background(), add{V: gateValue})
		done <- err
	}()
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the gated handler never ran")
	}
	return done
}

// A queued caller whose context ends before its event is applied waits
// for the apply (as a caller waiting for the lock always did), but not
// for a journal that hangs: regression for queued callers that waited for
// the sync once their context had ended before the apply.
func TestQueuedCallerStopsWaitingForAHungJournal(t *testing.T) {
	a := &armedSyncs{release: make(chan struct{})}
	gate, entered := make(chan struct{}), make(chan struct{}, 1)
	p, err := prevayler.Open(context.Background(), gatedRecord(gate, entered),
		prevayler.Options[ledger]{Store: faultstore.New(memstore.New(), a.hook)})
	if err != nil {
		t.Fatal(err)
	}
	mustHandle(t, p, 1)
	a.block.Store(true)
	gated := startGated(t, p, entered)

	const callers = 8
	type outcome struct {
		err     error
		elapsed time.Duration
	}
	out := make(chan outcome, callers)
	var opened time.Time
	for i := range callers {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			_, err := p.Handle(ctx, add{V: int64(200 + i)})
			out <- outcome{err, time.Since(opened)}
		}()
	}
	time.Sleep(150 * time.Millisecond) // every deadline passes while queued
	opened = time.Now()
	close(gate)
	for range callers {
		select {
		case o := <-out:
			if !errors.Is(o.err, prevayler.ErrUnknownOutcome) || !errors.Is(o.err, context.DeadlineExceeded) {
				t.Errorf("queued Handle: %v, want ErrUnknownOutcome wrapping the deadline", o.err)
			}
			if o.elapsed > 500*time.Millisecond {
				t.Errorf("queued Handle returned %v after its event was applied; the journal hangs, it must not wait for it", o.elapsed)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a queued caller whose deadline passed still waits for a hung journal")
		}
	}
	close(a.release)
	if err := <-gated; err != nil {
		t.Fatalf("the gated Handle: %v", err)
	}
	mustClose(t, p)
}

// Close while callers are queued: each gets its event's outcome or
// ErrClosed, none waits for ever, and what was acknowledged is recovered.
func TestCloseWhileCallersAreQueued(t *testing.T) {
	for _, d := range []prevayler.Durability{prevayler.Durable, prevayler.Buffered} {
		t.Run(d.String(), func(t *testing.T) {
			open, _ := localStore(t)
			gate, entered := make(chan struct{}), make(chan struct{}, 1)
			p, err := prevayler.Open(context.Background(), gatedRecord(gate, entered),
				prevayler.Options[ledger]{Store: open(), Durability: d})
			if err != nil {
				t.Fatal(err)
			}
			gated := startGated(t, p, entered)
			const callers = 16
			acked := make(chan int64, callers)
			errs := make(chan error, callers)
			var wg sync.WaitGroup
			for i := range callers {
				wg.Go(func() {
					v := int64(300 + i)
					_, err := p.Handle(context.Background(), add{V: v})
					switch {
					case err == nil:
						acked <- v
					case !errors.Is(err, prevayler.ErrClosed):
						errs <- fmt.Errorf("queued Handle(%d) during Close: %v, want nil or ErrClosed", v, err)
					}
				})
			}
			time.Sleep(50 * time.Millisecond) // queued behind the gate
			closed := make(chan error, 1)
			go func() { closed <- p.Close() }()
			time.Sleep(20 * time.Millisecond)
			close(gate)
			waitDone := make(chan struct{})
			go func() { wg.Wait(); close(waitDone) }()
			select {
			case <-waitDone:
			case <-time.After(10 * time.Second):
				t.Fatal("queued callers still waiting 10s after Close")
			}
			if err := <-closed; err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := <-gated; err != nil && !errors.Is(err, prevayler.ErrClosed) {
				t.Fatalf("the gated Handle: %v", err)
			}
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			close(acked)
			q := mustOpen(t, open(), prevayler.Options[ledger]{})
			defer mustClose(t, q)
			seen := map[int64]bool{}
			for _, v := range q.State().Seen {
				seen[v] = true
			}
			for v := range acked {
				if !seen[v] {
					t.Errorf("acknowledged %d is not in the recovered state", v)
				}
			}
		})
	}
}

// A handler that calls its own system while other callers queue gets
// ErrReentrant, whether it runs in a caller's own apply or in a batch
// another caller applies, and the others go on.
func TestReentrantHandleUnderContention(t *testing.T) {
	open, _ := localStore(t)
	var p *prevayler.Prevayler[int, string, error]
	h := func(s int, e string, _ time.Time) (int, error, error) {
		if e == "nested" {
			_, err := p.Handle(context.Background(), "plain")
			return s + 1, err, nil
		}
		return s + 1, nil, nil
	}
	var err error
	p, err = prevayler.Open(context.Background(), h, prevayler.Options[int]{Store: open()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var stop atomic.Bool
	var plain atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for !stop.Load() {
				if _, err := p.Handle(context.Background(), "plain"); err != nil {
					t.Errorf("plain Handle: %v", err)
					return
				}
				plain.Add(1)
			}
		})
	}
	const nested = 3 // each waits reentryWait (1s) at most
	for range nested {
		res := handleWithin(t, p, "nested", 10*time.Second)
		if !errors.Is(res, prevayler.ErrReentrant) {
			t.Errorf("the handler's Handle under contention: %v, want ErrReentrant", res)
		}
	}
	stop.Store(true)
	wg.Wait()
	if got, want := int64(p.State()), plain.Load()+nested; got != want {
		t.Fatalf("state %d, want %d events", got, want)
	}
}

// Callers whose contexts end at random moments, queued or not: whatever
// returned nil is recovered, and nothing is told twice or to the wrong
// caller (the race detector watches the queue's hand-offs).
func TestQueuedCallersWithEndingContexts(t *testing.T) {
	open, _ := localStore(t)
	p := mustOpen(t, open(), prevayler.Options[ledger]{})
	const callers, each = 16, 200
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[int64]int{}
	refused := map[int64]bool{} // ctx ended before Handle began: never applied
	errs := make(chan error, callers)
	for c := range callers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 1))
			for i := range each {
				v := int64(c*each + i + 100)
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rng.IntN(400))*time.Microsecond)
				r, err := p.Handle(ctx, add{V: v})
				cancel()
				switch {
				case err == nil:
					mu.Lock()
					acked[v] = r
					mu.Unlock()
				case errors.Is(err, prevayler.ErrUnknownOutcome):
				case errors.Is(err, context.DeadlineExceeded):
					mu.Lock()
					refused[v] = true
					mu.Unlock()
				default:
					errs <- fmt.Errorf("Handle(%d): %v, want nil, a refusal or ErrUnknownOutcome", v, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	mustClose(t, p)
	q := mustOpen(t, open(), prevayler.Options[ledger]{})
	defer mustClose(t, q)
	s := q.State()
	for v, r := range acked {
		if r < 1 || r > len(s.Seen) || s.Seen[r-1] != v {
			t.Fatalf("acknowledged %d as position %d, not what was recovered", v, r)
		}
	}
	for _, v := range s.Seen {
		if refused[v] {
			t.Fatalf("%d was refused (its context had ended), yet it was recovered", v)
		}
	}
	if len(acked) == 0 {
		t.Fatal("no Handle succeeded: the test shows nothing")
	}
}
