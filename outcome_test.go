package prevayler_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/reliability/faultstore"
	"github.com/prevayler-go/prevayler/internal/testutil"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// armedSyncs is a faultstore hook that does nothing until armed, then
// fails or blocks every Writer.Sync.
type armedSyncs struct {
	fail    atomic.Bool
	block   atomic.Bool
	release chan struct{}
}

var errDisk = errors.New("injected: fsync failed")

func (a *armedSyncs) hook(op faultstore.Op) error {
	if op.Kind != faultstore.Sync {
		return nil
	}
	if a.block.Load() {
		<-a.release // ignores every context, as a hung disk or server would
	}
	if a.fail.Load() {
		return errDisk
	}
	return nil
}

func TestDurableHandleErrorsAreRefusalsOrUnknownOutcomes(t *testing.T) {
	a := &armedSyncs{}
	p := mustOpen(t, faultstore.New(memstore.New(), a.hook), prevayler.Options[ledger]{})
	defer p.Close()
	mustHandle(t, p, 1)
	a.fail.Store(true)
	_, err := p.Handle(context.Background(), add{V: 2})
	if !errors.Is(err, prevayler.ErrUnknownOutcome) || !errors.Is(err, errDisk) {
		t.Fatalf("Handle whose fsync failed: %v, want ErrUnknownOutcome wrapping the cause", err)
	}
	// Never journaled: a refusal, not an unknown outcome.
	_, err = p.Handle(context.Background(), add{V: 3})
	if err == nil || errors.Is(err, prevayler.ErrUnknownOutcome) {
		t.Fatalf("Handle after the failure: %v, want a refusal", err)
	}
	if _, err = p.Handle(context.Background(), add{V: -1}); errors.Is(err, prevayler.ErrUnknownOutcome) {
		t.Fatalf("refused by the handler: %v must not be an unknown outcome", err)
	}
}

func TestHandleAndSyncHonourTheirDeadlineWhatever(t *testing.T) {
	for _, d := range []prevayler.Durability{prevayler.Durable, prevayler.Buffered} {
		t.Run(d.String(), func(t *testing.T) {
			a := &armedSyncs{release: make(chan struct{})}
			p := mustOpen(t, faultstore.New(memstore.New(), a.hook), prevayler.Options[ledger]{Durability: d})
			mustHandle(t, p, 1)
			a.block.Store(true)
			deadline := func(name string, call func(ctx context.Context) error) {
				t.Helper()
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				defer cancel()
				start := time.Now()
				err := call(ctx)
				if el := time.Since(start); el > 250*time.Millisecond {
					t.Errorf("%s returned %v after the 100ms deadline", name, el-100*time.Millisecond)
				}
				if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, prevayler.ErrUnknownOutcome) {
					t.Errorf("%s: %v, want both context.DeadlineExceeded and ErrUnknownOutcome", name, err)
				}
			}
			if d == prevayler.Durable {
				// The only caller: it would write and sync inline.
				deadline("lone Handle", func(ctx context.Context) error {
					_, err := p.Handle(ctx, add{V: 2})
					return err
				})
			}
			deadline("Sync", p.Sync)
			close(a.release)
			mustClose(t, p)
		})
	}
}

func TestEventTimeNeverRunsBackwards(t *testing.T) {
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	var ticks int
	// A clock that steps back by a second on every reading.
	backwards := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		ticks++
		return base.Add(-time.Duration(ticks) * time.Second)
	}
	open, _ := localStore(t)
	var seen []time.Time
	var seenMu sync.Mutex
	h := func(s ledger, e add, at time.Time) (ledger, int, error) {
		seenMu.Lock()
		seen = append(seen, at)
		seenMu.Unlock()
		return record(s, e, at)
	}
	run := func(clock func() time.Time, from int64) {
		p, err := prevayler.Open(context.Background(), h, prevayler.Options[ledger]{Store: open(), Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		for i := from; i < from+5; i++ {
			if _, err := p.Handle(context.Background(), add{V: i}); err != nil {
				t.Fatal(err)
			}
		}
		mustClose(t, p)
	}
	run(func() time.Time { return base }, 1)
	// After a restart, with a clock behind the recovered events.
	run(backwards, 6)
	for i := 1; i < len(seen); i++ {
		if seen[i].Before(seen[i-1]) {
			t.Fatalf("event time ran backwards: %v after %v (times %v)", seen[i], seen[i-1], seen)
		}
	}
}

func TestPolicyStopsAfterAStickyFailure(t *testing.T) {
	a := &armedSyncs{}
	var logs testutil.SyncBuffer
	p := mustOpen(t, faultstore.New(memstore.New(), a.hook), prevayler.Options[ledger]{
		SnapshotInterval: 20 * time.Millisecond,
		Durability:       prevayler.Buffered,
		Logger:           slog.New(slog.NewTextHandler(&logs, nil)),
	})
	defer p.Close()
	mustHandle(t, p, 1) // an event since the last snapshot: one is due
	a.fail.Store(true)
	if err := p.Sync(context.Background()); err == nil {
		t.Fatal("Sync succeeded with failing fsyncs")
	}
	time.Sleep(300 * time.Millisecond) // dozens of policy ticks
	if n := strings.Count(logs.String(), "automatic snapshot failed"); n > 1 {
		t.Fatalf("the policy tried %d snapshots after the instance stopped:\n%s", n, logs.String())
	}
}

func TestShutdownHonoursItsDeadline(t *testing.T) {
	a := &armedSyncs{release: make(chan struct{})}
	p := mustOpen(t, faultstore.New(memstore.New(), a.hook), prevayler.Options[ledger]{Durability: prevayler.Buffered})
	mustHandle(t, p, 1)
	a.block.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := p.Shutdown(ctx)
	if el := time.Since(start); el > 250*time.Millisecond {
		t.Fatalf("Shutdown returned %v after its 100ms deadline", el-100*time.Millisecond)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want context.DeadlineExceeded", err)
	}
	if _, err := p.Handle(context.Background(), add{V: 2}); !errors.Is(err, prevayler.ErrClosed) {
		t.Fatalf("Handle after Shutdown: %v, want ErrClosed", err)
	}
	close(a.release)
	if err := p.Close(); err != nil {
		t.Fatalf("Close after the store came back: %v", err)
	}
}
