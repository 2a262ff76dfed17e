package prevayler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store"
)

// journalWriter moves the bytes of events to the live journal. It knows
// nothing of the state's or the events' types.
//
// Callers append each event's encoding while they hold the apply lock, in
// the order the events were applied, then wait outside it. The writer
// gathers the events of concurrent callers into one write and, in Durable
// mode, one sync (group commit); then it publishes what the batch leads
// to and tells its callers. Every write and sync of the live journal goes
// through it: Handle's, Sync's, the snapshot switch's and Close's.
//
// A caller may do the I/O itself, which saves two goroutine hand-offs for
// a lone caller: in Buffered mode any caller that finds the writer free
// (a write does not wait for a disk), in Durable mode a caller whose
// context cannot end (a sync may take long; a caller whose context can
// end leaves it to the writer's goroutine, so that it can stop waiting).
type journalWriter struct {
	durable bool
	// syncEvery is the interval of the background sync of a Buffered
	// journal; zero: none.
	syncEvery time.Duration
	log       *slog.Logger
	stats     *counters
	// cut is called under the apply lock when a batch is taken: it returns
	// what publish gets once the batch is acknowledged (the state after
	// the batch's last event).
	cut     func() any
	publish func(any)

	lock       sync.Locker // the apply lock; guards what follows, up to wsem
	pending    []byte      // entries not yet written
	pendingN   int         // events in pending
	cur        *group      // whom to tell when pending is written
	syncWait   *batch      // Sync callers waiting for the writer's goroutine
	closed     bool        // close answered the last Sync: later ones get ErrClosed
	capture    *capture    // non-nil while a snapshot collects the events after its cut
	gatherWant int         // the loop waits for this many pending events
	spare      []byte      // a drained pending buffer, for reuse
	seq        uint64      // sequence number of the last event appended
	lastAt     time.Time   // its time

	// wsem is held while writing to the journal. A channel rather than a
	// mutex so that waiting for it honours a context.
	wsem     chan struct{}
	jw       store.Writer
	framer   *journal.Framer
	frameBuf []byte
	synced   bool      // every byte written to jw is durable
	pipe     *pipeline // non-nil if jw's syncs may overlap (Durable)
	sealed   bool      // the last frame written to jw is a seal
	remote   bool      // jw uploads in order, each upload atomic (S3)
	fileSeq  uint64    // sequence number of the last event written to jw
	fileAt   time.Time // its time

	failed   atomic.Pointer[error] // sticky: the journal failed, no more events
	throttle atomic.Pointer[store.Throttle]
	backlog  atomic.Pointer[store.Backlog]
	failer   atomic.Pointer[store.Failer] // the journal's, if it fails in the background

	kick     chan struct{} // wakes the loop
	gathered chan struct{} // tells the loop that gatherWant events are pending
	stop     chan struct{}
	loopDone sync.WaitGroup
	stopOnce sync.Once
}

// batch is a group of Sync callers waiting for the writer's goroutine.
// (The callers of events written together wait on a group, which is
// reused: writer_group.go.)
type batch struct {
	done chan struct{}
	err  error
}

type writerConfig struct {
	durable   bool
	syncEvery time.Duration
	log       *slog.Logger
	stats     *counters
	lock      sync.Locker
	cut       func() any
	publish   func(any)
}

func newJournalWriter(c writerConfig) *journalWriter {
	return &journalWriter{
		durable:   c.durable,
		syncEvery: c.syncEvery,
		log:       c.log,
		stats:     c.stats,
		lock:      c.lock,
		cut:       c.cut,
		publish:   c.publish,
		wsem:      make(chan struct{}, 1),
		kick:      make(chan struct{}, 1),
		gathered:  make(chan struct{}, 1),
		stop:      make(chan struct{}),
	}
}

// start sets the live journal, whose every byte is durable and which holds
// no event yet, and starts the writer's goroutine; stop ends it.
func (w *journalWriter) start(jw store.Writer, f *journal.Framer) {
	h := f.Header()
	w.seq, w.lastAt = h.BaseSeq, h.BaseTime
	w.fileSeq, w.fileAt = h.BaseSeq, h.BaseTime
	w.setJournal(jw, f)
	w.loopDone.Add(1)
	// Decided here: the loop must not read what setJournal changes.
	go w.loop(w.syncEvery > 0 && !w.durable && !w.remote)
}

// setJournal makes jw the live journal. The caller holds wsem, or nobody
// writes yet.
func (w *journalWriter) setJournal(jw store.Writer, f *journal.Framer) {
	w.jw, w.framer, w.synced, w.sealed = jw, f, true, false
	w.pipe = nil
	if w.durable {
		w.pipe = pipelineFor(jw)
	}
	if th, ok := jw.(store.Throttle); ok {
		w.throttle.Store(&th)
	} else {
		w.throttle.Store(nil)
	}
	// A store that buffers and uploads in order, each upload atomic, has
	// no torn writes but a lost tail: there a seal written before a sync is
	// as good as one after, and it costs no request of its own.
	b, remote := jw.(store.Backlog)
	w.remote = remote
	if remote {
		w.backlog.Store(&b)
	} else {
		w.backlog.Store(nil)
	}
	w.setFailer(jw)
}

