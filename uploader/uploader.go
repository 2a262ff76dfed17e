package uploader

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

// Defaults of Options.
const (
	DefaultSleepTime   = time.Second
	DefaultMaxBuffer   = 64 << 20
	DefaultMaxInflight = 1
	// MaxInflightLimit is the most segments in flight at once, whatever
	// Options.MaxInflight says: a reader that finds a segment missing
	// knows that no segment from MaxInflightLimit numbers on was written
	// by an uploader that had not stored it.
	MaxInflightLimit = 64
	// MinFailAfter is the least default FailAfter: a short SleepTime and
	// quick retries must not fail uploads that are merely slow.
	MinFailAfter = 10 * time.Second
)

// PutFunc stores one segment: the bytes appended after the previous
// segment's. Segments are numbered from Options.FirstSeq without gaps. Up
// to Options.MaxInflight segments are stored at once, each from its own
// goroutine, so segment n+1 may be stored before segment n (with the
// default of one, segment n+1 is only given to put once segment n is
// stored). After an error that is not Permanent it is called again with
// the same seq and data; it must then treat a segment that its lost
// earlier attempt already stored as a success.
type PutFunc func(ctx context.Context, seq uint64, data []byte) error

// CommitFunc is told of each segment once it and every segment before it
// are stored: in order, one call at a time. data is only valid during the
// call.
type CommitFunc func(seq uint64, data []byte)

// Options configure an Uploader. The zero value means the defaults.
type Options struct {
	// SleepTime is the longest a byte waits in the buffer before its
	// upload starts, unless Sync or Close asks sooner. Default
	// DefaultSleepTime.
	SleepTime time.Duration
	// MaxBuffer bounds the bytes not yet stored, as Wait enforces it.
	// A quarter of it pending starts an upload at once. Default
	// DefaultMaxBuffer.
	MaxBuffer int
	// MaxInflight bounds the segments being uploaded at once, at most
	// MaxInflightLimit. With more than one, a Sync does not wait for the
	// upload in flight to end before its bytes start their own: uploads
	// overlap, as a pipeline, which multiplies what a slow link carries.
	// A segment counts as stored (Sync, Backlog, Stats, OnCommit) only once
	// it and every earlier one are, so the stored bytes are always a
	// prefix of the appended ones; a crash can leave later segments
	// stored after a missing one, never acknowledged, and at most
	// MaxInflight-1 of them. While uploads are in flight, the next one
	// starts no sooner than the recent upload time divided by
	// MaxInflight after the previous one, so that the uploads spread
	// over the round trip instead of leaving together. Default
	// DefaultMaxInflight.
	MaxInflight int
	// Retry is the policy for failed uploads.
	Retry Retry
	// FirstSeq is the number of the first segment; 0 means 1.
	FirstSeq uint64
	// FailAfter is how old the oldest byte not yet stored may grow while
	// uploads keep failing before the uploader fails for good (Err), so
	// that a persistent failure is never hidden behind retries: with
	// Buffered durability it bounds what a failure can silently lose.
	// Default SleepTime plus Retry.Budget() (12.3 s with the defaults),
	// at least MinFailAfter.
	// An attempt lasts at most FailAfter past that time, and never less
	// than FailAfter.
	FailAfter time.Duration
	// OnCommit, if set, is told of every segment stored, in order (see
	// CommitFunc). Close returns once it has been told of every one.
	OnCommit CommitFunc
	// Logger receives debug output and failures; nil is silent.
	Logger *slog.Logger
}

// Stats counts what an Uploader did.
type Stats struct {
	Segments uint64        // segments stored
	Bytes    uint64        // bytes stored
	Failures uint64        // failed attempts, retried or not
	PutTime  time.Duration // total time of successful attempts
	// Overlapped counts the uploads that started while another was in
	// flight (MaxInflight above one).
	Overlapped uint64
}

