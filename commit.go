package prevayler

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/prevayler-go/prevayler/internal/journal"
)

// Events are framed in groups of about this many bytes: large enough to
// amortise the frame header, small enough that a frame stays far below
// journal.MaxPayload.
const frameTarget = 1 << 20

// maxEventSize bounds one encoded event: it must fit in one frame even
// when sealed.
const maxEventSize = journal.MaxPayload - journal.EventOverhead - 1024

// encodeEventLocked encodes the event into encBuf. On error, a panic of the
// codec included, the codec stream restarts with the next event, since a
// failed Encode may have emitted type information.
func (p *Prevayler[S, E, R]) encodeEventLocked(event *E) (err error) {
	if p.reset || p.enc == nil {
		p.enc = p.codec.NewEncoder(&p.encBuf)
		p.reset = true
	}
	p.encBuf.Reset()
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("prevayler: encode event: %w", &PanicError{Value: v, Stack: debug.Stack()})
		}
		if err != nil {
			p.reset = true
		}
	}()
	if err := p.enc.Encode(event); err != nil {
		return fmt.Errorf("prevayler: encode event: %w", err)
	}
	if p.encBuf.Len() > maxEventSize {
		return fmt.Errorf("prevayler: encoded event is %d bytes, more than the %d allowed", p.encBuf.Len(), maxEventSize)
	}
	return nil
}

// appendEntryLocked adds the event encoded in encBuf to the pending entries.
func (p *Prevayler[S, E, R]) appendEntryLocked(at time.Time) {
	p.pending = journal.AppendEvent(p.pending, at, p.reset, p.encBuf.Bytes())
	p.pendingN++
	if p.gatherWant > 0 && p.pendingN >= p.gatherWant {
		p.gatherWant = 0
		select {
		case p.gathered <- struct{}{}:
		default:
		}
	}
	p.reset = false
	if p.cur == nil {
		p.cur = &batch{done: make(chan struct{})}
	}
}

