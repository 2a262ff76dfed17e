package system_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/reliability"
	"github.com/prevayler-go/prevayler/internal/reliability/faultstore"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// The enumerations on the memory store's crash model, through faultstore:
// they check the prevalent system's protocol independently of localstore's
// own fsync discipline.

var errInjected = errors.New("injected fault")

// hMemModels are the crashes of the memory store tried at each point.
var hMemModels = []struct {
	name string
	keep func(string, []byte) []byte
}{
	{"process crash", func(_ string, b []byte) []byte { return b }},
	{"power loss", nil},
	{"power loss, torn write", func(_ string, b []byte) []byte { return b[:len(b)/2] }},
}

// hMemStores returns the stores of one workload on mem: each instance gets
// a handle of its own behind faultstore, and every operation of every
// handle is numbered in one sequence that hook sees. closeAll closes every
// handle, as the end of the process would.
func hMemStores(mem *memstore.Store, hook func(n int64) error) (newStore func() store.Store, calls func() int64, closeAll func()) {
	var n atomic.Int64
	var mu sync.Mutex
	var handles []store.Store
	newStore = func() store.Store {
		h := mem.Reopen()
		mu.Lock()
		handles = append(handles, h)
		mu.Unlock()
		return faultstore.New(h, func(faultstore.Op) error { return hook(n.Add(1)) })
	}
	closeAll = func() {
		mu.Lock()
		defer mu.Unlock()
		for _, h := range handles {
			h.Close()
		}
	}
	return newStore, n.Load, closeAll
}

// TestHarnessMemstore stops the workload at every store operation in turn
// (that operation and every later one fail, as after a crash), then
// applies each crash model of the memory store (keep everything the store
// was given, none of the unsynced bytes, or half of them) and recovers:
// no acknowledged event that had to survive is lost, and nothing is
// duplicated, reordered or invented.
func TestHarnessMemstore(t *testing.T) {
	for _, d := range hModes {
		t.Run(d.String(), func(t *testing.T) {
			tl := hTally{Figure: reliability.Figure{Name: "crash points, memstore crash model, " + d.String(), Unit: "crash points"}}
			crashes := 0
			for k := int64(1); ; k++ {
				reached := false
				for _, m := range hMemModels {
					mem := memstore.New()
					seed := hSeed(t, mem.Reopen())
					newStore, calls, _ := hMemStores(mem, func(n int64) error {
						if n >= k {
							return errInjected
						}
						return nil
					})
					run := hWorkload(newStore, d, seed, hWorkSize())
					if calls() < k {
						continue
					}
					reached = true
					// The crash ends the process, and with it every handle.
					mem.Crash(memstore.CrashOptions{KeepUnsynced: m.keep})
					where := fmt.Sprintf("%s at store operation %d", m.name, k)
					tl.problems(where, run)
					got, err := hRecover(func() store.Store { return mem.Reopen() })
					tl.judge(where, run, got, err, m.name == "process crash")
					crashes++
				}
				if !reached {
					break
				}
				tl.Count++
			}
			if tl.Count < 20 {
				t.Errorf("the workload did only %d store operations", tl.Count)
			}
			tl.Note = fmt.Sprintf("%d crashes simulated (%d models at each point)", crashes, len(hMemModels))
			tl.report(t)
		})
	}
}

// TestHarnessMemstoreFaults fails one store operation (an I/O error, the
// process lives on) at every operation of the workload in turn, then
// closes every handle and reopens without a crash. The failure must reach
// a caller or the log; an instance whose journal failed must refuse new
// events; the journal must hold every
// acknowledged event, in order, followed only by unacknowledged ones.
func TestHarnessMemstoreFaults(t *testing.T) {
	for _, d := range hModes {
		t.Run(d.String(), func(t *testing.T) {
			tl := hTally{Figure: reliability.Figure{Name: "store operation failures, memstore through faultstore, " + d.String(), Unit: "faults"}}
			for k := int64(1); ; k++ {
				mem := memstore.New()
				seed := hSeed(t, mem.Reopen())
				newStore, calls, closeAll := hMemStores(mem, func(n int64) error {
					if n == k {
						return errInjected
					}
					return nil
				})
				run := hWorkload(newStore, d, seed, hWorkSize())
				closeAll() // the process goes on; a Close that failed is retried
				if calls() < k {
					break
				}
				tl.Count++
				where := fmt.Sprintf("failure of store operation %d", k)
				tl.problems(where, run)
				if !hHeard(run, errInjected) {
					tl.wrongf("%s: no caller and no log line was told of the failure", where)
				}
				got, err := hRecover(func() store.Store { return mem.Reopen() })
				tl.judge(where+", reopened", run, got, err, true)
			}
			if tl.Count < 20 {
				t.Errorf("the workload did only %d store operations", tl.Count)
			}
			tl.report(t)
		})
	}
}

// TestWriteFailureRefusesLaterEvents checks the failure contract directly:
// the event whose write or sync fails, and every later one, get an error
// wrapping the cause; the state keeps only what came before; a reopen
// recovers everything acknowledged and accepts events again.
func TestWriteFailureRefusesLaterEvents(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []faultstore.OpKind{faultstore.Write, faultstore.Sync} {
		t.Run(fmt.Sprint(kind), func(t *testing.T) {
			mem := memstore.New()
			seed := hSeed(t, mem.Reopen())
			var armed atomic.Bool
			hook := func(op faultstore.Op) error {
				if armed.Load() && op.Kind == kind {
					return errInjected
				}
				return nil
			}
			p, err := prevayler.Open(ctx, hReplay, prevayler.Options[hLog]{Store: faultstore.New(mem.Reopen(), hook)})
			if err != nil {
				t.Fatal(err)
			}
			acked, failing, later := hEvent{W: 1, Seq: 1}, hEvent{W: 1, Seq: 2}, hEvent{W: 1, Seq: 3}
			if _, err := p.Handle(ctx, acked); err != nil {
				t.Fatal(err)
			}
			armed.Store(true)
			if _, err := p.Handle(ctx, failing); !errors.Is(err, errInjected) {
				t.Fatalf("event during a failing %v: %v", kind, err)
			}
			armed.Store(false)
			if _, err := p.Handle(ctx, later); !errors.Is(err, errInjected) {
				t.Fatalf("event after the failure: %v, want a refusal wrapping the cause", err)
			}
			want := append(slices.Clone(seed), acked)
			if got := p.State().Events; !slices.Equal(got, want) {
				t.Fatalf("state after the failure: %v, want %v", got, want)
			}
			p.Close()

			p, err = prevayler.Open(ctx, hReplay, prevayler.Options[hLog]{Store: mem.Reopen()})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			// The failing event may have reached the journal before its
			// write or sync failed; the later one was refused unwritten.
			if got := p.State().Events; !slices.Equal(got, want) && !slices.Equal(got, append(want, failing)) {
				t.Fatalf("recovered %v, want %v, perhaps followed by %v", got, want, failing)
			}
			if _, err := p.Handle(ctx, later); err != nil {
				t.Fatalf("after the reopen: %v", err)
			}
		})
	}
}
