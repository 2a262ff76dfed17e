package prevayler

import (
	"context"
	"sync"
	"sync/atomic"
)

// group is the batch of events written and synced together: whom to tell
// when the pending events are acknowledged. Groups are reused, and so are
// the channels callers block on (one per blocked caller, from a pool), so
// that the hot path allocates nothing, whether the caller writes its own
// events or waits for the writer's goroutine, and whether its context can
// end or not.
type group struct {
	refs     atomic.Int32 // the writer's own, and one per event's caller
	finished atomic.Bool  // err is set

	mu      sync.Mutex
	err     error
	waiters []chan struct{} // signalled once by finish
}

var (
	groupPool  = sync.Pool{New: func() any { return new(group) }}
	waiterPool = sync.Pool{New: func() any { return make(chan struct{}, 1) }}
)

// newGroup returns a group held by the writer alone.
func newGroup() *group {
	g := groupPool.Get().(*group)
	g.refs.Store(1)
	return g
}

// hold adds a caller who will wait for g; the caller holds the apply lock.
func (g *group) hold() { g.refs.Add(1) }

// release drops a hold; the last one returns g to the pool. Nobody may
// use g after releasing it.
func (g *group) release() {
	if g.refs.Add(-1) != 0 {
		return
	}
	g.err = nil
	clear(g.waiters)
	g.waiters = g.waiters[:0]
	g.finished.Store(false)
	groupPool.Put(g)
}

// finish tells g's callers that their events are acknowledged (err nil)
// or failed, and drops the writer's hold.
func (g *group) finish(err error) {
	g.mu.Lock()
	g.err = err
	g.finished.Store(true)
	for _, ch := range g.waiters {
		ch <- struct{}{} // room for one, and each is signalled once
	}
	g.waiters = g.waiters[:0]
	g.mu.Unlock()
	g.release()
}

// register returns a channel signalled when g finishes, or nil if it has
// finished already. Give it back with unregister.
func (g *group) register() chan struct{} {
	ch := waiterPool.Get().(chan struct{})
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.finished.Load() {
		waiterPool.Put(ch)
		return nil
	}
	g.waiters = append(g.waiters, ch)
	return ch
}

// addWaiter has finish signal ch, a channel with room for one, unless g
// has finished already (false). held is set before g can signal ch, so
// that whoever receives the signal sees it set, and whoever clears it
// after the signal does so last.
func (g *group) addWaiter(ch chan struct{}, held *atomic.Bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.finished.Load() {
		return false
	}
	g.waiters = append(g.waiters, ch)
	held.Store(true)
	return true
}

// outcome is the error finish was given; g has finished.
func (g *group) outcome() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// unregister gives back a channel of register that the caller stops
// waiting on, whether it was signalled or not.
func (g *group) unregister(ch chan struct{}) {
	if ch == nil {
		return
	}
	g.detach(ch)
	waiterPool.Put(ch)
}

// detach takes ch out of g's waiters, or drops the signal finish sent it:
// either way ch is empty and g will not signal it.
func (g *group) detach(ch chan struct{}) {
	g.mu.Lock()
	if g.finished.Load() {
		g.mu.Unlock()
		select { // the signal was sent, maybe not received yet
		case <-ch:
		default:
		}
	} else {
		for i, w := range g.waiters {
			if w == ch {
				last := len(g.waiters) - 1
				g.waiters[i], g.waiters[last] = g.waiters[last], nil
				g.waiters = g.waiters[:last]
				break
			}
		}
		g.mu.Unlock()
	}
}

// wait returns g's outcome once it is finished, or the context's error.
func (g *group) wait(ctx context.Context) error {
	if !g.finished.Load() {
		ch := g.register()
		if ch != nil {
			select {
			case <-ch:
			case <-ctx.Done():
			}
			g.unregister(ch)
		}
		if !g.finished.Load() {
			return unknownOutcome(ctx.Err())
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}
