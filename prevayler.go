package prevayler

import (
	"bytes"
	"context"
	"crypto/cipher"
	"encoding"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

// Handler is the business logic: a pure function of the state, the event
// and the event's time. It returns the new state and the result for the
// caller, or an error, in which case nothing changes.
//
// The state is an immutable value: return a new state and never modify
// one that was passed in, since readers may hold it (see State).
//
// A handler must be pure: the same arguments give the same results, at
// replay too. It runs under the system's apply lock, so it must not call
// Handle, Sync, Snapshot, Close or Shutdown: on its own system they fail
// with ErrReentrant after about a second, the time the library waits
// before it looks whether the handler called it.
type Handler[S, E, R any] func(state S, event E, at time.Time) (S, R, error)

// Prevayler is a prevalent system: a state in memory, changed only by
// events, each journaled before its caller gets the result. It is safe for
// concurrent use.
type Prevayler[S, E, R any] struct {
	handler Handler[S, E, R]
	clock   func() time.Time
	log     *slog.Logger
	st      store.Store // nil: transient
	codec   Codec
	aead    cipher.AEAD
	w       *journalWriter // nil: transient
	check   bool           // Options.CheckState

	pub  atomic.Pointer[published[S]] // the latest acknowledged state
	slab publishSlab[S]               // boxes for pub; guarded by mu

	mu     sync.Mutex // the apply lock: guards what follows, and the writer's pending events
	state  S          // the latest applied state, maybe not yet acknowledged
	enc    Encoder
	encBuf bytes.Buffer
	ev     *E // the event being encoded (encode.go)
	// evAppender is ev as an encoding.BinaryAppender, if the codec is
	// Binary and E appends itself: the codec is then skipped.
	evAppender encoding.BinaryAppender
	reset      bool      // the next event starts a new codec stream
	lastAt     time.Time // the latest journaled event's time: event time never runs backwards
	seqT       uint64    // transient only: the last event's number (else the writer counts)
	closed     bool

	watch applyWatch // lets a handler's call to its own system fail instead of waiting for ever
	comb  combiner[E, R]

	snapSem     chan struct{} // held by the one Snapshot running; a channel so that waiting honours ctx; guards what follows
	lastArchive time.Time     // archive names strictly increase
	fileID      [16]byte      // of the live journal
	// needed names the archives the live journal continues, oldest first,
	// while it is a continuation (no snapshot): pruning keeps them.
	needed []string

	stats counters

	policy     policy
	policyKick chan struct{}
	policyStop chan struct{}
	policyDone sync.WaitGroup
	prune      pruner

	closeOnce sync.Once
	closeDone chan struct{} // closed when close has returned
	closeErr  error
}

// Open recovers the state from the store (see the package documentation
// for the journal's rules), starts a new journal holding it, and returns
// the prevalent system. It fails with ErrLocked if another writer has the
// journal, and with ErrCorrupt or ErrKey if the journal cannot be read;
// nothing is renamed or removed in that case.
func Open[S, E, R any](ctx context.Context, h Handler[S, E, R], opts Options[S]) (*Prevayler[S, E, R], error) {
	if h == nil {
		return nil, errors.New("prevayler: nil handler")
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkStateType(&o); err != nil {
		return nil, err
	}
	p := &Prevayler[S, E, R]{
		handler: h,
		clock:   o.Clock,
		log:     o.Logger,
		st:      o.Store,
		codec:   o.Codec,
		aead:    o.Encryption,
		reset:   true,
		check:   o.CheckState,
		policy: policy{
			every:    uint64(o.SnapshotEvery),
			bytes:    o.SnapshotBytes,
			interval: o.SnapshotInterval,
			keep:     o.KeepArchives,
			keepFor:  o.KeepArchivesFor,
		},
		policyStop: make(chan struct{}),
		snapSem:    make(chan struct{}, 1),
	}
	p.w = newJournalWriter(writerConfig{
		durable:   o.Durability == Durable,
		syncEvery: o.SyncInterval,
		log:       o.Logger,
		stats:     &p.stats,
		lock:      &p.mu,
		cut: func() any {
			return p.slab.box(p.state, p.w.seq)
		},
		publish: func(v any) {
			p.pub.Store(v.(*published[S]))
			p.nudgePolicy()
		},
	})
	opened := false
	defer func() {
		if !opened { // an error, or a panic of the codec or the handler
			p.st.Close()
		}
	}()
	if err := p.st.Lock(ctx); err != nil {
		return nil, fmt.Errorf("prevayler: open journal: %w", err)
	}
	state, err := p.startUp(ctx, o.InitialState)
	if err != nil {
		return nil, err
	}
	opened = true
	p.state = state
	p.pub.Store(&published[S]{state: state, seq: p.w.seq})
	p.startPruner()
	if p.policy.active() {
		p.policyKick = make(chan struct{}, 1)
		p.policyDone.Add(1)
		go p.policyLoop()
	}
	return p, nil
}

// NewTransient returns a prevalent system that journals nothing, for tests:
// Handle applies events at once, Snapshot and Sync do nothing.
func NewTransient[S, E, R any](h Handler[S, E, R], initial S) *Prevayler[S, E, R] {
	p := &Prevayler[S, E, R]{
		handler: h,
		clock:   time.Now,
		log:     slog.New(slog.DiscardHandler),
		state:   initial,
		// no policy goroutine: a closed channel makes Close's stop a no-op
		policyStop: make(chan struct{}),
		snapSem:    make(chan struct{}, 1),
	}
	p.pub.Store(&published[S]{state: initial})
	return p
}

// published is a state and the sequence number of the event it ends with,
// read together with one atomic load.
type published[S any] struct {
	state S
	seq   uint64
}

// State returns the latest acknowledged state: it never shows an event
// whose Handle has not returned successfully, or could not. It does not
// lock; treat the value as immutable.
func (p *Prevayler[S, E, R]) State() S {
	return p.pub.Load().state
}

// Seq returns the sequence number of the last acknowledged event: events
// are numbered from 1 since the journal's first start, across snapshots,
// restarts and takeovers (journals written before format version 2 count
// from their snapshot on). After a crash in Buffered mode, the next
// instance may give again the numbers of events that were lost; in
// Durable mode, or after Sync, a number always names one event.
func (p *Prevayler[S, E, R]) Seq() uint64 { return p.pub.Load().seq }

// StateSeq returns State and Seq from one atomic load: the state is the
// one right after event Seq.
func (p *Prevayler[S, E, R]) StateSeq() (S, uint64) {
	v := p.pub.Load()
	return v.state, v.seq
}

// Handle applies the event to the state with the current time, journals
// it, waits as Options.Durability says, publishes the new state and
// returns the handler's result.
//
// If the handler returns an error or panics (*PanicError), or the event
// cannot be encoded, Handle returns that error and nothing changes. If
// the journal cannot be written or synced, the events in flight get that
// error and every later Handle fails: Close, then Open again to recover.
// If ctx ends while Handle waits for the journal, it returns ctx.Err() and
// the event's fate is unknown to the caller: it was applied and will be
// journaled with the next write (at the latest by Sync, Snapshot or
// Close), as if the caller had stopped listening. In Buffered mode a
// caller that finds the journal free writes its event itself, and does
// not stop in the middle of that write: a write waits for no disk, but
// the kernel may hold it back (dirty-page throttling).
//
// Concurrent callers may find their events applied by another caller's
// goroutine (one that applies everything queued in one hold of the apply
// lock): handlers must not rely on the goroutine they run on. A caller
// whose ctx ends before its event is applied waits for the apply, as a
// caller waiting for the lock always has, then stops waiting for the
// journal.
func (p *Prevayler[S, E, R]) Handle(ctx context.Context, event E) (R, error) {
	var zero R
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	if p.w != nil {
		if err := p.w.storeFailure(); err != nil {
			return zero, err
		}
		if err := p.w.waitRoom(ctx); err != nil {
			return zero, err
		}
	}
	at := p.clock().UTC()

	// A caller that finds the apply lock taken queues its event for
	// whoever applies events next (combine.go); one that finds it free
	// applies its own.
	if !p.mu.TryLock() {
		return p.handleQueued(ctx, event, at)
	}
	res, g, alone, err := p.applyLocked(event, at)
	p.mu.Unlock()
	if err != nil || g == nil {
		return res, err
	}
	if err := p.w.wait(ctx, g, alone); err != nil {
		var zero R
		return zero, err
	}
	return res, nil
}

// applyLocked applies one event and appends its encoding to the journal
// writer's pending events. It returns the writer's group of the event
// (nil for a transient system, or on error: then nothing changed). The
// caller holds the apply lock.
func (p *Prevayler[S, E, R]) applyLocked(event E, at time.Time) (res R, g *group, alone bool, err error) {
	var zero R
	if err := p.refuseLocked(); err != nil {
		return zero, nil, false, err
	}
	// The clock is read before the lock, so callers may reach it out of
	// order, and clocks step back; the journal's times must not.
	if at.Before(p.lastAt) {
		at = p.lastAt
	}
	// Encode first: what is journaled is the event as the handler got it.
	if p.st != nil {
		if err := p.encodeEventLocked(event); err != nil {
			p.stats.refused.Add(1)
			return zero, nil, false, err
		}
	}
	p.watch.begin()
	next, res, err := p.apply(p.state, event, at)
	p.watch.end()
	if err != nil {
		// The encoding is dropped; it may have carried type information
		// that the next event must then send again.
		p.reset = true
		p.stats.refused.Add(1)
		return zero, nil, false, err
	}
	if p.st == nil {
		p.state = next
		p.lastAt = at
		p.seqT++
		p.pub.Store(p.slab.box(next, p.seqT))
		return res, nil, false, nil
	}
	g, alone = p.w.appendLocked(at, p.reset, p.encBuf.Bytes())
	p.reset = false
	p.lastAt = at
	p.state = next
	return res, g, alone, nil
}

func (p *Prevayler[S, E, R]) refuseLocked() error {
	if p.closed {
		return ErrClosed
	}
	if p.w != nil {
		if err := p.w.err(); err != nil {
			return fmt.Errorf("prevayler: journal failed earlier, Close and Open again to recover: %w", err)
		}
	}
	return nil
}

// apply runs the handler, turning a panic into an error.
func (p *Prevayler[S, E, R]) apply(state S, event E, at time.Time) (next S, res R, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return p.handler(state, event, at)
}

// Sync makes every event acknowledged so far durable, in Buffered mode
// too. With S3 it uploads what is buffered and waits.
func (p *Prevayler[S, E, R]) Sync(ctx context.Context) error {
	if err := p.lockApply("Sync"); err != nil {
		return err
	}
	err := p.refuseLocked()
	p.mu.Unlock()
	if err != nil || p.st == nil {
		return err
	}
	return p.w.sync(ctx)
}

// Close waits for the events in flight, makes everything durable, closes
// the journal and releases the store. Handle after Close returns
// ErrClosed. Close is safe to call twice; the second call returns what
// the first did. It takes as long as the store needs (the S3 store bounds
// its own close); Shutdown sets a deadline.
func (p *Prevayler[S, E, R]) Close() error {
	return p.Shutdown(context.Background())
}

// Shutdown is Close for a caller with a deadline (a Lambda's remaining
// time, a signal handler): it refuses new events at once, then waits for
// the close to finish or ctx to end. If ctx ends first it returns ctx's
// error while the close goes on in the background; events acknowledged in
// Buffered mode may then not be durable yet. Close, or another Shutdown,
// waits for that close and returns its result.
func (p *Prevayler[S, E, R]) Shutdown(ctx context.Context) error {
	// Before the Once: a handler's call must leave the close to a later one.
	if err := p.lockApply("Close"); err != nil {
		return err
	}
	p.closed = true
	p.mu.Unlock()
	p.closeOnce.Do(func() {
		p.closeDone = make(chan struct{})
		go func() {
			defer close(p.closeDone)
			p.closeErr = p.close()
		}()
	})
	select {
	case <-p.closeDone:
		return p.closeErr
	case <-ctx.Done():
		return fmt.Errorf("prevayler: shutdown: the close goes on in the background: %w", ctx.Err())
	}
}

func (p *Prevayler[S, E, R]) close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	close(p.policyStop) // also ends the context of a running automatic snapshot
	p.policyDone.Wait()
	p.snapSem <- struct{}{} // let a running snapshot finish its switch
	defer func() { <-p.snapSem }()
	p.stopPruner() // after the snapshots, which ask it for passes
	if p.st == nil {
		return nil
	}
	// Events applied before closed was set are all pending now.
	err := p.w.close()
	if cerr := p.st.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("prevayler: close store: %w", cerr)
	}
	return err
}
