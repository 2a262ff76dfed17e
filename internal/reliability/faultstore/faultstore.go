package faultstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/prevayler-go/prevayler/store"
)

// OpKind is the kind of a store operation.
type OpKind int

// The operations a Store passes to its hook. Reads from a reader returned
// by Open are not operations.
const (
	Lock OpKind = iota + 1
	List
	Open
	Create
	Write
	Sync
	Rename
	Remove
	Close       // Store.Close
	WriterClose // Writer.Close
)

var kindNames = [...]string{"", "Lock", "List", "Open", "Create", "Write", "Sync", "Rename", "Remove", "Close", "WriterClose"}

func (k OpKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("OpKind(%d)", int(k))
}

// Op describes one operation, given to the hook before it is performed.
type Op struct {
	Kind OpKind
	// Name is the file: for Write, Sync and WriterClose, the name the file
	// was created with (renames are not followed); for Rename, the old
	// name; empty for Lock, List and Close.
	Name string
	To   string // Rename only: the new name
	N    int    // 1-based count of all ops so far on this Store and its writers
}

// String names the operation and its file; the journal's own name is
// the empty string, so it shows as "".
func (op Op) String() string {
	switch op.Kind {
	case Rename:
		return fmt.Sprintf("#%d %v %q to %q", op.N, op.Kind, op.Name, op.To)
	case Lock, List, Close:
		return fmt.Sprintf("#%d %v", op.N, op.Kind)
	}
	return fmt.Sprintf("#%d %v %q", op.N, op.Kind, op.Name)
}

// ErrInjected is a ready-made error for hooks to return.
var ErrInjected = errors.New("injected fault")

// ErrPartial, returned by the hook for a Write (or wrapped in what it
// returns), tears the write: the first half of the buffer is written to
// the wrapped store, then Write returns 0 and the hook's error. The
// writer stays usable, unlike a real store's; a caller that writes again
// after a failed write therefore leaves a torn record in the middle of the
// file, which a reader reports as corruption.
var ErrPartial = errors.New("partial write")

// Store wraps a store.Store and its writers; it calls a hook before every
// operation and fails the operation, without performing it, if the hook
// returns an error. It is safe for concurrent use if the wrapped store and
// the hook are.
type Store struct {
	s    store.Store
	hook func(Op) error
	n    atomic.Int64
}

var _ store.Store = (*Store)(nil)

// New wraps s. A nil hook injects nothing; Count still counts.
func New(s store.Store, hook func(Op) error) *Store {
	return &Store{s: s, hook: hook}
}

// Count returns the number of operations so far, failed ones included.
func (s *Store) Count() int { return int(s.n.Load()) }

// before numbers op and asks the hook about it.
func (s *Store) before(op Op) error {
	op.N = int(s.n.Add(1))
	if s.hook == nil {
		return nil
	}
	if err := s.hook(op); err != nil {
		return fmt.Errorf("faultstore: %v: %w", op, err)
	}
	return nil
}

// Lock calls the hook, then the wrapped Lock.
func (s *Store) Lock(ctx context.Context) error {
	if err := s.before(Op{Kind: Lock}); err != nil {
		return err
	}
	return s.s.Lock(ctx)
}

// List calls the hook, then the wrapped List.
func (s *Store) List(ctx context.Context) ([]store.FileInfo, error) {
	if err := s.before(Op{Kind: List}); err != nil {
		return nil, err
	}
	return s.s.List(ctx)
}

// Open calls the hook, then the wrapped Open.
func (s *Store) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := s.before(Op{Kind: Open, Name: name}); err != nil {
		return nil, err
	}
	return s.s.Open(ctx, name)
}

// Create calls the hook, then the wrapped Create, and wraps the writer.
// The writer implements store.Throttle if the wrapped one does.
func (s *Store) Create(ctx context.Context, name string) (store.Writer, error) {
	if err := s.before(Op{Kind: Create, Name: name}); err != nil {
		return nil, err
	}
	w, err := s.s.Create(ctx, name)
	if err != nil {
		return nil, err
	}
	fw := &writer{s: s, w: w, name: name}
	if t, ok := w.(store.Throttle); ok {
		return &throttledWriter{fw, t}, nil
	}
	return fw, nil
}

// Rename calls the hook, then the wrapped Rename.
func (s *Store) Rename(ctx context.Context, oldname, newname string) error {
	if err := s.before(Op{Kind: Rename, Name: oldname, To: newname}); err != nil {
		return err
	}
	return s.s.Rename(ctx, oldname, newname)
}

// Remove calls the hook, then the wrapped Remove.
func (s *Store) Remove(ctx context.Context, name string) error {
	if err := s.before(Op{Kind: Remove, Name: name}); err != nil {
		return err
	}
	return s.s.Remove(ctx, name)
}

// Close calls the hook, then the wrapped Close. A failed Close leaves the
// wrapped store open (and locked): close it directly to clean up.
func (s *Store) Close() error {
	if err := s.before(Op{Kind: Close}); err != nil {
		return err
	}
	return s.s.Close()
}

type writer struct {
	s    *Store
	w    store.Writer
	name string
}

func (w *writer) Write(p []byte) (int, error) {
	if err := w.s.before(Op{Kind: Write, Name: w.name}); err != nil {
		if errors.Is(err, ErrPartial) {
			if _, werr := w.w.Write(p[:len(p)/2]); werr != nil {
				err = errors.Join(err, werr)
			}
		}
		return 0, err
	}
	return w.w.Write(p)
}

func (w *writer) Sync(ctx context.Context) error {
	if err := w.s.before(Op{Kind: Sync, Name: w.name}); err != nil {
		return err
	}
	return w.w.Sync(ctx)
}

func (w *writer) Close() error {
	if err := w.s.before(Op{Kind: WriterClose, Name: w.name}); err != nil {
		return err
	}
	return w.w.Close()
}

type throttledWriter struct {
	*writer
	t store.Throttle
}

func (w *throttledWriter) Wait(ctx context.Context) error { return w.t.Wait(ctx) }
