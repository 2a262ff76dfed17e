package localstore

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/prevayler-go/prevayler/store"
)

// failNth fails the nth call of kind with err.
func failNth(kind string, nth int, err error) func(string, int) error {
	return func(k string, n int) error {
		if k == kind && n == nth {
			return err
		}
		return nil
	}
}

func newFaulty(t *testing.T, ffs *faultFS) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal")
	s := NewWithOptions(path, Options{FS: ffs})
	if err := s.Lock(t.Context()); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func fileContent(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}

// wantBroken checks that every later call of w returns the first error,
// even though the file system would now succeed.
func wantBroken(t *testing.T, w store.Writer, first error, target error) {
	t.Helper()
	if !errors.Is(first, target) {
		t.Fatalf("first error %v does not match %v", first, target)
	}
	if n, err := w.Write([]byte("more")); n != 0 || err != first {
		t.Fatalf("Write on a broken writer = %d, %v; want 0 and the first error", n, err)
	}
	if err := w.Sync(t.Context()); err != first {
		t.Fatalf("Sync on a broken writer = %v; want the first error", err)
	}
	if err := w.Close(); err != first {
		t.Fatalf("Close of a broken writer = %v; want the first error", err)
	}
	if err := w.Close(); err != first {
		t.Fatalf("second Close of a broken writer = %v; want the first error", err)
	}
}

func TestWriteFailureBreaksWriter(t *testing.T) {
	tests := []struct {
		name    string
		errno   error
		partial func(n int, p []byte) (int, error)
		target  error
		onDisk  string
	}{
		{name: "EIO", errno: syscall.EIO, target: syscall.EIO, onDisk: "ok:"},
		{name: "ENOSPC", errno: syscall.ENOSPC, target: syscall.ENOSPC, onDisk: "ok:"},
		{name: "ShortWrite", partial: func(n int, p []byte) (int, error) {
			if n == 2 {
				return len(p) / 2, nil
			}
			return len(p), nil
		}, target: io.ErrShortWrite, onDisk: "ok:rec"},
		{name: "ShortWriteENOSPC", partial: func(n int, p []byte) (int, error) {
			if n == 2 {
				return 2, syscall.ENOSPC
			}
			return len(p), nil
		}, target: syscall.ENOSPC, onDisk: "ok:re"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ffs := &faultFS{partial: tt.partial}
			if tt.errno != nil {
				ffs.fail = failNth("write", 2, tt.errno)
			}
			s, path := newFaulty(t, ffs)
			w, err := s.Create(t.Context(), store.Journal)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if _, err := w.Write([]byte("ok:")); err != nil {
				t.Fatalf("first Write: %v", err)
			}
			n, err := w.Write([]byte("record"))
			if n != 0 || err == nil {
				t.Fatalf("failing Write = %d, %v; want 0 and an error", n, err)
			}
			wantBroken(t, w, err, tt.target)
			// No later write reached the file: the torn record stays last.
			if got := fileContent(t, path); got != tt.onDisk {
				t.Fatalf("file holds %q, want %q", got, tt.onDisk)
			}
			if got := ffs.count("write"); got != 2 {
				t.Fatalf("%d writes reached the file system, want 2 (no retry)", got)
			}
		})
	}
}

func TestSyncFailureBreaksWriter(t *testing.T) {
	ffs := &faultFS{fail: failNth("sync", 2, syscall.EIO)}
	s, _ := newFaulty(t, ffs)
	w, err := s.Create(t.Context(), store.Journal)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	for i := 1; i <= 2; i++ {
		if _, err := w.Write([]byte("x")); err != nil {
			t.Fatalf("Write %d: %v", i, err)
		}
		err = w.Sync(t.Context())
		if i == 1 && err != nil {
			t.Fatalf("first Sync: %v", err)
		}
	}
	wantBroken(t, w, err, syscall.EIO)
	// A second fsync could succeed over pages the kernel already dropped;
	// the writer must never try.
	if got := ffs.count("sync"); got != 2 {
		t.Fatalf("%d fsyncs, want 2", got)
	}
}

