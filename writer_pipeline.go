package prevayler

import (
	"context"
	"fmt"

	"github.com/prevayler-go/prevayler/store"
)

// pipeline lets Durable batches overlap their syncs on a journal whose
// writer allows it (store.Pipeline): batch k+1 is written while the sync
// of batch k is in flight, so that a store with a long round trip (S3)
// carries several batches per round trip. Batches are acknowledged in
// order: a batch's callers return, and its state is published, only once
// it and every earlier batch are durable.
type pipeline struct {
	slots  chan struct{} // one token per batch written and not yet acknowledged
	last   chan struct{} // closed once the latest batch is acknowledged; under wsem
	issued bool          // a batch was synced here since the last drain; under wsem
	jw     store.Writer  // the journal the pipeline syncs
}

// pipelineFor returns the pipeline of jw, or nil if its syncs cannot
// overlap.
func pipelineFor(jw store.Writer) *pipeline {
	p, ok := jw.(store.Pipeline)
	if !ok || p.PipelineDepth() <= 1 {
		return nil
	}
	done := make(chan struct{})
	close(done)
	return &pipeline{slots: make(chan struct{}, p.PipelineDepth()), last: done, jw: jw}
}

// syncPiped syncs a batch just written in the background and
// acknowledges it after every earlier one: what flushLocked does after
// the write, in order. The caller holds wsem; a full pipeline makes it
// wait, which holds back the next write.
func (w *journalWriter) syncPiped(g *group, token any, c *capture, data []byte, from int) {
	p := w.pipe
	p.slots <- struct{}{}
	prev, done := p.last, make(chan struct{})
	p.last, p.issued = done, true
	go func() {
		err := p.jw.Sync(context.Background())
		// In order: an earlier batch's failure fails this one too, since
		// the journal's sticky failure is set before done is closed.
		<-prev
		if err == nil {
			if ferr := w.err(); ferr != nil {
				err = fmt.Errorf("journal failed earlier: %w", ferr)
			}
		} else {
			w.fail(err)
		}
		if err != nil {
			g.finish(fmt.Errorf("prevayler: journal: %w: %w", ErrUnknownOutcome, err))
		} else {
			w.stats.syncs.Add(1)
			w.acknowledge(g, token, c, data, from)
		}
		<-p.slots
		close(done)
	}()
}

// flushDrained writes what is pending and waits until every batch in the
// pipeline is acknowledged; then, unless the journal failed, everything
// written is durable. The caller holds wsem.
func (w *journalWriter) flushDrained() {
	w.flushLocked()
	p := w.pipe
	if p == nil {
		return
	}
	<-p.last
	if p.issued && w.err() == nil {
		w.synced = true
	}
	p.issued = false
}