// err returns the failure that stopped the writer, or nil.
func (w *journalWriter) err() error {
	if e := w.failed.Load(); e != nil {
		return *e
	}
	return nil
}

// fail makes the writer refuse every later event.
func (w *journalWriter) fail(err error) {
	if w.failed.CompareAndSwap(nil, &err) {
		w.log.Error("prevayler: journal failed; refusing new events until reopened", "err", err)
	}
}

// waitRoom waits until a bounded store buffer has room for more (S3).
func (w *journalWriter) waitRoom(ctx context.Context) error {
	if th := w.throttle.Load(); th != nil {
		return (*th).Wait(ctx)
	}
	return nil
}

// appendLocked adds one event's entry to the pending ones. The caller
// holds the apply lock; alone says the event is the only one pending.
func (w *journalWriter) appendLocked(at time.Time, reset bool, data []byte) (g *group, alone bool) {
	w.pending = journal.AppendEvent(w.pending, at, reset, data)
	return w.appendedLocked(at)
}

// appendedLocked counts the event whose entry was just appended to
// pending. The caller holds the apply lock.
func (w *journalWriter) appendedLocked(at time.Time) (g *group, alone bool) {
	w.pendingN++
	w.seq++
	w.lastAt = at
	if w.gatherWant > 0 && w.pendingN >= w.gatherWant {
		w.gatherWant = 0
		select {
		case w.gathered <- struct{}{}:
		default:
		}
	}
	if w.cur == nil {
		w.cur = newGroup()
	}
	w.cur.hold()
	return w.cur, w.pendingN == 1
}

// wait returns once the group g holding the caller's event is
// acknowledged: written, and synced in Durable mode, and releases the
// caller's hold on g. alone is what appendLocked said. If ctx ends first,
// the error matches both ctx.Err() and ErrUnknownOutcome: the event is
// applied and will be journaled with the next write.
func (w *journalWriter) wait(ctx context.Context, g *group, alone bool) error {
	defer g.release()
	inline := ctx.Done() == nil
	switch {
	case !inline && w.durable:
		w.kickLoop()
	case w.durable:
		// A lone caller with no write in flight writes and syncs its event
		// itself. Callers in a crowd leave it to the loop, which gathers
		// them into groups.
		// Whoever arrives meanwhile finds the writer taken and kicks the
		// loop itself; kicking it after a flush of our own would only have
		// it take the writer from the next lone caller.
		if alone && w.tryLockWriter() {
			w.flushLocked()
			w.unlockWriter()
		} else {
			w.kickLoop()
		}
	default:
		// Buffered: whoever gets the writer first writes for everyone
		// pending; the others find their group done and do not queue for
		// the writer. A write hands bytes to the operating system (or to a
		// store's buffer) and does not wait for a disk, so a caller whose
		// context can end writes too, sparing two goroutine hand-offs; it
		// stops waiting only for a writer taken by someone else.
		if g.finished.Load() {
			break
		}
		if !w.tryLockWriter() {
			ch := g.register()
			if ch == nil {
				break
			}
			select {
			case <-ch:
				g.unregister(ch)
				return g.wait(ctx)
			case w.wsem <- struct{}{}:
				g.unregister(ch)
			case <-ctx.Done():
				g.unregister(ch)
				w.kickLoop()
				return g.wait(ctx)
			}
		}
		if !g.finished.Load() {
			w.flushLocked()
		}
		w.unlockWriter()
	}
	return g.wait(ctx)
}

// unknownOutcome wraps a context error met while waiting for the journal.
func unknownOutcome(err error) error {
	return fmt.Errorf("prevayler: %w: stopped waiting for the journal: %w", ErrUnknownOutcome, err)
}

// flushLocked writes the pending events to the journal (and syncs them in
// Durable mode), publishes the state they lead to and tells their callers.
// The caller holds wsem. It returns the number of events it took.
func (w *journalWriter) flushLocked() int {
	w.lock.Lock()
	data, b, events := w.pending, w.cur, w.pendingN
	if b == nil {
		w.lock.Unlock()
		return 0
	}
	token := w.cut()
	seq, at := w.seq, w.lastAt
	w.pending, w.cur, w.spare, w.pendingN = w.spare[:0], nil, nil, 0
	c := w.capture
	from := 0
	if c != nil {
		from, c.from = c.from, 0
	}
	w.lock.Unlock()

	err := w.err()
	if err == nil {
		var n int
		n, err = w.writeEntries(data)
		if err == nil {
			w.stats.wrote(events, n)
			w.fileSeq, w.fileAt = seq, at
		}
		if err == nil && w.pipe != nil {
			w.syncPiped(b, token, c, data, from)
			return events
		}
		if err == nil && w.durable {
			err = w.syncJournal(context.Background())
		}
		if err != nil {
			w.fail(err)
			err = fmt.Errorf("prevayler: journal: %w: %w", ErrUnknownOutcome, err)
		}
	} else {
		// Never written: a refusal.
		err = fmt.Errorf("prevayler: journal failed earlier: %w", err)
	}
	if err != nil {
		b.finish(err)
		return events
	}
	w.acknowledge(b, token, c, data, from)
	return events
}