// await waits until the batch holding the caller's event is acknowledged.
// alone says the event was the only one pending when it was added.
func (p *Prevayler[S, E, R]) await(ctx context.Context, b *batch, alone bool) error {
	if p.durable {
		// A caller with no company and no write in flight writes and syncs
		// its event itself: two goroutine hand-offs fewer. Callers in a
		// crowd leave it to the committer, which gathers them into groups.
		if alone && p.tryLockWriter() {
			p.flushLocked()
			p.unlockWriter()
			p.kickCommitter() // for whatever arrived meanwhile
		} else {
			p.kickCommitter()
		}
	} else {
		// Whoever gets the writer first writes for everyone pending; the
		// others find their batch done and do not queue for the writer.
		select {
		case <-b.done:
		case p.wsem <- struct{}{}:
			select {
			case <-b.done:
			default:
				p.flushLocked()
			}
			p.unlockWriter()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	select {
	case <-b.done:
		return b.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Prevayler[S, E, R]) kickCommitter() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (p *Prevayler[S, E, R]) tryLockWriter() bool {
	select {
	case p.wsem <- struct{}{}:
		return true
	default:
		return false
	}
}

// commitLoop writes and syncs pending events in Durable mode. Events that
// arrive while a batch is being synced form the next batch: that is the
// group commit.
func (p *Prevayler[S, E, R]) commitLoop() {
	defer p.committer.Done()
	for {
		select {
		case <-p.kick:
		case <-p.stop:
			return
		}
		var last int           // events in the previous batch
		var took time.Duration // how long its write and sync took
		for {
			if last > 1 {
				p.gather(last, took/2)
			}
			p.wsem <- struct{}{}
			start := time.Now()
			n := p.flushLocked()
			took = time.Since(start)
			<-p.wsem
			if n == 0 {
				break
			}
			last = n
		}
	}
}

// gather waits, at most wait, until want events are pending. Right after a
// sync, the callers it acknowledged are only starting to send their next
// events; writing the first arrival alone would cut the group in two and
// halve the throughput of a closed loop of callers. Waiting a fraction of
// a sync for the previous batch's size to gather keeps groups whole.
func (p *Prevayler[S, E, R]) gather(want int, wait time.Duration) {
	if wait <= 0 {
		return
	}
	p.mu.Lock()
	if p.pendingN >= want || p.closed || p.failed != nil {
		p.mu.Unlock()
		return
	}
	p.gatherWant = want
	p.mu.Unlock()
	t := time.NewTimer(wait)
	select {
	case <-p.gathered:
	case <-t.C:
	case <-p.stop:
	}
	t.Stop()
	p.mu.Lock()
	p.gatherWant = 0
	p.mu.Unlock()
	select { // drop a signal sent after the timer fired
	case <-p.gathered:
	default:
	}
}

// flushLocked writes the pending events to the journal (and syncs them in
// Durable mode), publishes the state they lead to and tells their callers.
// The caller holds wsem. It returns the number of events it took.
func (p *Prevayler[S, E, R]) flushLocked() int {
	p.mu.Lock()
	data, b, state, failed := p.pending, p.cur, p.state, p.failed
	if b == nil {
		p.mu.Unlock()
		return 0
	}
	events := p.pendingN
	p.pending, p.cur, p.spare, p.pendingN = p.spare[:0], nil, nil, 0
	c := p.capture
	from := 0
	if c != nil {
		from, c.from = c.from, 0
	}
	p.mu.Unlock()

	err := failed
	if err == nil {
		var n int
		n, err = p.writeEntries(data)
		if err == nil {
			p.stats.wrote(events, n)
		}
		if err == nil && p.durable {
			err = p.syncJournal(context.Background())
		}
		if err != nil {
			p.fail(err)
		}
	}
	if err != nil {
		b.err = fmt.Errorf("prevayler: journal: %w", err)
		close(b.done)
		return events
	}
	if c != nil {
		c.add(data[from:])
	}
	p.pub.Store(&state)
	close(b.done)
	p.nudgePolicy()
	p.mu.Lock()
	if p.spare == nil {
		p.spare = data
	}
	p.mu.Unlock()
	return events
}

// syncLocked writes what is pending and makes the journal durable. The
// caller holds wsem. A context error leaves the instance usable.
func (p *Prevayler[S, E, R]) syncLocked(ctx context.Context) error {
	p.flushLocked()
	if err := p.failure(); err != nil {
		return fmt.Errorf("prevayler: journal failed earlier: %w", err)
	}
	if p.synced {
		return nil
	}
	if err := p.syncJournal(ctx); err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return err
		}
		p.fail(err)
		return fmt.Errorf("prevayler: sync journal: %w", err)
	}
	return nil
}

func (p *Prevayler[S, E, R]) syncJournal(ctx context.Context) error {
	if err := p.jw.Sync(ctx); err != nil {
		return err
	}
	p.synced = true
	p.stats.syncs.Add(1)
	return nil
}

// writeEntries frames entries and writes them to the journal in one write.
// It returns the bytes written.
func (p *Prevayler[S, E, R]) writeEntries(entries []byte) (int, error) {
	var flags journal.Flags
	if p.synced {
		flags = journal.FlagSynced
	}
	buf, err := appendEventFrames(p.frameBuf[:0], p.framer, flags, entries)
	if err != nil {
		return 0, err
	}
	p.frameBuf = buf
	p.synced = false
	if _, err := p.jw.Write(buf); err != nil {
		return 0, err
	}
	if cap(p.frameBuf) > 4*frameTarget {
		p.frameBuf = nil // a burst should not pin memory for ever
	}
	return len(buf), nil
}

// fail makes the instance refuse every later event.
func (p *Prevayler[S, E, R]) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed == nil {
		p.failed = err
		p.failedErr.Store(&err)
		p.log.Error("prevayler: journal failed; refusing new events until reopened", "err", err)
	}
}

// appendEventFrames frames back-to-back event entries into events frames
// of about frameTarget bytes each; flags go on the first frame only.
func appendEventFrames(dst []byte, f *journal.Framer, flags journal.Flags, entries []byte) ([]byte, error) {
	for len(entries) > 0 {
		n := 0
		for n < len(entries) {
			size, k := binary.Uvarint(entries[n:])
			if k <= 0 || uint64(len(entries)-n-k) < size {
				return dst, errors.New("prevayler: internal error: malformed pending entry")
			}
			next := n + k + int(size)
			if n > 0 && next > frameTarget {
				break
			}
			n = next
		}
		var err error
		if dst, err = f.AppendFrame(dst, journal.KindEvents, flags, entries[:n]); err != nil {
			return dst, err
		}
		// Only the first frame of a write follows durable bytes: a crash
		// may tear the frames of one write in any order.
		flags = 0
		entries = entries[n:]
	}
	return dst, nil
}