func TestFirstSyncSyncsDirectory(t *testing.T) {
	ffs := &faultFS{}
	s, _ := newFaulty(t, ffs)
	ctx := t.Context()
	w, err := s.Create(ctx, store.TempPrefix+"a")
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	steps := []struct {
		do   func() error
		want int
	}{
		{func() error { return nil }, 0},
		{func() error { return w.Sync(ctx) }, 1},
		{func() error { return w.Sync(ctx) }, 1},
		{func() error { return w.Close() }, 1},
	}
	for i, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := ffs.count("syncdir"); got != st.want {
			t.Fatalf("after step %d: %d directory syncs, want %d", i, got, st.want)
		}
	}
	// Close alone, with no Sync before, also makes the creation durable.
	w, err = s.Create(ctx, store.TempPrefix+"b")
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := ffs.count("syncdir"); got != 2 {
		t.Fatalf("after Close without Sync: %d directory syncs, want 2", got)
	}
}

func TestDirectorySyncFailureBreaksWriter(t *testing.T) {
	ffs := &faultFS{fail: failNth("syncdir", 1, syscall.EIO)}
	s, _ := newFaulty(t, ffs)
	w, err := s.Create(t.Context(), store.Journal)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	wantBroken(t, w, w.Sync(t.Context()), syscall.EIO)
}

func TestRenameAndRemoveSyncDirectory(t *testing.T) {
	ffs := &faultFS{}
	s, path := newFaulty(t, ffs)
	ctx := t.Context()
	w, err := s.Create(ctx, store.TempPrefix+"a")
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	before := ffs.count("syncdir")
	if err := s.Rename(ctx, store.TempPrefix+"a", store.Journal); err != nil {
		t.Fatalf("Rename: %v", err)
	}
	if got := ffs.count("syncdir") - before; got != 1 {
		t.Fatalf("Rename did %d directory syncs, want 1", got)
	}
	if err := s.Remove(ctx, store.Journal); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if got := ffs.count("syncdir") - before; got != 2 {
		t.Fatalf("Rename and Remove did %d directory syncs, want 2", got)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("journal after Remove: %v", err)
	}
}

func TestFailuresAreReported(t *testing.T) {
	tests := []struct {
		kind string
		do   func(t *testing.T, s *Store) error
	}{
		{"open", func(t *testing.T, s *Store) error {
			_, err := s.Create(t.Context(), store.TempPrefix+"x")
			return err
		}},
		{"rename", func(t *testing.T, s *Store) error { return s.Rename(t.Context(), store.Journal, store.Backup) }},
		{"remove", func(t *testing.T, s *Store) error { return s.Remove(t.Context(), store.Journal) }},
		{"syncdir", func(t *testing.T, s *Store) error { return s.Rename(t.Context(), store.Journal, store.Backup) }},
		{"read", func(t *testing.T, s *Store) error {
			r, err := s.Open(t.Context(), store.Journal)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer r.Close()
			_, err = io.ReadAll(r)
			return err
		}},
	}
	for _, tt := range tests {
		for _, errno := range []syscall.Errno{syscall.EIO, syscall.ENOSPC} {
			t.Run(tt.kind+"/"+errno.Error(), func(t *testing.T) {
				ffs := &faultFS{}
				s, path := newFaulty(t, ffs)
				if err := os.WriteFile(path, []byte("j"), 0o644); err != nil {
					t.Fatal(err)
				}
				ffs.fail = failNth(tt.kind, ffs.count(tt.kind)+1, errno)
				if err := tt.do(t, s); !errors.Is(err, errno) {
					t.Fatalf("got %v, want an error matching %v", err, errno)
				}
			})
		}
	}
}

func TestLockFailures(t *testing.T) {
	for _, kind := range []string{"mkdir", "lock"} {
		t.Run(kind, func(t *testing.T) {
			ffs := &faultFS{fail: failNth(kind, 1, syscall.EACCES)}
			s := NewWithOptions(filepath.Join(t.TempDir(), "journal"), Options{FS: ffs})
			defer s.Close()
			if err := s.Lock(t.Context()); !errors.Is(err, syscall.EACCES) {
				t.Fatalf("Lock = %v, want EACCES", err)
			}
			// A failed Lock leaves the store unlocked, and it may try again.
			if _, err := s.Create(t.Context(), store.Journal); !errors.Is(err, errNotLocked) {
				t.Fatalf("Create after a failed Lock = %v, want errNotLocked", err)
			}
			if err := s.Lock(t.Context()); err != nil {
				t.Fatalf("second Lock: %v", err)
			}
		})
	}
}
