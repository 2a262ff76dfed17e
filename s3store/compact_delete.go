package s3store

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// DefaultMergeDeleteDelay is how long the sources of a merged object stay
// after it was stored (Options.MergeDeleteDelay): far longer than any one
// listing takes, so that no listing misses both (see compact.go).
const DefaultMergeDeleteDelay = time.Minute

// closeDeleteWait is how long close waits for a deletion that is almost
// due; later ones are left to collection.
const closeDeleteWait = 100 * time.Millisecond

// pendingDelete is a merge whose sources are to be deleted at due.
type pendingDelete struct {
	due time.Time
	job mergeJob
}

// deleteSources deletes the objects job's merged object replaces, unless
// this writer was fenced or closed: a new writer may be reading them.
func (c *compactor) deleteSources(ctx context.Context, job mergeJob) {
	if c.s.mutable() != nil {
		return
	}
	ids := make([]types.ObjectIdentifier, len(job.sources))
	for i, p := range job.sources {
		ids[i] = types.ObjectIdentifier{Key: aws.String(c.s.pieceKey(c.gen, p))}
	}
	if err := c.s.deleteObjects(ctx, "delete merged segments", ids); err != nil {
		c.s.log.Warn("s3store: deleting merged segments failed; they stay, and read the same as the merged object",
			"generation", c.gen, "first", job.to.first, "last", job.to.last, "err", err)
		return
	}
	c.s.log.Debug("s3store: deleted merged segments", "generation", c.gen, "first", job.to.first, "last", job.to.last)
}

// finishDeletes, at close, performs the deletions due within
// closeDeleteWait and leaves the others: they only cost a listing a few
// more names until the generation is collected.
func (c *compactor) finishDeletes() {
	c.mu.Lock()
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	for i, d := range pending {
		wait := time.Until(d.due)
		if wait > closeDeleteWait {
			c.s.log.Debug("s3store: merged segments left in place at close", "generation", c.gen, "merges", len(pending)-i)
			return
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-c.ctx.Done():
				t.Stop()
				return
			}
		}
		c.deleteSources(c.ctx, d.job)
	}
}
