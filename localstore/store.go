package localstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/prevayler-go/prevayler/store"
)

// Options configures a Store. The zero value is ready to use.
type Options struct {
	// Logger receives debug output: lock, creations, renames, removals,
	// leftover writers closed by Close. Nil: silent.
	Logger *slog.Logger
	// FS is the file system the Store works on. Nil: OSFS, the operating
	// system. Tests put a fault-injecting FS here.
	FS FS
	// Preallocate is how far ahead of its writes a journal file reserves
	// space, zero-filled, in one fallocate: the data sync after a write
	// then need not record a new file size, which makes it cheaper. Close
	// truncates the file to what was written; after a crash the file ends
	// in zeros, which the journal format reads as the end of the log.
	// Zero: DefaultPreallocate; negative (NoPreallocate): off. Linux only;
	// elsewhere, and on a file system without fallocate, files grow with
	// their writes.
	Preallocate int64
	// NoMmap makes a preallocated journal file take its writes through
	// write(2). By default (Linux) a write into reserved space is a copy
	// into a shared mapping of the file: the same pages of the page cache,
	// as durable across a crash of the process and a power cut as a
	// write(2), without the system call.
	NoMmap bool
}

// DefaultPreallocate is the default Options.Preallocate: 16 MiB.
const DefaultPreallocate = 16 << 20

// NoPreallocate turns preallocation off.
const NoPreallocate = -1

// Store keeps the files of one journal in one directory of the local file
// system. It is safe for concurrent use.
type Store struct {
	path string // the journal file; every other name is a suffix of it
	dir  string
	base string
	bad  error // why path cannot be used, reported by every method
	fs   FS
	log  *slog.Logger
	pre  int64 // Options.Preallocate resolved: 0 is off
	nmap bool  // Options.NoMmap

	mu      sync.Mutex
	state   state
	lock    io.Closer
	writers map[*writer]struct{}
}

type state int

const (
	unlocked state = iota
	locked
	closed
)

var _ store.Store = (*Store)(nil)

var errNotLocked = errors.New("store is not locked: call Lock first")

// errMapFault is a write into a mapping of a journal file that faulted:
// the file was cut shorter than the space reserved, by someone else.
var errMapFault = errors.New("the mapped journal file faulted")

// New returns a Store for the journal file at path, such as
// "data/journal". Nothing is touched on disk until Lock.
func New(path string) *Store { return NewWithOptions(path, Options{}) }

// NewWithOptions is New with options.
func NewWithOptions(path string, opts Options) *Store {
	s := &Store{fs: opts.FS, log: opts.Logger, nmap: opts.NoMmap, writers: map[*writer]struct{}{}}
	if s.fs == nil {
		s.fs = OSFS{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	switch {
	case opts.Preallocate == 0:
		s.pre = DefaultPreallocate
	case opts.Preallocate > 0:
		s.pre = opts.Preallocate
	}
	if path == "" {
		s.bad = errors.New("empty journal path")
		return s
	}
	s.path = filepath.Clean(path)
	s.dir, s.base = filepath.Split(s.path)
	s.dir = filepath.Clean(s.dir)
	if s.base == "" || s.base == "." || s.base == ".." || strings.HasSuffix(path, string(filepath.Separator)) {
		s.bad = fmt.Errorf("journal path %q does not name a file", path)
	}
	return s
}

// Path returns the path of the journal file: the name store.Journal.
func (s *Store) Path() string { return s.path }

// begin checks what every method checks first and returns the path of
// name.
func (s *Store) begin(ctx context.Context, op, name string, needLock bool) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("localstore: %s %s: %w", op, s.path+name, err)
	}
	if s.bad != nil {
		return "", fmt.Errorf("localstore: %s: %w", op, s.bad)
	}
	if !store.ValidName(name) {
		return "", fmt.Errorf("localstore: %s %q: invalid journal file name", op, name)
	}
	p := s.path + name
	s.mu.Lock()
	st := s.state
	s.mu.Unlock()
	switch {
	case st == closed:
		return "", fmt.Errorf("localstore: %s %s: %w", op, p, store.ErrClosed)
	case needLock && st == unlocked:
		return "", fmt.Errorf("localstore: %s %s: %w", op, p, errNotLocked)
	}
	return p, nil
}

// osErr drops the *fs.PathError or *os.LinkError around err: our own
// message already names the operation and the path.
func osErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// Lock creates the journal's directory if needed and takes an exclusive
// lock on the file "<path>.lock". It fails at once with an error matching
// store.ErrLocked while another process or another Store holds it. The
// lock file is never removed: removing it would let two writers lock two
// different files of the same name.
func (s *Store) Lock(ctx context.Context) error {
	if _, err := s.begin(ctx, "lock", store.Journal, false); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case closed:
		return fmt.Errorf("localstore: lock %s: %w", s.path, store.ErrClosed)
	case locked:
		return fmt.Errorf("localstore: lock %s: already locked by this store", s.path)
	}
	if err := s.fs.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("localstore: lock %s: create directory: %w", s.path, osErr(err))
	}
	l, err := s.fs.Lock(s.path + ".lock")
	if err != nil {
		return fmt.Errorf("localstore: lock %s: %w", s.path, osErr(err))
	}
	s.lock, s.state = l, locked
	s.log.Debug("localstore: locked", "path", s.path)
	return nil
}

