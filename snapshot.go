package prevayler

import (
	"context"
	"fmt"
	"time"

	"github.com/prevayler-go/prevayler/internal/journal"
)

// Snapshot starts a new journal holding the current state and retires the
// current one as an archive (journal.backup-<timestamp>), with the same
// rules as at start-up. It returns once both the new journal and every
// event acknowledged before it are durable.
//
// Writers are not blocked while the state is encoded: events go on into
// the old journal and are copied to the new one. They wait only for the
// final switch (a few syncs and renames). A crash at any moment of a
// snapshot loses no acknowledged event. One snapshot runs at a time: a
// second waits for the first, or for ctx to end.
//
// If the state cannot be encoded the error matches ErrUnencodable and
// names the type; the system goes on journaling events (see
// Stats.SnapshotError).
func (p *Prevayler[S, E, R]) Snapshot(ctx context.Context) error {
	err := p.snapshot(ctx)
	p.snapshotFailed(ctx, err)
	return err
}

func (p *Prevayler[S, E, R]) snapshot(ctx context.Context) error {
	// Before waiting for another snapshot, which may itself wait for the
	// handler that called us.
	if err := p.probeApply("Snapshot"); err != nil {
		return err
	}
	select {
	case p.snapSem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("prevayler: snapshot: waiting for the running one: %w", ctx.Err())
	}
	defer func() { <-p.snapSem }()

	p.mu.Lock()
	if err := p.refuseLocked(); err != nil || p.st == nil {
		p.mu.Unlock()
		return err
	}
	state := p.state
	info := journal.FileInfo{BaseSeq: p.w.seq, BaseTime: p.w.lastAt, PrevFileID: p.fileID}
	// The events after the cut start a new codec stream, so that their
	// encoded bytes stand on their own in the new journal.
	p.reset = true
	c := p.w.startCaptureLocked()
	p.mu.Unlock()

	defer p.w.stopCapture() // whatever happens, stop collecting a tail
	tmp, w, framer, err := p.writeSnapshot(ctx, state, info)
	if err != nil {
		return err
	}
	abort := func(err error) error {
		p.w.stopCapture()
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
	install := func(ctx context.Context) error {
		_, err := p.install(ctx, tmp, true, true)
		return err
	}
	if consumed, err := p.w.switchTo(ctx, c, w, framer, install); err != nil {
		if consumed {
			return err
		}
		return abort(err)
	}
	// The new journal has a snapshot: it needs no archive.
	p.fileID, p.needed = framer.Header().FileID, nil
	p.stats.snapshotted(time.Now())
	p.log.Debug("prevayler: snapshot taken")
	p.schedulePrune()
	return nil
}
