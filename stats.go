package prevayler

import (
	"sync/atomic"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

// Requests count a remote store's requests by kind and the bytes they
// carried; see store.Requests.
type Requests = store.Requests

// Stats are counters of a prevalent system since Open. Reading them takes
// a few atomic loads, cheap enough to poll (see examples/bank for an
// expvar export).
type Stats struct {
	Events       uint64        // events acknowledged (journaled)
	Refused      uint64        // events the handler refused or that could not be encoded
	Bytes        int64         // bytes written to journals, framing included
	Writes       uint64        // journal writes: one per group of events (batch)
	Syncs        uint64        // fsyncs (local) or completed upload waits (S3)
	LastBatch    int           // events in the latest write
	MaxBatch     int           // events in the largest write
	Snapshots    uint64        // snapshots taken, start-up's included
	PendingBytes int64         // written but not yet durable in the store (S3 upload buffer)
	PendingAge   time.Duration // age of the oldest pending byte
	LastError    error         // the journal failure that stopped this instance, if any

	// Requests are those the store made since it was created, by kind,
	// if it counts them (store.RequestCounter: S3); zero otherwise. An
	// open journal that receives no events makes none.
	Requests Requests

	// SnapshotError is the latest snapshot's failure, nil once a snapshot
	// succeeds; it matches ErrUnencodable if the state cannot be encoded.
	// The instance goes on journaling events: LastError says whether it
	// stopped.
	SnapshotError    error
	SnapshotFailures uint64 // snapshots that failed, the start-up's included
}

type counters struct {
	events, refused, writes, syncs, snapshots atomic.Uint64
	bytes                                     atomic.Int64
	lastBatch, maxBatch                       atomic.Int64
	// since the last snapshot, for the snapshot policy
	eventsSinceSnap atomic.Uint64
	bytesSinceSnap  atomic.Int64
	lastSnap        atomic.Int64 // unix nanoseconds
	// snapshot failures, and the back-off of automatic snapshots
	snapFailures atomic.Uint64
	snapErr      atomic.Pointer[error]
	snapBackoff  atomic.Int64 // nanoseconds; zero after a success
	snapRetryAt  atomic.Int64 // unix nanoseconds; zero: no failure to wait out
}

func (c *counters) wrote(events int, bytes int) {
	c.events.Add(uint64(events))
	c.eventsSinceSnap.Add(uint64(events))
	c.bytes.Add(int64(bytes))
	c.bytesSinceSnap.Add(int64(bytes))
	c.writes.Add(1)
	c.lastBatch.Store(int64(events))
	for {
		m := c.maxBatch.Load()
		if int64(events) <= m || c.maxBatch.CompareAndSwap(m, int64(events)) {
			return
		}
	}
}

func (c *counters) snapshotted(now time.Time) {
	c.snapshots.Add(1)
	c.eventsSinceSnap.Store(0)
	c.bytesSinceSnap.Store(0)
	c.lastSnap.Store(now.UnixNano())
	c.snapErr.Store(nil)
	c.snapBackoff.Store(0)
	c.snapRetryAt.Store(0)
}

// Stats returns the counters. It does not lock the system.
func (p *Prevayler[S, E, R]) Stats() Stats {
	if p.w != nil {
		p.w.storeFailure()
	}
	c := &p.stats
	s := Stats{
		Events:    c.events.Load(),
		Refused:   c.refused.Load(),
		Bytes:     c.bytes.Load(),
		Writes:    c.writes.Load(),
		Syncs:     c.syncs.Load(),
		LastBatch: int(c.lastBatch.Load()),
		MaxBatch:  int(c.maxBatch.Load()),
		Snapshots: c.snapshots.Load(),

		SnapshotFailures: c.snapFailures.Load(),
	}
	if e := c.snapErr.Load(); e != nil {
		s.SnapshotError = *e
	}
	if rc, ok := p.st.(store.RequestCounter); ok {
		s.Requests = rc.Requests()
	}
	if p.w == nil {
		return s
	}
	if b := p.w.backlog.Load(); b != nil {
		n, oldest := (*b).Backlog()
		s.PendingBytes = n
		if n > 0 && !oldest.IsZero() {
			s.PendingAge = time.Since(oldest)
		}
	}
	s.LastError = p.w.err()
	return s
}