// List returns the files of this journal: the journal itself, its backup,
// archives and temporary files, but not the lock file nor the files of
// another journal in the same directory. A missing directory holds no
// files. List works without the lock.
func (s *Store) List(ctx context.Context) ([]store.FileInfo, error) {
	if _, err := s.begin(ctx, "list", store.Journal, false); err != nil {
		return nil, err
	}
	entries, err := s.fs.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("localstore: list %s: %w", s.dir, osErr(err))
	}
	var files []store.FileInfo
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Name(), s.base)
		if !ok || !store.ValidName(name) || e.IsDir() {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since ReadDir
		}
		if err != nil {
			return nil, fmt.Errorf("localstore: list %s: %w", s.path+name, osErr(err))
		}
		files = append(files, store.FileInfo{Name: name, Size: info.Size(), ModTime: info.ModTime()})
	}
	return files, nil
}

// Open opens a file of the journal for reading; the caller buffers. It
// works without the lock.
func (s *Store) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	p, err := s.begin(ctx, "open", name, false)
	if err != nil {
		return nil, err
	}
	f, err := s.fs.OpenFile(p, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("localstore: open %s: %w", p, osErr(err))
	}
	return f, nil
}

// Create creates a new, empty file; an existing file is an error matching
// fs.ErrExist. The directory entry is made durable by the first Sync or
// Close of the returned Writer.
func (s *Store) Create(ctx context.Context, name string) (store.Writer, error) {
	p, err := s.begin(ctx, "create", name, true)
	if err != nil {
		return nil, err
	}
	// Holding mu keeps Close from slipping in between the creation and the
	// registration of the writer, which would leave an unmanaged writer.
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == closed {
		return nil, fmt.Errorf("localstore: create %s: %w", p, store.ErrClosed)
	}
	f, err := s.fs.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("localstore: create %s: %w", p, osErr(err))
	}
	if of, ok := f.(*osFile); ok {
		of.noMap = s.nmap
	}
	if pa, ok := f.(Preallocator); ok && s.pre > 0 {
		if err := pa.Preallocate(s.pre); err != nil && !errors.Is(err, errors.ErrUnsupported) {
			s.log.Debug("localstore: no preallocation", "path", p, "err", err)
		}
	}
	w := &writer{s: s, f: f, path: p}
	s.writers[w] = struct{}{}
	s.log.Debug("localstore: created", "path", p)
	return w, nil
}

// Rename renames oldname to newname, replacing newname, then fsyncs the
// directory so that the rename is durable when Rename returns. Writers of
// the file keep appending to it under its new name.
func (s *Store) Rename(ctx context.Context, oldname, newname string) error {
	op, err := s.begin(ctx, "rename", oldname, true)
	if err != nil {
		return err
	}
	np, err := s.begin(ctx, "rename", newname, true)
	if err != nil {
		return err
	}
	if err := s.fs.Rename(op, np); err != nil {
		return fmt.Errorf("localstore: rename %s to %s: %w", op, np, osErr(err))
	}
	if err := s.fs.SyncDir(s.dir); err != nil {
		return fmt.Errorf("localstore: rename %s to %s: sync directory: %w", op, np, osErr(err))
	}
	s.log.Debug("localstore: renamed", "from", op, "to", np)
	return nil
}

// Remove removes a file, then fsyncs the directory so that the removal is
// durable when Remove returns.
func (s *Store) Remove(ctx context.Context, name string) error {
	p, err := s.begin(ctx, "remove", name, true)
	if err != nil {
		return err
	}
	if err := s.fs.Remove(p); err != nil {
		return fmt.Errorf("localstore: remove %s: %w", p, osErr(err))
	}
	if err := s.fs.SyncDir(s.dir); err != nil {
		return fmt.Errorf("localstore: remove %s: sync directory: %w", p, osErr(err))
	}
	s.log.Debug("localstore: removed", "path", p)
	return nil
}

// Close releases the lock. Writers should be closed first; any still open
// are closed here (synced, so nothing written is lost) before the lock is
// released, and the first error is returned. Close is safe to call twice.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.state == closed {
		s.mu.Unlock()
		return nil
	}
	leftover := s.writers
	s.writers = nil
	lk := s.lock
	s.lock, s.state = nil, closed
	s.mu.Unlock()

	var first error
	for w := range leftover {
		s.log.Debug("localstore: closing a writer left open", "path", w.path)
		if err := w.Close(); err != nil && first == nil {
			first = err
		}
	}
	if lk != nil {
		if err := lk.Close(); err != nil && first == nil {
			first = fmt.Errorf("localstore: unlock %s: %w", s.path, osErr(err))
		}
		s.log.Debug("localstore: unlocked", "path", s.path)
	}
	return first
}

func (s *Store) forget(w *writer) {
	s.mu.Lock()
	delete(s.writers, w)
	s.mu.Unlock()
}
