package prevayler

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store"
)

// capture collects, while a snapshot is written, the journal entries of the
// events that follow the snapshot's cut, so that the new journal can carry
// them after the state.
type capture struct {
	from int // where the cut is in the pending entries; used by the next flush only

	mu   sync.Mutex
	tail []byte
}

func (c *capture) add(entries []byte) {
	c.mu.Lock()
	c.tail = append(c.tail, entries...)
	c.mu.Unlock()
}

func (c *capture) take() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.tail
	c.tail = nil
	return t
}

// Snapshot starts a new journal holding the current state and retires the
// current one as an archive (journal.backup-<timestamp>), with the same
// rules as at start-up. It returns once both the new journal and every
// event acknowledged before it are durable.
//
// Writers are not blocked while the state is encoded: events go on into
// the old journal and are copied to the new one. They wait only for the
// final switch (a few syncs and renames). A crash at any moment of a
// snapshot loses no acknowledged event. One snapshot runs at a time.
func (p *Prevayler[S, E, R]) Snapshot(ctx context.Context) error {
	p.snapMu.Lock()
	defer p.snapMu.Unlock()

	p.mu.Lock()
	if err := p.refuseLocked(); err != nil || p.st == nil {
		p.mu.Unlock()
		return err
	}
	state := p.state
	// The events after the cut start a new codec stream, so that their
	// encoded bytes stand on their own in the new journal.
	p.reset = true
	c := &capture{from: len(p.pending)}
	p.capture = c
	p.mu.Unlock()

	stopCapture := func() {
		p.mu.Lock()
		p.capture = nil
		p.mu.Unlock()
	}
	defer stopCapture() // whatever happens, stop collecting a tail
	tmp, w, framer, err := p.writeSnapshot(ctx, state)
	if err != nil {
		stopCapture()
		return err
	}
	abort := func(err error) error {
		stopCapture()
		w.Close()
		p.removeQuietly(tmp)
		return err
	}

	// Catch up with the events written meanwhile, without blocking anyone,
	// so that little is left for the switch.
	for i := 0; i < 4; i++ {
		tail := c.take()
		if len(tail) == 0 {
			break
		}
		if err := writeFrames(w, framer, tail); err != nil {
			return abort(err)
		}
	}
	if err := w.Sync(ctx); err != nil {
		return abort(err)
	}

	if err := p.lockWriter(ctx); err != nil {
		return abort(err)
	}
	// From here on the switch completes whatever ctx does: stopping half
	// way would only cost a failed instance.
	sctx := context.WithoutCancel(ctx)
	p.flushLocked()
	if err := p.failure(); err != nil {
		p.unlockWriter()
		return abort(err)
	}
	if !p.synced {
		if err := p.syncJournal(sctx); err != nil {
			p.fail(err)
			p.unlockWriter()
			return abort(err)
		}
	}
	stopCapture()
	if err := writeFrames(w, framer, c.take()); err != nil {
		p.unlockWriter()
		return abort(err)
	}
	if err := w.Sync(sctx); err != nil {
		p.unlockWriter()
		return abort(err)
	}
	if err := p.install(sctx, tmp, true, true); err != nil {
		// The files are in one of the states the start-up rules recover
		// from; which one is unknown, so stop here.
		p.fail(err)
		p.unlockWriter()
		w.Close()
		return fmt.Errorf("prevayler: snapshot: %w", err)
	}
	old := p.jw
	p.jw, p.framer, p.synced = w, framer, true
	p.setThrottle(w)
	p.setBacklog(w)
	p.stats.snapshotted(time.Now())
	p.unlockWriter()
	if err := old.Close(); err != nil {
		p.log.Warn("prevayler: closing the retired journal failed", "err", err)
	}
	p.log.Debug("prevayler: snapshot taken")
	p.pruneArchives(ctx)
	return nil
}

// writeFrames frames entries into w, not marked synced: the new journal
// has not been synced since these bytes' predecessors were written.
func writeFrames(w store.Writer, f *journal.Framer, entries []byte) error {
	if len(entries) == 0 {
		return nil
	}
	buf, err := appendEventFrames(nil, f, 0, entries)
	if err != nil {
		return err
	}
	_, err = w.Write(buf)
	return err
}
