package prevayler

import (
	"context"
	"sync"
	"sync/atomic"
)

// group is the batch of events written and synced together: whom to tell
// when the pending events are acknowledged. Groups are reused and their
// channel is made only for a caller that has to block, so that a caller
// who writes its own events (a lone Durable caller, every Buffered caller
// that finds the writer free) allocates nothing for them.
type group struct {
	refs     atomic.Int32 // the writer's own, and one per event's caller
	finished atomic.Bool  // err is set

	mu  sync.Mutex
	err error
	ch  chan struct{} // closed by finish; nil until a caller blocks
}

var groupPool = sync.Pool{New: func() any { return new(group) }}

// closedChan is the channel of a group finished before anyone blocked.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

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
	g.err, g.ch = nil, nil
	g.finished.Store(false)
	groupPool.Put(g)
}

// finish tells g's callers that their events are acknowledged (err nil)
// or failed, and drops the writer's hold.
func (g *group) finish(err error) {
	g.mu.Lock()
	g.err = err
	g.finished.Store(true)
	ch := g.ch
	g.mu.Unlock()
	if ch != nil {
		close(ch)
	}
	g.release()
}

// done returns a channel closed once g is finished.
func (g *group) done() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.finished.Load() {
		return closedChan
	}
	if g.ch == nil {
		g.ch = make(chan struct{})
	}
	return g.ch
}

// wait returns g's outcome once it is finished, or the context's error.
func (g *group) wait(ctx context.Context) error {
	if !g.finished.Load() {
		select {
		case <-g.done():
		case <-ctx.Done():
			if !g.finished.Load() {
				return unknownOutcome(ctx.Err())
			}
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}
