package s3store

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Compaction keeps the objects of a generation few, so that a cold start
// costs a number of requests that hardly grows with the uploads made: the
// writer merges every MergeFanIn consecutive objects it stored into one
// object of the next level ("<last>-<first>", see mergedKey), as long as
// the merged object stays within MergeMaxBytes, and later deletes the
// objects it merged. Ten thousand small segments become a few dozen
// objects.
//
// The writer merges from the bytes it uploaded, which it keeps until
// they are merged or too large to be (at most MergeMaxBytes a level), so
// merging costs one PUT and one DELETE per MergeFanIn objects, and no
// GET. It merges only segments it committed (stored, with every earlier
// one), so a merged object never crosses a tombstone nor holds a torn
// tail, and it holds exactly the bytes of the objects it replaces:
// readers take the widest object at each segment number (listCover), and
// one that finds an object deleted under it lists again (reader.resume).
//
// The sources are deleted MergeDeleteDelay (a minute) after the merged
// object was stored, not at once, because a listing is not a snapshot:
// a server may gather the names first and read them after, so a listing
// that runs while a merge lands and its sources go can miss both, and
// a new writer fencing the generation would then put its tombstone on a
// deleted number inside the merged range, a number the previous writer
// had already stored and acknowledged. With the delay, any listing
// shorter than a minute that misses a deleted source sees the merged
// object, which existed a minute before. Followers rely on it too: a
// segment key they found absent can only have been merged and deleted
// if it was written more than the delay before (see tail rules in
// doc.go). A crash between the PUT and the DELETE, or a Close before the
// delay ends, leaves both, which read the same; a later writer deletes
// the sources (shadowed.go), or collection deletes both.
// A fenced writer stops merging and deleting once it learns it is
// fenced; a merge it had already sent may still land, and changes no
// byte anyone reads.
// Defaults of Options' compaction fields.
const (
	DefaultMergeFanIn    = 16
	DefaultMergeMaxBytes = 4 << 20
)

// held is an object of the writer's generation and, while it may still
// be merged, its bytes.
type held struct {
	first, last uint64
	data        []byte
}

// mergeJob is one merge: the object to write and the objects it replaces.
type mergeJob struct {
	to      held
	sources []piece
}

// compactor merges the objects of one writer's generation from its own
// goroutine, which newCompactor starts and close stops.
type compactor struct {
	s        *Store
	gen      string
	writerID string
	meta     map[string]string
	fanIn    int
	maxBytes int

	levels [][]held // level l: objects of (fanIn)^l segments not yet merged; by commit only

	ctx    context.Context // of the merges; cancelled when close gives up
	cancel context.CancelFunc

	delay time.Duration // from a merged object stored to its sources deleted

	mu      sync.Mutex
	queue   []mergeJob
	pending []pendingDelete // by due time
	closing bool
	wake    chan struct{}
	done    chan struct{}
}

