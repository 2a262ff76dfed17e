package prevayler_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
)

// nested is a handler's call to its own system, which the library must
// refuse with ErrReentrant instead of waiting for ever.
type nested func(ctx context.Context, p *prevayler.Prevayler[int, string, error]) error

func TestHandlerCallingItsOwnSystemFailsInsteadOfDeadlocking(t *testing.T) {
	calls := map[string]nested{
		"Handle": func(ctx context.Context, p *prevayler.Prevayler[int, string, error]) error {
			_, err := p.Handle(ctx, "plain")
			return err
		},
		"Sync":     func(ctx context.Context, p *prevayler.Prevayler[int, string, error]) error { return p.Sync(ctx) },
		"Snapshot": func(ctx context.Context, p *prevayler.Prevayler[int, string, error]) error { return p.Snapshot(ctx) },
		"Close":    func(_ context.Context, p *prevayler.Prevayler[int, string, error]) error { return p.Close() },
	}
	for _, transient := range []bool{false, true} {
		for name, call := range calls {
			kind := "journaled"
			if transient {
				kind = "transient"
			}
			t.Run(kind+"/"+name, func(t *testing.T) {
				var p *prevayler.Prevayler[int, string, error]
				h := func(s int, e string, _ time.Time) (int, error, error) {
					if e == "nested" {
						return s + 1, call(context.Background(), p), nil
					}
					return s + 1, nil, nil
				}
				if transient {
					p = prevayler.NewTransient(h, 0)
				} else {
					open, _ := localStore(t)
					var err error
					p, err = prevayler.Open(context.Background(), h, prevayler.Options[int]{Store: open()})
					if err != nil {
						t.Fatal(err)
					}
				}
				inner := handleWithin(t, p, "nested", 5*time.Second)
				if !errors.Is(inner, prevayler.ErrReentrant) {
					t.Fatalf("the handler's %s returned %v, want ErrReentrant", name, inner)
				}
				// The system stays usable, and closes as usual.
				handleWithin(t, p, "plain", 5*time.Second)
				if got := p.State(); got != 2 {
					t.Fatalf("state %d after two events, want 2", got)
				}
				if err := p.Close(); err != nil {
					t.Fatalf("Close after the nested %s: %v", name, err)
				}
			})
		}
	}
}

// handleWithin handles e, failing the test if Handle does not return
// within d (a deadlock), and returns the handler's result.
func handleWithin(t *testing.T, p *prevayler.Prevayler[int, string, error], e string, d time.Duration) error {
	t.Helper()
	type outcome struct{ res, err error }
	done := make(chan outcome, 1)
	go func() {
		res, err := p.Handle(context.Background(), e)
		done <- outcome{res, err}
	}()
	select {
	case o := <-done:
		if o.err != nil {
			t.Fatalf("Handle(%q): %v", e, o.err)
		}
		return o.res
	case <-time.After(d):
		t.Fatalf("Handle(%q) still waiting after %v: deadlocked", e, d)
		return nil
	}
}

// A handler that is merely slow keeps other callers waiting, as ever:
// they are not inside it, so none gets ErrReentrant.
func TestSlowHandlerIsNotReentrant(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the handler must outlast the reentry wait of a second")
	}
	release := make(chan struct{})
	var started atomic.Bool
	h := func(s int, e string, _ time.Time) (int, error, error) {
		if e == "slow" {
			started.Store(true)
			<-release
		}
		return s + 1, nil, nil
	}
	open, _ := localStore(t)
	p, err := prevayler.Open(context.Background(), h, prevayler.Options[int]{Store: open()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	slow := make(chan error, 1)
	go func() { _, err := p.Handle(context.Background(), "slow"); slow <- err }()
	waitFor(t, "the slow handler to start", started.Load)
	others := make(chan error, 3)
	go func() { _, err := p.Handle(context.Background(), "plain"); others <- err }()
	go func() { others <- p.Sync(context.Background()) }()
	go func() { others <- p.Snapshot(context.Background()) }()
	time.Sleep(1500 * time.Millisecond) // past the reentry wait
	close(release)
	if err := <-slow; err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := <-others; err != nil {
			t.Fatalf("a caller outside the slow handler: %v", err)
		}
	}
	if got := p.State(); got != 2 {
		t.Fatalf("state %d, want 2", got)
	}
}
