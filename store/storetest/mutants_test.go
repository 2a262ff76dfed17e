package storetest_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"sync"

	"github.com/prevayler-go/prevayler/store"
)

// A mutant is a memory store with one promise broken, and the subtest of
// the suite that must catch it.
type mutant struct {
	name     string
	subtest  string // as in the -run flag, below the suite's test
	takeover bool
	wrap     func(store.Store) store.Store
}

var mutants = []mutant{
	{name: "LockNotExclusive", subtest: "Lock/Exclusive", wrap: func(s store.Store) store.Store {
		return &lockNotExclusive{Store: s}
	}},
	{name: "NoFencing", subtest: "Lock/Takeover", takeover: true, wrap: func(s store.Store) store.Store {
		return &noFencing{Store: s}
	}},
	{name: "CreateOverwrites", subtest: "Create/ExistingFails", wrap: func(s store.Store) store.Store {
		return &createOverwrites{Store: s}
	}},
	{name: "DropsLastByte", subtest: "RoundTrip/Big", wrap: func(s store.Store) store.Store {
		return &dropsLastByte{Store: s}
	}},
	{name: "RenameKeepsTarget", subtest: "Rename/ReplacesTarget", wrap: func(s store.Store) store.Store {
		return &renameKeepsTarget{Store: s}
	}},
	{name: "PlainNotExist", subtest: "NotExist", wrap: func(s store.Store) store.Store {
		return &plainNotExist{Store: s}
	}},
	{name: "ListHidesTemp", subtest: "List/NamesAndSizes", wrap: func(s store.Store) store.Store {
		return &listHidesTemp{Store: s}
	}},
	{name: "UsableAfterClose", subtest: "Close/StoreErrClosed", wrap: func(s store.Store) store.Store {
		return &usableAfterClose{Store: s}
	}},
	{name: "IgnoresContext", subtest: "CanceledContext", wrap: func(s store.Store) store.Store {
		return &ignoresContext{Store: s}
	}},
	{name: "WriterUsableAfterClose", subtest: "Close/WriterErrClosed", wrap: func(s store.Store) store.Store {
		return &writerUsableAfterClose{Store: s}
	}},
	{name: "SecondCloseFails", subtest: "Close/Twice", wrap: func(s store.Store) store.Store {
		return &secondCloseFails{Store: s}
	}},
	{name: "RemoveNotDone", subtest: "Remove", wrap: func(s store.Store) store.Store {
		return &removeNotDone{Store: s}
	}},
}

type lockNotExclusive struct{ store.Store }

func (s *lockNotExclusive) Lock(ctx context.Context) error {
	if err := s.Store.Lock(ctx); err != nil && !errors.Is(err, store.ErrLocked) {
		return err
	}
	return nil
}

type noFencing struct{ store.Store }

func (s *noFencing) Rename(ctx context.Context, oldname, newname string) error {
	if err := s.Store.Rename(ctx, oldname, newname); !errors.Is(err, store.ErrFenced) {
		return err
	}
	return nil
}

type createOverwrites struct{ store.Store }

func (s *createOverwrites) Create(ctx context.Context, name string) (store.Writer, error) {
	s.Store.Remove(ctx, name)
	return s.Store.Create(ctx, name)
}

type dropsLastByte struct{ store.Store }

func (s *dropsLastByte) Create(ctx context.Context, name string) (store.Writer, error) {
	w, err := s.Store.Create(ctx, name)
	return dropWriter{w}, err
}

type dropWriter struct{ store.Writer }

func (w dropWriter) Write(p []byte) (int, error) {
	if len(p) > 64<<10 {
		if _, err := w.Writer.Write(p[:len(p)-1]); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return w.Writer.Write(p)
}

type renameKeepsTarget struct{ store.Store }

func (s *renameKeepsTarget) Rename(ctx context.Context, oldname, newname string) error {
	if r, err := s.Store.Open(ctx, newname); err == nil {
		r.Close()
		return fs.ErrExist
	}
	return s.Store.Rename(ctx, oldname, newname)
}

type plainNotExist struct{ store.Store }

func (s *plainNotExist) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	r, err := s.Store.Open(ctx, name)
	if errors.Is(err, store.ErrNotExist) {
		return nil, errors.New("no such file")
	}
	return r, err
}

type listHidesTemp struct{ store.Store }

func (s *listHidesTemp) List(ctx context.Context) ([]store.FileInfo, error) {
	files, err := s.Store.List(ctx)
	var kept []store.FileInfo
	for _, f := range files {
		if !strings.HasPrefix(f.Name, store.TempPrefix) {
			kept = append(kept, f)
		}
	}
	return kept, err
}

type usableAfterClose struct {
	store.Store
	mu     sync.Mutex
	closed bool
}

func (s *usableAfterClose) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return s.Store.Close()
}

func (s *usableAfterClose) List(ctx context.Context) ([]store.FileInfo, error) {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil, nil
	}
	return s.Store.List(ctx)
}

type ignoresContext struct{ store.Store }

func (s *ignoresContext) Rename(_ context.Context, oldname, newname string) error {
	return s.Store.Rename(context.Background(), oldname, newname)
}

type removeNotDone struct{ store.Store }

func (s *removeNotDone) Remove(ctx context.Context, name string) error {
	if r, err := s.Store.Open(ctx, name); err == nil {
		r.Close()
		return nil
	}
	return s.Store.Remove(ctx, name)
}

type writerUsableAfterClose struct{ store.Store }

func (s *writerUsableAfterClose) Create(ctx context.Context, name string) (store.Writer, error) {
	w, err := s.Store.Create(ctx, name)
	return &lateWriter{Writer: w}, err
}

// lateWriter pretends to accept writes after Close.
type lateWriter struct {
	store.Writer
	closed bool
}

func (w *lateWriter) Write(p []byte) (int, error) {
	if w.closed {
		return len(p), nil
	}
	return w.Writer.Write(p)
}

func (w *lateWriter) Close() error {
	w.closed = true
	return w.Writer.Close()
}

type secondCloseFails struct {
	store.Store
	closes int
}

func (s *secondCloseFails) Close() error {
	s.closes++
	if s.closes > 1 {
		return errors.New("closed twice")
	}
	return s.Store.Close()
}
