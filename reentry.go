package prevayler

import (
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// reentryWait is how long a call waits for a handler that is running
// before it checks whether that handler is its own caller. A handler that
// calls its own system would otherwise wait for itself for ever.
const reentryWait = time.Second

// applyWatch lets a call that cannot take the apply lock wait for the
// running handler with a deadline. The holder of the apply lock pays two
// atomic stores and a load per event; only a call that finds the lock
// taken while a handler runs waits here, and only one that waited
// reentryWait looks at its own stack.
type applyWatch struct {
	applying atomic.Bool  // a handler runs under the apply lock
	waiters  atomic.Int32 // calls waiting in waitApply

	mu   sync.Mutex
	done chan struct{} // closed when the running handler returns; nil: nobody waits
}

// begin and end bracket a handler call made under the apply lock.
func (a *applyWatch) begin() { a.applying.Store(true) }

func (a *applyWatch) end() {
	a.applying.Store(false)
	// Stored before loaded here, added before loaded in waitApply: one of
	// the two sees the other, so no waiter sleeps through the end.
	if a.waiters.Load() > 0 {
		a.mu.Lock()
		if a.done != nil {
			close(a.done)
			a.done = nil
		}
		a.mu.Unlock()
	}
}

// waitApply waits until the handler that was running returns, or
// reentryWait passed. It reports whether it timed out.
func (a *applyWatch) waitApply() (timedOut bool) {
	a.mu.Lock()
	if a.done == nil {
		a.done = make(chan struct{})
	}
	done := a.done
	a.waiters.Add(1)
	a.mu.Unlock()
	defer a.waiters.Add(-1)
	if !a.applying.Load() {
		return false
	}
	t := time.NewTimer(reentryWait)
	defer t.Stop()
	select {
	case <-done:
		return false
	case <-t.C:
		return true
	}
}

// lockApply takes the apply lock. Called from inside a handler of this
// system it returns an error matching ErrReentrant, after about
// reentryWait, instead of waiting for ever; op names the call.
func (p *Prevayler[S, E, R]) lockApply(op string) error {
	if p.mu.TryLock() {
		return nil
	}
	// A handler's inner call always finds its own handler running: the
	// outer call holds the lock from before begin to after end.
	if p.watch.applying.Load() && p.watch.waitApply() && insideHandler() {
		return fmt.Errorf("prevayler: %s: %w of this system; handlers must be pure", op, ErrReentrant)
	}
	// The handler returned, so it was not the caller's (or it is merely
	// slow): wait as anyone would.
	p.mu.Lock()
	return nil
}

// probeApply returns ErrReentrant as lockApply does, for a call that only
// needs to know it is not inside a handler before it waits elsewhere.
func (p *Prevayler[S, E, R]) probeApply(op string) error {
	if err := p.lockApply(op); err != nil {
		return err
	}
	p.mu.Unlock()
	return nil
}

// applyFunc is the name of the method that calls handlers, as stack
// frames show it (type arguments are elided there).
var applyFunc = reflect.TypeFor[PanicError]().PkgPath() + ".(*Prevayler[...]).apply"

// insideHandler reports whether the calling goroutine runs inside a
// handler called by a prevalent system. It walks the whole stack: only
// calls that waited reentryWait use it.
func insideHandler() bool {
	pcs := make([]uintptr, 64)
	for {
		n := runtime.Callers(2, pcs)
		if n < len(pcs) {
			pcs = pcs[:n]
			break
		}
		pcs = make([]uintptr, 2*len(pcs))
	}
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if f.Function == applyFunc {
			return true
		}
		if !more {
			return false
		}
	}
}
