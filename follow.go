package prevayler

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

// Follower is a read-only copy of a prevalent system's state that follows
// the journal its writer keeps, in this process or another: it applies
// the same handler to the same events, so its state is always the
// writer's state after some prefix of the journal. It is safe for
// concurrent use.
type Follower[S, E, R any] struct {
	p        *Prevayler[S, E, R] // handler, codec, key, logger, store; never locked nor written
	tail     store.Tailer
	interval time.Duration

	pub atomic.Pointer[published[S]]

	pollMu  sync.Mutex // one poll at a time; guards what follows
	initial S          // Options.InitialState: where a continuation chain starts
	ts      tailState[S]
	headers map[string]headerInfo // archives' headers by name: archives never change

	mu         sync.Mutex    // guards what follows
	changed    chan struct{} // closed and replaced when Seq grows or the follower stops
	stopErr    error         // what stopped the follower (never transient), if anything
	closed     bool
	stats      FollowerStats
	loopCancel context.CancelFunc
	loopDone   chan struct{}
	closeOnce  sync.Once
	closeErr   error
}

// FollowerStats describe a follower since Follow.
type FollowerStats struct {
	Seq        uint64    // sequence number of the last event applied
	CaughtUpAt time.Time // when the follower last had applied everything visible in the store
	LastError  error     // the latest failed check (retried), or what stopped the follower
	Polls      uint64    // checks of the store
	Failures   uint64    // checks that failed
	Events     uint64    // events applied since Follow, recovery excluded
	Rotations  uint64    // journals followed into: snapshots and writer restarts
	Reloads    uint64    // states reloaded from a snapshot because the events between were gone
}

// Follow opens a read-only follower of the journal in opts.Store: it
// recovers the state as Open does, without taking the lock and without
// writing, renaming or deleting anything in the store, then keeps
// applying the events the writer journals as they become visible there,
// every Options.FollowInterval.
//
// ctx bounds the recovery only. The writer-only fields of Options
// (Durability, SyncInterval, Clock, snapshots, KeepArchives) are ignored.
// The store must implement store.Tailer; the follower closes it on Close,
// so a writer in the same process needs a store value of its own.
func Follow[S, E, R any](ctx context.Context, h Handler[S, E, R], opts Options[S]) (*Follower[S, E, R], error) {
	if h == nil {
		return nil, errors.New("prevayler: nil handler")
	}
	if opts.FollowInterval < 0 {
		return nil, fmt.Errorf("prevayler: negative Options.FollowInterval %v", opts.FollowInterval)
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	tail, ok := o.Store.(store.Tailer)
	if !ok {
		o.Store.Close()
		return nil, fmt.Errorf("prevayler: follow: the store (%T) cannot be followed: it does not implement store.Tailer", o.Store)
	}
	f := &Follower[S, E, R]{
		p: &Prevayler[S, E, R]{
			handler: h,
			log:     o.Logger,
			st:      o.Store,
			codec:   o.Codec,
			aead:    o.Encryption,
		},
		tail:     tail,
		interval: o.FollowInterval,
		headers:  map[string]headerInfo{},
		changed:  make(chan struct{}),
	}
	if f.interval == 0 {
		f.interval = tail.PollInterval()
	}
	if f.interval <= 0 {
		f.interval = time.Second
	}
	if err := f.recover(ctx, o.InitialState); err != nil {
		o.Store.Close()
		return nil, err
	}
	f.publish(time.Now())
	loopCtx, cancel := context.WithCancel(context.Background())
	f.loopCancel, f.loopDone = cancel, make(chan struct{})
	go f.loop(loopCtx)
	return f, nil
}

// State returns the state after event Seq. It does not lock; treat the
// value as immutable.
func (f *Follower[S, E, R]) State() S { return f.pub.Load().state }

// Seq returns the sequence number of the last event applied. It never
// decreases.
func (f *Follower[S, E, R]) Seq() uint64 { return f.pub.Load().seq }

// StateSeq returns State and Seq from one atomic load: the state is the
// one right after event Seq.
func (f *Follower[S, E, R]) StateSeq() (S, uint64) {
	v := f.pub.Load()
	return v.state, v.seq
}

// WaitFor returns once Seq() >= seq: a client that got seq from the
// writer's Seq after its Handle reads its own write. It returns ctx's
// error if ctx ends first, the follower's error if it stopped (see Err),
// and ErrClosed after Close.
func (f *Follower[S, E, R]) WaitFor(ctx context.Context, seq uint64) error {
	for {
		f.mu.Lock()
		ch, stopped, closed := f.changed, f.stopErr, f.closed
		f.mu.Unlock()
		if f.Seq() >= seq {
			return nil
		}
		switch {
		case stopped != nil:
			return stopped
		case closed:
			return fmt.Errorf("prevayler: wait for event %d: %w", seq, ErrClosed)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("prevayler: wait for event %d (at %d): %w", seq, f.Seq(), ctx.Err())
		}
	}
}

// Refresh checks the store now and applies what it holds, without
// waiting for the next poll: a follower whose process was frozen (a
// Lambda between invocations) catches up before it answers. It returns
// the check's error, the follower's if it stopped, or ErrClosed.
func (f *Follower[S, E, R]) Refresh(ctx context.Context) error {
	f.mu.Lock()
	stopped, closed := f.stopErr, f.closed
	f.mu.Unlock()
	switch {
	case stopped != nil:
		return stopped
	case closed:
		return fmt.Errorf("prevayler: refresh: %w", ErrClosed)
	}
	return f.check(ctx)
}

// Err returns what stopped the follower: an error matching ErrCorrupt,
// ErrDiverged or ErrKey, or a handler that failed on an event its writer
// accepted. It is nil while the follower follows; transient store errors
// are retried and reported by Stats.
func (f *Follower[S, E, R]) Err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stopErr
}

