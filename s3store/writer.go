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
	name string // the name it was created with, for messages
	up   *uploader.Uploader

	mu     sync.Mutex
	closed bool
	err    error // Close's result, returned again by a second Close
}

var (
	_ store.Writer   = (*writer)(nil)
	_ store.Throttle = (*writer)(nil)
	_ store.Backlog  = (*writer)(nil)
)

func (s *Store) newWriter(name, gen string) *writer {
	id, meta := s.writerID, s.meta() // fixed for this writer: a later Lock must fence it too
	put := func(ctx context.Context, seq uint64, data []byte) error {
		return s.putSegment(ctx, id, meta, gen, seq, data)
	}
	return &writer{
		name: name,
		up: uploader.New(put, uploader.Options{
			SleepTime: s.opts.SleepTime,
			MaxBuffer: s.opts.MaxBuffer,
			Retry:     s.opts.Retry,
			Logger:    s.log.With("file", name, "generation", gen),
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
// before it is stored. Concurrent Syncs share uploads.
func (w *writer) Sync(ctx context.Context) error {
	if w.isClosed() {
		return fmt.Errorf("s3store: sync %q: %w", w.name, store.ErrClosed)
	}
	if err := w.up.Sync(ctx); err != nil {
		return fmt.Errorf("s3store: sync %q: %w", w.name, err)
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

// Close uploads everything written and stops the uploader.
func (w *writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return w.err
	}
	w.closed = true
	if err := w.up.Close(); err != nil {
		w.err = fmt.Errorf("s3store: close %q: %w", w.name, err)
	}
	return w.err
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
