package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

type writer struct {
	s    *Store
	f    *file
	name string // the name at creation, for messages

	// Guarded by s.d.mu.
	closed   bool
	closeErr error
}

var _ store.Writer = (*writer)(nil)

// check returns why the writer cannot do op; the caller holds s.d.mu.
func (w *writer) check(op string) error {
	s := w.s
	if w.closed || s.closed || s.epoch != s.d.epoch {
		return fmt.Errorf("memstore: %s %q: %w", op, w.name, store.ErrClosed)
	}
	if s.fenced {
		return fmt.Errorf("memstore: %s %q: %w", op, w.name, store.ErrFenced)
	}
	return nil
}

// Write appends a copy of p; it is lost by Crash until synced.
func (w *writer) Write(p []byte) (int, error) {
	w.s.d.mu.Lock()
	defer w.s.d.mu.Unlock()
	if err := w.check("write"); err != nil {
		return 0, err
	}
	w.f.data = append(w.f.data, p...)
	w.f.modTime = time.Now()
	return len(p), nil
}

// Sync makes everything written so far, and the file's creation, survive
// Crash.
func (w *writer) Sync(ctx context.Context) error {
	w.s.d.mu.Lock()
	defer w.s.d.mu.Unlock()
	if err := w.check("sync"); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: sync %q: %w", w.name, err)
	}
	w.f.synced, w.f.durable = len(w.f.data), true
	return nil
}

// Close syncs and releases the writer. A second Close returns what the
// first returned.
func (w *writer) Close() error {
	w.s.d.mu.Lock()
	defer w.s.d.mu.Unlock()
	return w.closeLocked()
}

func (w *writer) closeLocked() error {
	if w.closed {
		return w.closeErr
	}
	err := w.check("close")
	if err == nil {
		w.f.synced, w.f.durable = len(w.f.data), true
	}
	w.closed, w.closeErr = true, err
	delete(w.s.writers, w)
	return err
}