// Uploader collects appended bytes and stores them as numbered segments
// from one background goroutine, which New starts and Close stops, and
// up to MaxInflight goroutines of uploads that it starts and waits for.
type Uploader struct {
	put         PutFunc
	onCommit    CommitFunc
	sleep       time.Duration
	maxBuffer   int
	flushSize   int
	maxInflight int
	retry       Retry
	failAfter   time.Duration
	log         *slog.Logger
	kick        chan struct{} // wakes the loop; capacity 1
	exited      chan struct{} // closed when the loop and every upload returned
	base        context.Context
	abort       context.CancelFunc // ends the attempts in flight: Close's deadline passed, or a failure for good
	flying      sync.WaitGroup     // upload goroutines
	notifyMu    sync.Mutex         // held while OnCommit runs, so that calls come in order

	mu           sync.Mutex
	changed      chan struct{} // closed and replaced on every change, to wake waiters
	pending      []byte        // appended, not yet handed to put
	spare        []byte        // a stored segment's buffer, reused for pending
	pendingSince time.Time     // when the oldest pending byte was appended
	flight       []*flight     // segments not yet committed, in order: in flight or stored after a missing one
	committed    []*flight     // committed, not yet given to OnCommit
	lastStart    time.Time     // when the latest upload started
	putTime      time.Duration // recent time of one successful attempt (moving average)
	appended     uint64        // bytes appended since New
	appends      uint64        // non-empty Appends since New
	cut          uint64        // bytes handed to segments since New
	stored       uint64        // bytes stored since New, every earlier segment stored too
	storedApp    uint64        // Appends wholly stored since New
	pendingApp   uint64        // Appends in pending
	syncTarget   uint64        // Sync callers wait for this many bytes stored
	seq          uint64        // number of the next segment
	fatal        error         // permanent failure: the loop stopped
	closing      bool
	closeErr     error
	stats        Stats
}

// flight is one segment from the moment its upload starts until it is
// committed.
type flight struct {
	seq      uint64
	data     []byte
	apps     uint64    // Appends it holds
	oldest   time.Time // when its oldest byte was appended
	stored   bool
	failures int   // failed attempts in a row
	lastErr  error // the latest failure
}

// New starts an uploader that stores segments with put.
func New(put PutFunc, opts Options) *Uploader {
	u := &Uploader{
		put:         put,
		onCommit:    opts.OnCommit,
		sleep:       opts.SleepTime,
		maxBuffer:   opts.MaxBuffer,
		maxInflight: min(max(opts.MaxInflight, 0), MaxInflightLimit),
		retry:       opts.Retry.withDefaults(),
		log:         opts.Logger,
		kick:        make(chan struct{}, 1),
		exited:      make(chan struct{}),
		changed:     make(chan struct{}),
		seq:         opts.FirstSeq,
	}
	if u.maxInflight == 0 {
		u.maxInflight = DefaultMaxInflight
	}
	u.base, u.abort = context.WithCancel(context.Background())
	if u.sleep <= 0 {
		u.sleep = DefaultSleepTime
	}
	if u.maxBuffer <= 0 {
		u.maxBuffer = DefaultMaxBuffer
	}
	u.flushSize = max(u.maxBuffer/4, 1)
	if u.seq == 0 {
		u.seq = 1
	}
	u.failAfter = opts.FailAfter
	if u.failAfter <= 0 {
		u.failAfter = max(u.sleep+u.retry.Budget(), MinFailAfter)
	}
	if u.log == nil {
		u.log = slog.New(slog.DiscardHandler)
	}
	go u.run()
	return u
}

// Append adds p, copied, to the next segment. It never blocks: callers
// bound the buffer with Wait. After Close it fails with store.ErrClosed,
// after a permanent failure with that failure.
func (u *Uploader) Append(p []byte) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.fatal != nil {
		return u.fatal
	}
	if u.closing {
		return fmt.Errorf("uploader: append: %w", store.ErrClosed)
	}
	if len(p) == 0 {
		return nil
	}
	if len(u.pending) == 0 {
		u.pendingSince = time.Now()
		if u.pending == nil {
			u.pending, u.spare = u.spare[:0], nil
		}
		u.wake() // the loop arms its SleepTime timer
	}
	before := len(u.pending)
	u.pending = append(u.pending, p...)
	u.appended += uint64(len(p))
	u.appends++
	u.pendingApp++
	if before < u.flushSize && len(u.pending) >= u.flushSize {
		u.wake()
	}
	return nil
}

