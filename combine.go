package prevayler

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Flat combining. Callers that find the apply lock taken queue their
// events, and one of them, the leader, applies everything queued in one
// hold of the lock, then tells each caller what its handler returned.
// Handing the lock from caller to caller costs a goroutine wake-up per
// event inside the serial section; here the serial section is the
// handlers alone, and the wake-ups happen beside it. A queued caller
// blocks once: the leader hands its channel to the event's group, which
// signals it when the event is acknowledged.
//
// While its own event is being written and synced, the leader goes on
// applying what queued meanwhile; once it is acknowledged, the leader
// makes the first queued caller the next leader and returns.

// queued is one caller's event in the combining queue.
type queued[E, R any] struct {
	event E
	at    time.Time

	// Set by the leader before it signals ch, or before it hands ch to
	// g (then g's finish signals it).
	res   R
	err   error
	g     *group // the event's group; nil: refused, or a transient system
	alone bool
	lead  bool        // the signal makes the receiver the leader
	held  atomic.Bool // ch is among g's waiters
	ch    chan struct{}
}

// combiner is the queue of events waiting for the apply lock.
type combiner[E, R any] struct {
	mu      sync.Mutex
	q       []*queued[E, R]
	spare   []*queued[E, R]
	leading bool // someone leads: whoever queues does not
	pool    sync.Pool
}

func (c *combiner[E, R]) get() *queued[E, R] {
	if n, ok := c.pool.Get().(*queued[E, R]); ok {
		return n
	}
	return &queued[E, R]{ch: make(chan struct{}, 1)}
}

func (c *combiner[E, R]) put(n *queued[E, R]) {
	var zeroE E
	var zeroR R
	n.event, n.res, n.err, n.g, n.alone, n.lead = zeroE, zeroR, nil, nil, false, false
	n.held.Store(false)
	c.pool.Put(n)
}

// push queues n and reports whether its caller leads.
func (c *combiner[E, R]) push(n *queued[E, R]) (lead bool) {
	c.mu.Lock()
	c.q = append(c.q, n)
	lead = !c.leading
	c.leading = true
	c.mu.Unlock()
	return lead
}

// take returns what is queued, or nil, and then nobody leads.
func (c *combiner[E, R]) take() []*queued[E, R] {
	c.mu.Lock()
	defer c.mu.Unlock()
	batch := c.q
	if len(batch) == 0 {
		c.leading = false
		return nil
	}
	c.q, c.spare = c.spare[:0], nil
	return batch
}

// recycle keeps a drained batch's slice for the next one.
func (c *combiner[E, R]) recycle(batch []*queued[E, R]) {
	clear(batch)
	c.mu.Lock()
	if c.spare == nil {
		c.spare = batch[:0]
	}
	c.mu.Unlock()
}

// handOver ends the caller's lead: the first queued caller leads next.
// self, if queued, is taken out first.
func (c *combiner[E, R]) handOver(self *queued[E, R]) {
	c.mu.Lock()
	c.remove(self)
	var next *queued[E, R]
	if len(c.q) > 0 {
		next = c.q[0]
		next.lead = true // under mu: a caller giving up its place sees it
	} else {
		c.leading = false
	}
	c.mu.Unlock()
	if next != nil {
		next.ch <- struct{}{}
	}
}

// remove takes n out of the queue and reports whether it was there. The
// caller holds c.mu.
func (c *combiner[E, R]) remove(n *queued[E, R]) bool {
	for i, m := range c.q {
		if m == n {
			c.q = append(c.q[:i], c.q[i+1:]...)
			c.q[len(c.q):cap(c.q)][0] = nil // keep no reference past the end
			return true
		}
	}
	return false
}

// handleQueued is Handle for a caller that found the apply lock taken.
func (p *Prevayler[S, E, R]) handleQueued(ctx context.Context, event E, at time.Time) (R, error) {
	c := &p.comb
	n := c.get()
	n.event, n.at = event, at
	if !c.push(n) {
		if err := p.waitQueued(ctx, n); err != nil {
			var zero R
			return zero, err
		}
		if !n.lead {
			return p.finishQueued(n)
		}
		n.lead = false
	}
	if err := p.lead(n); err != nil {
		c.put(n)
		var zero R
		return zero, err
	}
	res, g, alone, err := n.res, n.g, n.alone, n.err
	c.put(n)
	if err != nil || g == nil {
		return res, err
	}
	if err := p.w.wait(ctx, g, alone); err != nil {
		var zero R
		return zero, err
	}
	return res, nil
}