// acknowledge completes a batch stored in the journal: the snapshot being
// written gets its events, the state is published, the callers return,
// and data is kept as the next batch's buffer.
func (w *journalWriter) acknowledge(b *group, token any, c *capture, data []byte, from int) {
	if c != nil {
		c.add(data[from:])
	}
	w.publish(token)
	b.finish(nil)
	w.lock.Lock()
	if w.spare == nil {
		w.spare = data
	}
	w.lock.Unlock()
}

// sealing says what syncLocked seals.
type sealing uint8

const (
	sealNone   sealing = iota
	sealOpen           // more may be written
	sealClosed         // the file is complete
)

// syncLocked writes what is pending and makes the journal durable, with a
// seal after it (see docs/FORMAT.md) so that damage to what is durable is
// never taken for a torn write; a closed seal is made durable too. The
// caller holds wsem. A context error leaves the writer usable.
func (w *journalWriter) syncLocked(ctx context.Context, seal sealing) error {
	w.flushDrained()
	if err := w.err(); err != nil {
		return fmt.Errorf("prevayler: journal failed earlier: %w", err)
	}
	if w.remote && seal != sealNone {
		if err := w.sealLocked(seal == sealClosed); err != nil {
			return err
		}
		seal = sealNone
	}
	if !w.synced {
		if err := w.syncJournal(ctx); err != nil {
			if ctx.Err() != nil {
				return unknownOutcome(ctx.Err())
			}
			w.fail(err)
			return fmt.Errorf("prevayler: sync journal: %w: %w", ErrUnknownOutcome, err)
		}
	}
	if seal == sealNone {
		return nil
	}
	if err := w.sealLocked(seal == sealClosed); err != nil {
		return err
	}
	if seal == sealClosed && !w.synced {
		if err := w.syncJournal(ctx); err != nil {
			w.fail(err)
			return fmt.Errorf("prevayler: sync the seal: %w", err)
		}
	}
	return nil
}

// sealLocked writes a seal after the events written, unless the last
// frame already is one (a closed seal is always written). The events
// before it are durable, or (remote) become so with the seal.
func (w *journalWriter) sealLocked(closed bool) error {
	if w.sealed && !closed {
		return nil
	}
	buf, err := w.framer.AppendSeal(w.frameBuf[:0], w.fileSeq, w.fileAt, closed)
	if err != nil {
		return err
	}
	w.frameBuf = buf
	if _, err := w.jw.Write(buf); err != nil {
		w.fail(err)
		return fmt.Errorf("prevayler: write a seal: %w", err)
	}
	w.synced, w.sealed = false, true
	w.stats.bytes.Add(int64(len(buf)))
	return nil
}

func (w *journalWriter) syncJournal(ctx context.Context) error {
	if err := w.jw.Sync(ctx); err != nil {
		return err
	}
	w.synced = true
	w.stats.syncs.Add(1)
	return nil
}

// writeEntries frames entries and writes them to the journal in one write.
// It returns the bytes written.
func (w *journalWriter) writeEntries(entries []byte) (int, error) {
	var flags journal.Flags
	if w.synced {
		flags = journal.FlagSynced
	}
	buf, err := journal.AppendEventFrames(w.frameBuf[:0], w.framer, flags, entries)
	if err != nil {
		return 0, err
	}
	w.frameBuf = buf
	w.synced, w.sealed = false, false
	if _, err := w.jw.Write(buf); err != nil {
		return 0, err
	}
	if cap(w.frameBuf) > 4*journal.EventFrameTarget {
		w.frameBuf = nil // a burst should not pin memory for ever
	}
	return len(buf), nil
}

func (w *journalWriter) lockWriter(ctx context.Context) error {
	select {
	case w.wsem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *journalWriter) tryLockWriter() bool {
	select {
	case w.wsem <- struct{}{}:
		return true
	default:
		return false
	}
}

func (w *journalWriter) unlockWriter() { <-w.wsem }

// nudge has the pending events written: in Buffered mode by the caller
// if the writer is free, else (and in Durable mode) by the loop.
func (w *journalWriter) nudge() {
	if !w.durable && w.tryLockWriter() {
		w.flushLocked()
		w.unlockWriter()
		return
	}
	w.kickLoop()
}

func (w *journalWriter) kickLoop() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}