// Stats returns the follower's counters.
func (f *Follower[S, E, R]) Stats() FollowerStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stats
	s.Seq = f.Seq()
	return s
}

// Close stops following, waits for a check in progress and closes the
// store. It returns what stopped the follower, if anything, or the
// store's error. WaitFor and Refresh then return ErrClosed. Close is safe
// to call twice.
func (f *Follower[S, E, R]) Close() error {
	f.closeOnce.Do(func() {
		f.loopCancel()
		<-f.loopDone
		f.mu.Lock()
		f.closed = true
		err := f.stopErr
		f.notifyLocked()
		f.mu.Unlock()
		f.pollMu.Lock() // a Refresh in progress
		if cerr := f.p.st.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("prevayler: close store: %w", cerr)
		}
		f.pollMu.Unlock()
		f.closeErr = err
	})
	return f.closeErr
}

func (f *Follower[S, E, R]) loop(ctx context.Context) {
	defer close(f.loopDone)
	t := time.NewTicker(f.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if f.check(ctx) != nil && f.Err() != nil {
			return
		}
	}
}

// check runs one poll and records its outcome.
func (f *Follower[S, E, R]) check(ctx context.Context) error {
	f.pollMu.Lock()
	defer f.pollMu.Unlock()
	f.mu.Lock()
	stopped, closed := f.stopErr, f.closed
	f.mu.Unlock()
	if stopped != nil {
		return stopped
	}
	if closed {
		return fmt.Errorf("prevayler: refresh: %w", ErrClosed)
	}
	start := time.Now()
	err := f.poll(ctx)
	f.publish(time.Time{})
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats.Polls++
	switch {
	case err == nil:
		f.stats.CaughtUpAt = start
	case isStop(err):
		f.stats.Failures++
		f.stats.LastError = err
		f.stopErr = err
		f.notifyLocked()
		f.p.log.Error("prevayler: follower stopped", "err", err, "seq", f.ts.seq)
	default:
		f.stats.Failures++
		f.stats.LastError = err
		if ctx.Err() == nil {
			f.p.log.Warn("prevayler: follower check failed; retrying at the next one", "err", err, "seq", f.ts.seq)
		}
	}
	return err
}

// publish makes the state applied so far visible; the caller holds
// pollMu (or is Follow). caughtUp, if not zero, is recorded.
func (f *Follower[S, E, R]) publish(caughtUp time.Time) {
	if old := f.pub.Load(); old != nil && old.seq == f.ts.seq {
		return
	}
	f.pub.Store(&published[S]{state: f.ts.state, seq: f.ts.seq})
	f.mu.Lock()
	if !caughtUp.IsZero() {
		f.stats.CaughtUpAt = caughtUp
	}
	f.notifyLocked()
	f.mu.Unlock()
}

func (f *Follower[S, E, R]) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}
