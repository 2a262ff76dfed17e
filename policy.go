package prevayler

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

// policy says when snapshots are taken automatically and how many
// archives are kept (Options.SnapshotEvery, SnapshotBytes,
// SnapshotInterval, KeepArchives).
type policy struct {
	every    uint64
	bytes    int64
	interval time.Duration
	keep     int
	keepFor  time.Duration
}

// prunes reports whether a rule removes archives.
func (pol policy) prunes() bool { return pol.keep > 0 || pol.keepFor > 0 }

func (pol policy) active() bool { return pol.every > 0 || pol.bytes > 0 || pol.interval > 0 }

// due reports whether a snapshot is due now.
func (p *Prevayler[S, E, R]) snapshotDue(now time.Time) bool {
	c, pol := &p.stats, p.policy
	events := c.eventsSinceSnap.Load()
	switch {
	case events == 0, !c.snapshotRetryDue(now):
		return false
	case pol.every > 0 && events >= pol.every:
		return true
	case pol.bytes > 0 && c.bytesSinceSnap.Load() >= pol.bytes:
		return true
	case pol.interval > 0 && now.Sub(time.Unix(0, c.lastSnap.Load())) >= pol.interval:
		return true
	}
	return false
}

// nudgePolicy wakes the policy goroutine when a threshold may have been
// crossed, so that a count or size policy reacts at once.
func (p *Prevayler[S, E, R]) nudgePolicy() {
	if p.policyKick == nil || !p.snapshotDue(time.Now()) {
		return
	}
	select {
	case p.policyKick <- struct{}{}:
	default:
	}
}

// policyLoop takes the automatic snapshots. Open starts it; Close stops it.
func (p *Prevayler[S, E, R]) policyLoop() {
	defer p.policyDone.Done()
	tick := time.Second
	if iv := p.policy.interval; iv > 0 && iv/4 < tick {
		tick = max(iv/4, time.Millisecond)
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	// Close ends a snapshot in progress, unless it reached its switch.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-p.policyStop:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		select {
		case <-p.policyStop:
			return
		case <-t.C:
		case <-p.policyKick:
		}
		if !p.snapshotDue(time.Now()) {
			continue
		}
		if p.w.err() != nil {
			return // the instance is stopped: nothing to snapshot, nothing to log again
		}
		// Snapshot logs a state that cannot be encoded as an ERROR itself.
		if err := p.Snapshot(ctx); err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, ErrUnencodable) && ctx.Err() == nil {
			p.log.Warn("prevayler: automatic snapshot failed", "err", err)
		}
	}
}

// pruneArchives removes the archives no rule keeps (KeepArchives: the
// newest keep; KeepArchivesFor: those retired within keepFor). Failures are
// logged: an archive left behind costs space, not correctness, and the
// next snapshot's pass retries it. needed names the archives the live
// journal continues.
func (p *Prevayler[S, E, R]) pruneArchives(ctx context.Context, needed []string) {
	files, err := p.st.List(ctx)
	if err != nil {
		p.log.Warn("prevayler: list archives to prune", "err", err)
		return
	}
	var archives []store.FileInfo
	for _, a := range store.Classify(files).Archives {
		if !slices.Contains(needed, a.Name) { // the live journal continues these
			archives = append(archives, a)
		}
	}
	now := time.Now()
	for i, a := range archives {
		byCount := p.policy.keep > 0 && i >= len(archives)-p.policy.keep
		t, dated := store.ArchiveTime(a.Name)
		byAge := p.policy.keepFor > 0 && (!dated || now.Sub(t) < p.policy.keepFor)
		if byCount || byAge {
			continue // kept by a rule
		}
		name := a.Name
		if err := p.st.Remove(ctx, name); err != nil && !errors.Is(err, store.ErrNotExist) {
			if ctx.Err() != nil {
				return // closing: the next start prunes
			}
			p.log.Warn("prevayler: remove old archive", "file", name, "err", err)
			continue
		}
		p.log.Debug("prevayler: removed old archive", "file", name)
	}
}
