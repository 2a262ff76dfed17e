package memstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

// Options configures a memory store. The zero value is ready to use.
type Options struct {
	// Takeover makes Lock behave like the S3 store: a second handle's Lock
	// succeeds and fences the previous holder, whose mutating calls then
	// fail with store.ErrFenced. False: Lock fails with store.ErrLocked, as
	// the local store does.
	Takeover bool
}

// disk is what every handle of one memory store shares: the files and the
// lock. One mutex guards it and every handle's state, which keeps the
// whole store trivially consistent under -race.
type disk struct {
	mu       sync.Mutex
	files    map[string]*file
	owner    *Store // holder of the lock, nil if none
	epoch    int    // bumped by Crash; handles of an older epoch are dead
	takeover bool
}

// file is one file's bytes. Files only grow (SetFile aside), so the
// durable part is a prefix: the first synced bytes.
type file struct {
	data    []byte
	synced  int
	durable bool // the creation survives a crash: synced, closed or SetFile
	modTime time.Time
}

// Store is one handle on a memory store, as if one process had opened
// the journal. Reopen gives another handle on the same files. It is safe
// for concurrent use.
type Store struct {
	d     *disk
	epoch int

	// Guarded by d.mu.
	locked  bool
	fenced  bool
	closed  bool
	writers map[*writer]struct{}
}

var _ store.Store = (*Store)(nil)

var errNotLocked = errors.New("store is not locked: call Lock first")

// New returns a handle on a new, empty memory store whose Lock behaves
// like the local store's.
func New() *Store { return NewWithOptions(Options{}) }

// NewWithOptions is New with options.
func NewWithOptions(opts Options) *Store {
	d := &disk{files: map[string]*file{}, takeover: opts.Takeover}
	return d.handle()
}

func (d *disk) handle() *Store {
	return &Store{d: d, epoch: d.epoch, writers: map[*writer]struct{}{}}
}

// Reopen returns a new handle on the same files, like another process
// opening the same journal: it starts unlocked, and its Lock fails with
// store.ErrLocked (or, with Options.Takeover, fences the holder) while
// another handle holds the lock. Reopen works on a closed or dead handle,
// which is how a test restarts after Close or Crash.
func (s *Store) Reopen() *Store {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	return s.d.handle()
}

// check returns why the handle cannot do op on name; the caller holds
// d.mu. mutating adds the lock and fencing rules.
func (s *Store) check(ctx context.Context, op, name string, mutating bool) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: %s %q: %w", op, name, err)
	}
	if !store.ValidName(name) {
		return fmt.Errorf("memstore: %s %q: invalid journal file name", op, name)
	}
	if s.closed || s.epoch != s.d.epoch {
		return fmt.Errorf("memstore: %s %q: %w", op, name, store.ErrClosed)
	}
	if !mutating {
		return nil
	}
	if s.fenced {
		return fmt.Errorf("memstore: %s %q: %w", op, name, store.ErrFenced)
	}
	if !s.locked {
		return fmt.Errorf("memstore: %s %q: %w", op, name, errNotLocked)
	}
	return nil
}

// Lock takes the lock shared by every handle of this store.
func (s *Store) Lock(ctx context.Context) error {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	if err := s.check(ctx, "lock", store.Journal, false); err != nil {
		return err
	}
	if s.locked {
		return errors.New("memstore: lock: already locked by this handle")
	}
	if o := s.d.owner; o != nil {
		if !s.d.takeover {
			return fmt.Errorf("memstore: lock: %w", store.ErrLocked)
		}
		o.fenced = true
	}
	s.d.owner, s.locked = s, true
	return nil
}

// List returns every file. It works without the lock.
func (s *Store) List(ctx context.Context) ([]store.FileInfo, error) {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	if err := s.check(ctx, "list", store.Journal, false); err != nil {
		return nil, err
	}
	files := make([]store.FileInfo, 0, len(s.d.files))
	for name, f := range s.d.files {
		files = append(files, store.FileInfo{Name: name, Size: int64(len(f.data)), ModTime: f.modTime})
	}
	return files, nil
}

// Open returns the file's content as it is now; later writes are not
// seen by the reader. It works without the lock.
func (s *Store) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	if err := s.check(ctx, "open", name, false); err != nil {
		return nil, err
	}
	f, ok := s.d.files[name]
	if !ok {
		return nil, fmt.Errorf("memstore: open %q: %w", name, store.ErrNotExist)
	}
	return io.NopCloser(bytes.NewReader(bytes.Clone(f.data))), nil
}

// Create creates an empty file; an existing file is an error matching
// fs.ErrExist. The creation survives Crash once the writer synced.
func (s *Store) Create(ctx context.Context, name string) (store.Writer, error) {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	if err := s.check(ctx, "create", name, true); err != nil {
		return nil, err
	}
	if _, ok := s.d.files[name]; ok {
		return nil, fmt.Errorf("memstore: create %q: %w", name, fs.ErrExist)
	}
	f := &file{modTime: time.Now()}
	s.d.files[name] = f
	w := &writer{s: s, f: f, name: name}
	s.writers[w] = struct{}{}
	return w, nil
}

// Rename moves the file, replacing newname; it is durable at once.
// Writers keep appending to the same file under its new name.
func (s *Store) Rename(ctx context.Context, oldname, newname string) error {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	if err := s.check(ctx, "rename", oldname, true); err != nil {
		return err
	}
	if err := s.check(ctx, "rename", newname, true); err != nil {
		return err
	}
	f, ok := s.d.files[oldname]
	if !ok {
		return fmt.Errorf("memstore: rename %q to %q: %w", oldname, newname, store.ErrNotExist)
	}
	delete(s.d.files, oldname)
	s.d.files[newname] = f
	return nil
}

// Remove deletes the file; it is durable at once. Its writers go on
// writing to a file nobody can see, as on a POSIX file system.
func (s *Store) Remove(ctx context.Context, name string) error {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	if err := s.check(ctx, "remove", name, true); err != nil {
		return err
	}
	if _, ok := s.d.files[name]; !ok {
		return fmt.Errorf("memstore: remove %q: %w", name, store.ErrNotExist)
	}
	delete(s.d.files, name)
	return nil
}

// Close releases the lock. Writers left open are synced and closed, as
// localstore does. Close is safe to call twice, and on a dead handle.
func (s *Store) Close() error {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	if s.closed {
		return nil
	}
	var first error
	for w := range s.writers {
		// A dead handle's writers have nothing left to save.
		if err := w.closeLocked(); err != nil && first == nil && s.epoch == s.d.epoch {
			first = err
		}
	}
	s.writers = nil
	if s.d.owner == s {
		s.d.owner = nil
	}
	s.closed, s.locked = true, false
	return first
}
