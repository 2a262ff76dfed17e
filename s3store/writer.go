package s3store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/uploader"
)

// writer appends to one generation through an uploader: every upload is
// one new segment object, so what is stored grows with the bytes written,
// never with their square.
type writer struct {
	s            *Store
	depth        int    // Syncs worth having in flight (store.Pipeline)
	name         string // the name it was created with, for messages
	gen          string
	up           *uploader.Uploader
	compact      *compactor // nil: compaction off
	closeTimeout time.Duration

	mu     sync.Mutex
	closed bool
	err    error // Close's result, returned again by a second Close
}

var (
	_ store.Writer   = (*writer)(nil)
	_ store.Throttle = (*writer)(nil)
	_ store.Backlog  = (*writer)(nil)
	_ store.Failer   = (*writer)(nil)
	_ store.Pipeline = (*writer)(nil)
)

func (s *Store) newWriter(name, gen string) *writer {
	id, meta := s.writerID, s.meta() // fixed for this writer: a later Lock must fence it too
	put := func(ctx context.Context, seq uint64, data []byte) error {
		return s.putSegment(ctx, id, meta, gen, seq, data)
	}
	var cp *compactor
	var onCommit uploader.CommitFunc
	if s.opts.MergeFanIn > 1 {
		cp = newCompactor(s, gen, id, meta)
		onCommit = cp.commit
	}
	return &writer{
		s:            s,
		compact:      cp,
		depth:        pipelineDepth(s.opts.MaxInflight),
		name:         name,
		gen:          gen,
		closeTimeout: s.opts.CloseTimeout,
		up: uploader.New(put, uploader.Options{
			SleepTime:   s.opts.SleepTime,
			MaxBuffer:   s.opts.MaxBuffer,
			MaxInflight: s.opts.MaxInflight,
			FailAfter:   s.opts.FailAfter,
			Retry:       s.opts.Retry,
			OnCommit:    onCommit,
			Logger:      s.log.With("file", name, "generation", gen),
		}),
	}
}

// Write adds p to the upload buffer; it is stored within SleepTime, or at
// once by Sync. Write never blocks: Wait bounds the buffer.
func (w *writer) Write(p []byte) (int, error) {
	if w.isClosed() {
		return 0, fmt.Errorf("s3store: write %q: %w", w.name, store.ErrClosed)
	}
	if err := w.up.Append(p); err != nil {
		return 0, fmt.Errorf("s3store: write %q: %w", w.name, err)
	}
	return len(p), nil
}

// Sync uploads what is buffered and returns once every byte written
// before it is stored. Concurrent Syncs share uploads. It returns
// ctx.Err() as soon as ctx ends, whatever the server does. Every error
// but ErrClosed matches store.ErrUnknownOutcome: the bytes stay in the
// upload buffer, and may be stored later (by the uploader's retries, or
// Close), or never (the writer fenced or failed for good).
func (w *writer) Sync(ctx context.Context) error {
	if w.isClosed() {
		return fmt.Errorf("s3store: sync %q: %w", w.name, store.ErrClosed)
	}
	if err := w.up.Sync(ctx); err != nil {
		return fmt.Errorf("s3store: sync %q: %w: %w", w.name, store.ErrUnknownOutcome, err)
	}
	return nil
}

// Err returns the failure that stopped the uploads for good, or nil
// (store.Failer).
func (w *writer) Err() error {
	if err := w.up.Err(); err != nil {
		return fmt.Errorf("s3store: %q: %w", w.name, err)
	}
	return nil
}

// Wait blocks while the writer holds Options.MaxBuffer bytes or more not
// yet stored (store.Throttle).
func (w *writer) Wait(ctx context.Context) error {
	if err := w.up.Wait(ctx); err != nil {
		return fmt.Errorf("s3store: wait %q: %w", w.name, err)
	}
	return nil
}

// Close uploads everything written and stops the uploader, within
// Options.CloseTimeout: past it, or after a failure for good, it returns
// an error that says how many bytes in how many writes were not stored.
// A complete generation then gets a tombstone after its last segment,
// which tells followers at their next check (see sealClosed), and its
// markers are sealed.
func (w *writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return w.err
	}
	w.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), w.closeTimeout)
	defer cancel()
	err := w.up.CloseContext(ctx)
	if w.compact != nil {
		w.compact.close(ctx)
	}
	if err != nil {
		w.err = fmt.Errorf("s3store: close %q: %w", w.name, err)
		return w.err
	}
	st := w.up.Stats()
	w.s.sealClosed(ctx, w.gen, seal{length: int64(st.Bytes), segments: st.Segments})
	return nil
}

func (w *writer) isClosed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed
}

// Backlog returns the bytes written and not yet stored, and when the
// oldest of them was written (store.Backlog).
func (w *writer) Backlog() (int64, time.Time) {
	n, oldest := w.up.Backlog()
	return int64(n), oldest
}

// Stats returns what the writer's uploader did; see uploader.Stats.
func (w *writer) Stats() uploader.Stats { return w.up.Stats() }

// pipelineDepth is PipelineDepth for maxInflight uploads in flight. With
// one, the prevalent system's own group commit (one Sync at a time, each
// gathering the callers that arrived during the previous one) is the
// strict group commit MaxInflight 1 promises.
func pipelineDepth(maxInflight int) int {
	if maxInflight <= 1 {
		return 1
	}
	return 4*maxInflight + 1
}

// PipelineDepth says how many Syncs are worth having in flight at once
// (store.Pipeline): several per upload in flight, so that the events of
// callers arriving while the uploads are busy reach the uploader's buffer
// at once, and leave with the next upload that starts, instead of
// waiting in the prevalent system for an earlier Sync to return. The
// uploader, not the number of Syncs, decides how many PUTs are made.
func (w *writer) PipelineDepth() int { return w.depth }
