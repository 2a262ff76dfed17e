package prevayler_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/faultstore"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/memstore"
)

var errInjected = errors.New("injected fault")

// outcome records what the workload's callers were told.
type outcome struct {
	order   []int64 // events in the order they were handed to Handle
	acked   int     // how many of them Handle acknowledged
	durable int     // how many were acknowledged before a Snapshot or Sync returned
}

// check verifies a recovered ledger: exactly the seeded events followed by
// a prefix of the attempted ones, holding at least the first `must`.
func (o outcome) check(t *testing.T, got []int64, must int) {
	t.Helper()
	all := append([]int64{1, 2, 3}, o.order...)
	if len(got) > len(all) || !slices.Equal(got, all[:len(got)]) {
		t.Fatalf("recovered %v: not a prefix of the events handled %v", got, all)
	}
	if len(got) < 3+must {
		t.Fatalf("recovered %v: lost acknowledged events (want at least %v)", got, all[:3+must])
	}
}

// workload opens a journal that already holds events (so start-up has a
// rotation to do), handles events, takes a snapshot, handles more and
// closes, stopping at the first refusal as a real caller would.
func workload(st store.Store, d prevayler.Durability) outcome {
	var out outcome
	p, err := prevayler.Open(context.Background(), record, prevayler.Options[ledger]{Store: st, Durability: d})
	if err != nil {
		return out
	}
	defer p.Close()
	handle := func(v int64) bool {
		out.order = append(out.order, v)
		if _, err := p.Handle(context.Background(), add{V: v}); err != nil {
			return false
		}
		out.acked++
		return true
	}
	for v := int64(100); v < 104; v++ {
		if !handle(v) {
			return out
		}
	}
	if err := p.Snapshot(context.Background()); err != nil {
		return out
	}
	out.durable = out.acked
	for v := int64(104); v < 107; v++ {
		if !handle(v) {
			return out
		}
	}
	if err := p.Sync(context.Background()); err != nil {
		return out
	}
	out.durable = out.acked
	return out
}

// seeded returns a memory store whose journal holds 1, 2, 3, written by
// an earlier, cleanly closed instance.
func seeded(t *testing.T) *memstore.Store {
	t.Helper()
	mem := memstore.New()
	p := mustOpen(t, mem.Reopen(), prevayler.Options[ledger]{})
	for v := int64(1); v <= 3; v++ {
		mustHandle(t, p, v)
	}
	mustClose(t, p)
	return mem
}

func countOps(t *testing.T, d prevayler.Durability) int {
	t.Helper()
	n := 0
	fs := faultstore.New(seeded(t).Reopen(), func(faultstore.Op) error { n++; return nil })
	workload(fs, d)
	return n
}

// TestCrashAtEveryStoreOperation kills the workload at every store
// operation in turn (start-up rotation, events, Snapshot, Close), then
// simulates a power loss that keeps none, half or all of the unsynced
// bytes, recovers, and checks that no acknowledged event is lost and no
// event is duplicated, reordered or invented.
func TestCrashAtEveryStoreOperation(t *testing.T) {
	keeps := map[string]func(string, []byte) []byte{
		"power loss":    func(_ string, b []byte) []byte { return nil },
		"half written":  func(_ string, b []byte) []byte { return b[:len(b)/2] },
		"process crash": func(_ string, b []byte) []byte { return b },
	}
	for _, d := range []prevayler.Durability{prevayler.Durable, prevayler.Buffered} {
		n := countOps(t, d)
		if n < 20 {
			t.Fatalf("the workload did only %d store operations", n)
		}
		for kname, keep := range keeps {
			t.Run(fmt.Sprintf("%s/%s", d, kname), func(t *testing.T) {
				for k := 1; k <= n+1; k++ {
					mem := seeded(t)
					crashed := func(op faultstore.Op) error {
						if op.N >= k {
							return errInjected
						}
						return nil
					}
					out := workload(faultstore.New(mem.Reopen(), crashed), d)
					// The crash ends the process, and with it every handle.
					mem.Crash(memstore.CrashOptions{KeepUnsynced: keep})

					p, err := prevayler.Open(context.Background(), record, prevayler.Options[ledger]{Store: mem.Reopen()})
					if err != nil {
						t.Fatalf("crash at op %d of %d: recovery failed: %v", k, n, err)
					}
					got := p.State().Seen
					p.Close()
					must := out.acked
					if d == prevayler.Buffered && kname != "process crash" {
						must = out.durable // Buffered promises only what was synced
					}
					out.check(t, got, must)
				}
			})
		}
	}
}

// TestFaultAtEveryStoreOperation fails one store operation (an I/O error,
// the process lives on) at every point of the workload, then closes and
// reopens without a crash: the instance must have refused events after a
// failed write or sync, and the journal must hold every acknowledged one.
func TestFaultAtEveryStoreOperation(t *testing.T) {
	for _, d := range []prevayler.Durability{prevayler.Durable, prevayler.Buffered} {
		n := countOps(t, d)
		t.Run(d.String(), func(t *testing.T) {
			for k := 1; k <= n; k++ {
				mem := seeded(t)
				h := mem.Reopen()
				out := workload(faultstore.New(h, faultstore.FailAt(k, errInjected)), d)
				h.Close() // the process goes on; a Close that failed is retried

				p, err := prevayler.Open(context.Background(), record, prevayler.Options[ledger]{Store: mem.Reopen()})
				if err != nil {
					t.Fatalf("fault at op %d of %d: reopen failed: %v", k, n, err)
				}
				got := p.State().Seen
				p.Close()
				out.check(t, got, out.acked)
			}
		})
	}
}

// TestWriteFailureRefusesLaterEvents checks the failure contract directly.
func TestWriteFailureRefusesLaterEvents(t *testing.T) {
	for _, kind := range []faultstore.OpKind{faultstore.Write, faultstore.Sync} {
		t.Run(fmt.Sprint(kind), func(t *testing.T) {
			mem := seeded(t)
			var armed atomic.Bool
			hook := func(op faultstore.Op) error {
				if armed.Load() && op.Kind == kind {
					return errInjected
				}
				return nil
			}
			p := mustOpen(t, faultstore.New(mem.Reopen(), hook), prevayler.Options[ledger]{})
			mustHandle(t, p, 10)
			armed.Store(true)
			if _, err := p.Handle(context.Background(), add{V: 11}); !errors.Is(err, errInjected) {
				t.Fatalf("event during a failing %v: %v", kind, err)
			}
			armed.Store(false)
			_, err := p.Handle(context.Background(), add{V: 12})
			if !errors.Is(err, errInjected) {
				t.Fatalf("event after the failure: %v, want a refusal wrapping the cause", err)
			}
			if got := p.State().Seen; len(got) != 4 || got[3] != 10 {
				t.Fatalf("state after the failure: %v", got)
			}
			p.Close()
			p = mustOpen(t, mem.Reopen(), prevayler.Options[ledger]{})
			defer p.Close()
			got := p.State().Seen
			checkRecovered(t, got, []int64{1, 2, 3, 10}, map[int64]bool{11: true})
			mustHandle(t, p, 12)
		})
	}
}