// Sync starts an upload now and returns once every byte appended before
// the call is stored. Concurrent callers share uploads. It returns the
// failure once the segment holding those bytes has failed Retry.Attempts
// times in a row (the bytes stay buffered and the uploader keeps trying),
// or ctx's error.
func (u *Uploader) Sync(ctx context.Context) error {
	u.mu.Lock()
	target := u.appended
	if target > u.syncTarget {
		u.syncTarget = target
		u.wake()
	}
	return u.waitUntil(ctx, func() (bool, error) {
		switch {
		case u.stored >= target:
			return true, nil
		case u.fatal != nil:
			return true, u.fatal
		}
		if f := u.failingLocked(); f != nil {
			return true, fmt.Errorf("uploader: segment %d failed %d times: %w", f.seq, f.failures, f.lastErr)
		}
		return false, nil
	})
}

// Wait blocks while the bytes not yet stored reach Options.MaxBuffer.
// It returns ctx's error if ctx ends first, and the permanent failure if
// there is one.
func (u *Uploader) Wait(ctx context.Context) error {
	u.mu.Lock()
	return u.waitUntil(ctx, func() (bool, error) {
		if u.fatal != nil {
			return true, u.fatal
		}
		return u.closing || u.appended-u.stored < uint64(u.maxBuffer), nil
	})
}

// waitUntil calls done with u.mu held, which the caller took, until it
// reports true, waiting for a change of state between calls. It returns
// with u.mu released: done's error, or ctx's.
func (u *Uploader) waitUntil(ctx context.Context, done func() (bool, error)) error {
	for {
		if ok, err := done(); ok {
			u.mu.Unlock()
			return err
		}
		ch := u.changed
		u.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		u.mu.Lock()
	}
}

// failingLocked returns the first segment not yet stored that failed
// Retry.Attempts times in a row, or nil. Called with mu held.
func (u *Uploader) failingLocked() *flight {
	for _, f := range u.flight {
		if !f.stored && f.failures >= u.retry.Attempts {
			return f
		}
	}
	return nil
}

// Close uploads everything appended, stops the goroutine and returns
// nil once all of it is stored. If the upload fails permanently, or
// Retry.Attempts times in a row, Close gives up and returns the failure:
// the bytes not stored are then lost. Close is safe to call twice.
func (u *Uploader) Close() error { return u.CloseContext(context.Background()) }

// CloseContext is Close bounded by ctx: once ctx ends, the upload in
// flight is abandoned and CloseContext returns an error that matches
// ctx.Err() and says how many bytes, in how many Appends ("writes"),
// were not stored. The goroutines have stopped when it returns.
func (u *Uploader) CloseContext(ctx context.Context) error {
	u.mu.Lock()
	u.closing = true
	u.wake()
	u.mu.Unlock()
	select {
	case <-u.exited:
	case <-ctx.Done():
		u.mu.Lock()
		if u.fatal == nil {
			u.fatal = fmt.Errorf("uploader: closing: gave up: %w", ctx.Err())
		}
		u.mu.Unlock()
		u.abort()
		<-u.exited
	}
	u.abort()
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closeErr == nil && u.stored < u.appended && u.fatal != nil {
		u.closeErr = fmt.Errorf("%w (%d bytes in %d writes not stored)", u.fatal, u.appended-u.stored, u.appends-u.storedApp)
		u.log.Error("uploader: closed with data not stored", "bytes", u.appended-u.stored, "writes", u.appends-u.storedApp, "err", u.fatal)
	}
	return u.closeErr
}

// Err returns the failure that stopped the uploader for good, or nil
// while it works: a Permanent error, or uploads that kept failing until
// the oldest byte not stored was Options.FailAfter old. Once non-nil it
// stays; every later Append, Sync and Wait returns it.
func (u *Uploader) Err() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.fatal
}

// Stats returns what the uploader did so far.
func (u *Uploader) Stats() Stats {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.stats
}

// Buffered returns the bytes appended and not yet stored.
func (u *Uploader) Buffered() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return int(u.appended - u.stored)
}

// Backlog returns the bytes appended and not yet stored, and when the
// oldest of them was appended (zero time if none): how much a crash would
// lose now, and since when.
func (u *Uploader) Backlog() (int, time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case len(u.flight) > 0:
		return int(u.appended - u.stored), u.flight[0].oldest
	case len(u.pending) > 0:
		return len(u.pending), u.pendingSince
	}
	return 0, time.Time{}
}

// wake nudges the loop and every waiter. Called with mu held.
func (u *Uploader) wake() {
	close(u.changed)
	u.changed = make(chan struct{})
	select {
	case u.kick <- struct{}{}:
	default:
	}
}
