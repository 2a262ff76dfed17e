package localstore

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/prevayler-go/prevayler/store"
)

// writer appends to one file. After its first failed Write or Sync it is
// broken for good and returns that error from every later call: a short
// write may have left a torn record that more appends would bury, and a
// failed fsync may have dropped dirty pages that a second fsync would
// then report as clean.
type writer struct {
	s    *Store
	path string // for messages; after a Rename the file lives elsewhere

	mu        sync.Mutex // Store.Close may close a writer left open
	f         File
	broken    error
	dirSynced bool
	closed    bool
	closeErr  error
}

var _ store.Writer = (*writer)(nil)

// Write appends p with one write(2), at the end of what was written: the
// file is opened O_APPEND, or written at its descriptor's offset once
// preallocating, so a rename does not move where writes land.
func (w *writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable("write"); err != nil {
		return 0, err
	}
	n, err := w.f.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		w.broken = fmt.Errorf("localstore: write %s: %d of %d bytes: %w", w.path, n, len(p), osErr(err))
		return 0, w.broken
	}
	return n, nil
}

// Sync flushes the file's data; the first successful Sync also fsyncs the
// directory, which makes the creation of the file durable. ctx is checked
// before starting; an fsync in progress cannot be interrupted.
func (w *writer) Sync(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable("sync"); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("localstore: sync %s: %w", w.path, err)
	}
	return w.syncLocked()
}

func (w *writer) usable(op string) error {
	if w.closed {
		return fmt.Errorf("localstore: %s %s: %w", op, w.path, store.ErrClosed)
	}
	return w.broken
}

func (w *writer) syncLocked() error {
	if err := w.f.Sync(); err != nil {
		w.broken = fmt.Errorf("localstore: sync %s: %w", w.path, osErr(err))
		return w.broken
	}
	if !w.dirSynced {
		if err := w.s.fs.SyncDir(w.s.dir); err != nil {
			w.broken = fmt.Errorf("localstore: sync %s: sync directory: %w", w.path, osErr(err))
			return w.broken
		}
		w.dirSynced = true
	}
	return nil
}

// Close syncs, then closes the file. A second Close returns what the
// first returned.
func (w *writer) Close() error {
	w.mu.Lock()
	if w.closed {
		defer w.mu.Unlock()
		return w.closeErr
	}
	err := w.broken
	if err == nil {
		err = w.syncLocked()
	}
	if cerr := w.f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("localstore: close %s: %w", w.path, osErr(cerr))
	}
	w.closed, w.closeErr = true, err
	w.mu.Unlock()
	w.s.forget(w)
	return err
}
