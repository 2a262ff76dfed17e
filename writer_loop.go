package prevayler

import (
	"context"
	"fmt"
	"time"
)

// loop is the writer's goroutine: it writes (and in Durable mode syncs)
// the events of callers that do not write themselves, and serves Sync
// calls that may stop waiting. Events that arrive while a batch is being
// synced form the next batch: that is the group commit.
func (w *journalWriter) loop(background bool) {
	defer w.loopDone.Done()
	var tick <-chan time.Time
	if background {
		t := time.NewTicker(w.syncEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-w.kick:
		case <-tick:
			w.backgroundSync()
			continue
		case <-w.stop:
			return
		}
		// Taken before the flushes, so that a Sync request covers every
		// event appended before it.
		sw := w.takeSyncWait()
		var last int           // events in the previous batch
		var took time.Duration // how long its write and sync took
		for {
			if last > 1 {
				w.gather(last, took/2)
			}
			w.wsem <- struct{}{}
			start := time.Now()
			n := w.flushLocked()
			took = time.Since(start)
			w.unlockWriter()
			if n == 0 {
				break
			}
			last = n
		}
		if sw != nil {
			w.wsem <- struct{}{}
			sw.err = w.syncLocked(context.Background(), sealOpen)
			w.unlockWriter()
			close(sw.done)
		}
	}
}

// backgroundSync makes a Buffered journal durable every syncEvery, with a
// seal after it: damage to what was written before the last interval is
// then reported, never dropped as a torn write. An idle journal costs
// nothing: once the seal itself is synced, there is nothing to do.
func (w *journalWriter) backgroundSync() {
	w.lock.Lock()
	idle := w.pendingN == 0
	w.lock.Unlock()
	select {
	case w.wsem <- struct{}{}:
	case <-w.stop:
		return
	}
	defer w.unlockWriter()
	if w.err() != nil || idle && w.synced {
		return
	}
	if err := w.syncLocked(context.Background(), sealOpen); err != nil {
		w.log.Error("prevayler: background sync of the journal failed", "err", err)
	}
}

func (w *journalWriter) takeSyncWait() *batch {
	w.lock.Lock()
	defer w.lock.Unlock()
	b := w.syncWait
	w.syncWait = nil
	return b
}

// gather waits, at most wait, until want events are pending. Right after a
// sync, the callers it acknowledged are only starting to send their next
// events; writing the first arrival alone would cut the group in two and
// halve the throughput of a closed loop of callers. Waiting a fraction of
// a sync for the previous batch's size to gather keeps groups whole.
func (w *journalWriter) gather(want int, wait time.Duration) {
	if wait <= 0 {
		return
	}
	w.lock.Lock()
	if w.pendingN >= want || w.err() != nil {
		w.lock.Unlock()
		return
	}
	w.gatherWant = want
	w.lock.Unlock()
	t := time.NewTimer(wait)
	select {
	case <-w.gathered:
	case <-t.C:
	case <-w.stop:
	}
	t.Stop()
	w.lock.Lock()
	w.gatherWant = 0
	w.lock.Unlock()
	select { // drop a signal sent after the timer fired
	case <-w.gathered:
	default:
	}
}

// sync makes every event appended so far durable. A caller whose ctx can
// end waits for the writer's goroutine to do it; if ctx ends first, the
// error matches both ctx.Err() and ErrUnknownOutcome.
func (w *journalWriter) sync(ctx context.Context) error {
	if err := w.err(); err != nil {
		return fmt.Errorf("prevayler: journal failed earlier: %w", err)
	}
	if ctx.Done() == nil {
		w.wsem <- struct{}{}
		defer w.unlockWriter()
		return w.syncLocked(ctx, sealOpen)
	}
	w.lock.Lock()
	if w.closed {
		w.lock.Unlock()
		return ErrClosed
	}
	if w.syncWait == nil {
		w.syncWait = &batch{done: make(chan struct{})}
	}
	b := w.syncWait
	w.lock.Unlock()
	w.kickLoop()
	select {
	case <-b.done:
		return b.err
	case <-ctx.Done():
		return unknownOutcome(ctx.Err())
	}
}

// close makes everything appended durable, stops the writer's goroutine
// and closes the journal. No event may be appended any more.
func (w *journalWriter) close() error {
	w.wsem <- struct{}{}
	err := w.syncLocked(context.Background(), sealClosed)
	w.unlockWriter()
	w.stopLoop()
	// The loop may have taken stop over a kick: answer a Sync it left
	// waiting. No event was appended after the sync above, so its outcome
	// is that Sync's too.
	w.lock.Lock()
	w.closed = true
	sw := w.syncWait
	w.syncWait = nil
	w.lock.Unlock()
	if sw != nil {
		sw.err = err
		close(sw.done)
	}
	if cerr := w.jw.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("prevayler: close journal: %w", cerr)
	}
	return err
}

func (w *journalWriter) stopLoop() {
	w.stopOnce.Do(func() { close(w.stop) })
	w.loopDone.Wait()
}
