package prevayler

import (
	"context"
	"errors"
	"fmt"
	"sync"

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

// startCaptureLocked cuts the event stream here: the entries of events
// appended from now on are collected for a new journal. The caller holds
// the apply lock.
func (w *journalWriter) startCaptureLocked() *capture {
	c := &capture{from: len(w.pending)}
	w.capture = c
	return c
}

func (w *journalWriter) stopCapture() {
	w.lock.Lock()
	w.capture = nil
	w.lock.Unlock()
}

// switchTo makes nw, a new journal that holds the state at c's cut and
// the events after it written so far, the live journal: it
// writes and syncs what is pending to the old journal, adds the rest of
// c's events to nw, syncs nw, calls install (which renames the files) and
// swaps. It returns with consumed true if nw is now the live journal or
// was closed: the caller must then not remove it.
//
// Waiting for the writer honours ctx; from then on the switch completes
// whatever ctx does, since stopping half way would only cost a failed
// instance.
func (w *journalWriter) switchTo(ctx context.Context, c *capture, nw store.Writer, nf *journal.Framer, install func(context.Context) error) (consumed bool, err error) {
	if err := w.lockWriter(ctx); err != nil {
		return false, err
	}
	old, err := w.switchLocked(context.WithoutCancel(ctx), c, nw, nf, install)
	w.unlockWriter()
	if old == nil {
		return err != nil && errors.Is(err, errInstall), err
	}
	if err := old.Close(); err != nil {
		w.log.Warn("prevayler: closing the retired journal failed", "err", err)
	}
	return true, nil
}

// errInstall marks a failure of switchTo's install: nw is closed.
var errInstall = errors.New("install the new journal")

// switchLocked is switchTo's part under wsem; it returns the retired
// journal on success.
func (w *journalWriter) switchLocked(sctx context.Context, c *capture, nw store.Writer, nf *journal.Framer, install func(context.Context) error) (store.Writer, error) {
	// Make the old journal durable and seal it, so that, as an archive,
	// damage to it is never taken for a torn write. Not a closed seal: if
	// the switch fails below, the old journal stays the live one.
	if err := w.syncLocked(sctx, sealOpen); err != nil {
		return nil, err
	}
	w.stopCapture()
	if err := writeFrames(nw, nf, c.take()); err != nil {
		return nil, err
	}
	if err := nw.Sync(sctx); err != nil {
		return nil, err
	}
	if err := install(sctx); err != nil {
		// The files are in one of the states the start-up rules recover
		// from; which one is unknown, so stop here.
		w.fail(err)
		nw.Close()
		return nil, fmt.Errorf("prevayler: snapshot: %w: %w", errInstall, err)
	}
	old := w.jw
	w.setJournal(nw, nf)
	return old, nil
}

// writeFrames frames entries into w, not marked synced: the new journal
// has not been synced since these bytes' predecessors were written.
func writeFrames(w store.Writer, f *journal.Framer, entries []byte) error {
	if len(entries) == 0 {
		return nil
	}
	buf, err := journal.AppendEventFrames(nil, f, 0, entries)
	if err != nil {
		return err
	}
	_, err = w.Write(buf)
	return err
}