// finishQueued returns the outcome of a queued caller's event, once its
// caller is signalled, and gives back what the caller held.
func (p *Prevayler[S, E, R]) finishQueued(n *queued[E, R]) (R, error) {
	res, err := n.res, n.err
	if g := n.g; g != nil {
		err = g.outcome()
		g.release()
	}
	p.comb.put(n)
	if err != nil {
		var zero R
		return zero, err
	}
	return res, nil
}

// lead applies queued events, self's first among them, until self's event
// is acknowledged or nothing is queued, then hands the lead over. An
// error means self was never applied (a handler's own call: ErrReentrant).
func (p *Prevayler[S, E, R]) lead(self *queued[E, R]) error {
	c := &p.comb
	if err := p.lockApply("Handle"); err != nil {
		c.handOver(self)
		return err
	}
	for { // self is in the first batch: it was queued first, or handed the lead as the head
		batch := c.take()
		if batch == nil {
			p.mu.Unlock()
			return nil
		}
		for _, n := range batch {
			n.res, n.g, n.alone, n.err = p.applyLocked(n.event, n.at)
			var zero E
			n.event = zero
		}
		p.mu.Unlock()
		p.tell(self, batch)
		c.recycle(batch)
		if len(batch) == 1 && batch[0] == self {
			// Alone: self's wait writes the event as a lone caller's.
			c.handOver(nil)
			return nil
		}
		if p.w != nil {
			p.w.nudge()
		}
		if self.g != nil && !self.g.finished.Load() {
			if err := p.lockApply("Handle"); err != nil {
				c.handOver(nil)
				return nil // self was applied: its outcome stands
			}
			continue
		}
		c.handOver(nil)
		return nil
	}
}

// tell gives each queued caller of batch but self its outcome: refused
// ones at once, the others once their group is acknowledged.
func (p *Prevayler[S, E, R]) tell(self *queued[E, R], batch []*queued[E, R]) {
	for _, n := range batch {
		if n == self {
			continue
		}
		if n.g == nil || !n.g.addWaiter(n.ch, &n.held) {
			n.ch <- struct{}{}
		}
	}
}

// waitQueued waits for the leader's signal to a queued caller. If ctx ends
// once the event is applied, the caller stops waiting for the journal, as
// in Handle. A handler's own call, which would wait for itself for ever,
// gets ErrReentrant after reentryWait.
func (p *Prevayler[S, E, R]) waitQueued(ctx context.Context, n *queued[E, R]) error {
	t := timerPool.Get().(*time.Timer)
	t.Reset(reentryWait)
	timeout, done := t.C, ctx.Done()
	var poll <-chan time.Time
	defer func() {
		t.Stop()
		timerPool.Put(t)
	}()
	for {
		select {
		case <-n.ch:
			return nil
		case <-poll:
			poll = nil
			if !n.held.Load() {
				poll = time.After(cancelPoll)
				continue
			}
			return p.abandonQueued(ctx, n)
		case <-timeout:
			timeout = nil
			if !insideHandler() {
				continue
			}
			p.comb.mu.Lock()
			out := !n.lead && p.comb.remove(n) // led, it finds out in lockApply
			p.comb.mu.Unlock()
			if out {
				p.comb.put(n)
				return fmt.Errorf("prevayler: Handle: %w of this system; handlers must be pure", ErrReentrant)
			}
		case <-done:
			done = nil
			if !n.held.Load() {
				// Not applied yet, or being told. Once applied, the
				// event's fate is the journal's, which ctx need not
				// wait for: look again shortly (a leader applies a
				// batch in microseconds, so this is rare and brief).
				poll = time.After(cancelPoll)
				continue
			}
			return p.abandonQueued(ctx, n)
		}
	}
}

// cancelPoll is how often a queued caller whose context ended looks
// whether its event was applied.
const cancelPoll = 50 * time.Microsecond

// abandonQueued stops a queued caller's wait for the journal, once its
// event is applied and its channel is among the group's waiters, as
// Handle does when ctx ends while the event is being written.
func (p *Prevayler[S, E, R]) abandonQueued(ctx context.Context, n *queued[E, R]) error {
	g := n.g
	g.detach(n.ch)
	g.release()
	p.comb.put(n)
	return unknownOutcome(ctx.Err())
}

var timerPool = sync.Pool{New: func() any {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}}