func newCompactor(s *Store, gen, writerID string, meta map[string]string) *compactor {
	c := &compactor{
		s: s, gen: gen, writerID: writerID, meta: meta,
		fanIn: s.opts.MergeFanIn, maxBytes: s.opts.MergeMaxBytes, delay: s.opts.MergeDeleteDelay,
		wake: make(chan struct{}, 1), done: make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go c.run()
	return c
}

// commit is the uploader's OnCommit: segment seq, and every earlier one,
// is stored. data is valid during the call only.
func (c *compactor) commit(seq uint64, data []byte) {
	if len(data) > c.maxBytes {
		c.levels = c.levels[:0] // nothing before it can merge across it
		return
	}
	c.add(0, held{first: seq, last: seq, data: bytes.Clone(data)})
}

// add puts h at level l and merges the level upwards once it is full.
func (c *compactor) add(l int, h held) {
	for len(c.levels) <= l {
		c.levels = append(c.levels, nil)
	}
	c.levels[l] = append(c.levels[l], h)
	lv := c.levels[l]
	if len(lv) < c.fanIn {
		return
	}
	size := 0
	for _, x := range lv {
		size += len(x.data)
	}
	if size > c.maxBytes {
		// Too large to merge: these objects stay as they are, and so do
		// the higher levels, which hold earlier segments than the next
		// objects of this level.
		c.levels = c.levels[:l]
		return
	}
	job := mergeJob{to: held{first: lv[0].first, last: lv[len(lv)-1].last, data: make([]byte, 0, size)}}
	for _, x := range lv {
		job.to.data = append(job.to.data, x.data...)
		job.sources = append(job.sources, piece{first: x.first, last: x.last})
	}
	c.levels[l] = nil
	c.mu.Lock()
	c.queue = append(c.queue, job)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	c.add(l+1, job.to)
}

// run performs the queued merges in order, and the deletions once due,
// until close.
func (c *compactor) run() {
	defer close(c.done)
	for {
		c.mu.Lock()
		if len(c.queue) > 0 {
			job := c.queue[0]
			c.queue = c.queue[1:]
			c.mu.Unlock()
			if c.s.mutable() != nil {
				continue // fenced or closed: leave the objects as they are
			}
			if err := c.merge(c.ctx, job); err != nil {
				c.s.log.Warn("s3store: merging segments failed; they stay as they are", "generation", c.gen,
					"first", job.to.first, "last", job.to.last, "err", err)
			}
			continue
		}
		if len(c.pending) > 0 && !time.Now().Before(c.pending[0].due) {
			d := c.pending[0]
			c.pending = c.pending[1:]
			c.mu.Unlock()
			c.deleteSources(c.ctx, d.job)
			continue
		}
		if c.closing {
			c.mu.Unlock()
			c.finishDeletes()
			return
		}
		var t *time.Timer
		var due <-chan time.Time
		if len(c.pending) > 0 {
			t = time.NewTimer(time.Until(c.pending[0].due))
			due = t.C
		}
		c.mu.Unlock()
		select {
		case <-c.wake:
		case <-due:
		}
		if t != nil {
			t.Stop()
		}
	}
}

// merge writes job's object and schedules the deletion of the objects it
// replaces.
func (c *compactor) merge(ctx context.Context, job mergeJob) error {
	key := c.s.mergedKey(c.gen, job.to.first, job.to.last)
	sum := crcHex(job.to.data)
	md := map[string]string{metaCRC: sum}
	for k, v := range c.meta {
		md[k] = v
	}
	err := c.s.do(ctx, "put merged segments", func(ctx context.Context) error {
		_, err := c.s.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket:        &c.s.opts.Bucket,
			Key:           &key,
			Body:          bytes.NewReader(job.to.data),
			ContentLength: aws.Int64(int64(len(job.to.data))),
			IfNoneMatch:   aws.String("*"),
			Metadata:      md,
		})
		return err
	})
	if err != nil && !isPrecondition(err) {
		return err
	}
	if err != nil {
		// There already: this writer's own attempt whose answer was lost,
		// or not ours. Delete nothing unless it holds the same bytes.
		head, herr := c.s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &c.s.opts.Bucket, Key: &key})
		if herr != nil {
			return herr
		}
		if metaGet(head.Metadata, metaWriter) != c.writerID || metaGet(head.Metadata, metaCRC) != sum {
			return fmt.Errorf("merged object %s exists with other bytes", key)
		}
	}
	c.mu.Lock()
	c.pending = append(c.pending, pendingDelete{due: time.Now().Add(c.delay), job: job})
	c.mu.Unlock()
	c.s.log.Debug("s3store: merged segments", "generation", c.gen, "first", job.to.first, "last", job.to.last, "bytes", len(job.to.data))
	return nil
}

// close performs the merges queued, within ctx, and stops the goroutine.
// The merges left when ctx ends are dropped: they only save requests.
func (c *compactor) close(ctx context.Context) {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		c.mu.Lock()
		c.queue = nil
		c.mu.Unlock()
		c.cancel()
		<-c.done
	}
	c.cancel()
}
