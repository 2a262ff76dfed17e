package localstore

import (
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prevayler-go/prevayler/store"
)

func newLocked(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal")
	s := New(path)
	if err := s.Lock(t.Context()); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestNamesAreSuffixesOfThePath(t *testing.T) {
	s, path := newLocked(t)
	for _, name := range []string{store.Journal, store.Backup, store.ArchivePrefix + "20240101T000000.000000000Z", store.TempPrefix + "1"} {
		w, err := s.Create(t.Context(), name)
		if err != nil {
			t.Fatalf("Create(%q): %v", name, err)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		info, err := os.Stat(path + name)
		if err != nil {
			t.Fatalf("Create(%q) did not make %s: %v", name, path+name, err)
		}
		// 0o644 as asked; the umask may only take bits away.
		if perm := info.Mode().Perm(); perm&^0o644 != 0 || perm&0o600 != 0o600 {
			t.Fatalf("mode of %s = %v, want 0644 (less the umask)", path+name, perm)
		}
	}
	if s.Path() != path {
		t.Fatalf("Path() = %q, want %q", s.Path(), path)
	}
}

func TestListOnlyThisJournal(t *testing.T) {
	s, path := newLocked(t)
	dir := filepath.Dir(path)
	mine := []string{"journal", "journal.backup", "journal.backup-20240101T000000.000000000Z", "journal.tmp-7"}
	others := []string{"journal2", "journal2.backup", "journal.bak", "journal.backup-", "journal.tmp-", "journal.old", "other", "xjournal"}
	for _, n := range append(slices.Clone(mine), others...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "journal.tmp-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	files, err := s.List(t.Context())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var got []string
	for _, f := range files {
		got = append(got, "journal"+f.Name)
		if f.Size != int64(len("journal"+f.Name)) {
			t.Errorf("size of %q = %d, want %d", f.Name, f.Size, len("journal"+f.Name))
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, mine) {
		t.Fatalf("List = %q, want %q (the lock file %q, other journals and directories excluded)", got, mine, "journal.lock")
	}
}

func TestListMissingDirectory(t *testing.T) {
	s := New(filepath.Join(t.TempDir(), "not", "yet", "journal"))
	files, err := s.List(t.Context())
	if err != nil || len(files) != 0 {
		t.Fatalf("List of a missing directory = %v, %v; want nothing", files, err)
	}
}

func TestInvalidNames(t *testing.T) {
	s, path := newLocked(t)
	ctx := t.Context()
	if err := os.WriteFile(path, []byte("j"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{".lock", "x", "2", ".bak", "/../x", ".tmp-", ".backup-", ".tmp-a/b", ".tmp-../../x", `.backup-a\b`, ".tmp-\x00"} {
		if w, err := s.Create(ctx, name); err == nil {
			w.Close()
			t.Errorf("Create(%q) succeeded", name)
		}
		if r, err := s.Open(ctx, name); err == nil {
			r.Close()
			t.Errorf("Open(%q) succeeded", name)
		}
		if err := s.Rename(ctx, store.Journal, name); err == nil {
			t.Fatalf("Rename to %q succeeded", name)
		}
		if err := s.Remove(ctx, name); err == nil {
			t.Errorf("Remove(%q) succeeded", name)
		}
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("directory holds %d entries after invalid calls, want the journal and its lock", len(entries))
	}
}

func TestBadPath(t *testing.T) {
	for _, path := range []string{"", ".", "..", "dir/", "/"} {
		s := New(path)
		if err := s.Lock(t.Context()); err == nil {
			s.Close()
			t.Errorf("Lock with path %q succeeded", path)
		}
		if _, err := s.List(t.Context()); err == nil {
			t.Errorf("List with path %q succeeded", path)
		}
	}
}

func TestBeforeLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	if err := os.WriteFile(path, []byte("j"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := New(path)
	defer s.Close()
	ctx := t.Context()
	_, err := s.Create(ctx, store.TempPrefix+"x")
	for what, err := range map[string]error{
		"Create": err,
		"Rename": s.Rename(ctx, store.Journal, store.Backup),
		"Remove": s.Remove(ctx, store.Journal),
	} {
		if !errors.Is(err, errNotLocked) || !strings.Contains(err.Error(), "Lock") {
			t.Errorf("%s before Lock = %v, want a clear error matching errNotLocked", what, err)
		}
	}
	if err := s.Lock(ctx); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	if err := s.Lock(ctx); err == nil || errors.Is(err, store.ErrLocked) {
		t.Fatalf("second Lock on the same store = %v, want a misuse error, not ErrLocked", err)
	}
}

func TestErrorsMatchSentinels(t *testing.T) {
	s, path := newLocked(t)
	ctx := t.Context()
	w, err := s.Create(ctx, store.Journal)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	w.Close()
	_, err = s.Create(ctx, store.Journal)
	if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Create of an existing file = %v, want fs.ErrExist naming %s", err, path)
	}
	other := New(path)
	defer other.Close()
	err = other.Lock(ctx)
	if !errors.Is(err, store.ErrLocked) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second Store's Lock = %v, want ErrLocked naming %s", err, path)
	}
	_, err = s.Open(ctx, store.Backup)
	if !errors.Is(err, store.ErrNotExist) || !os.IsNotExist(errors.Unwrap(err)) || !strings.HasPrefix(err.Error(), "localstore: open ") {
		t.Fatalf("Open of a missing file = %v", err)
	}
}

func TestCloseClosesLeftoverWriters(t *testing.T) {
	s, path := newLocked(t)
	w, err := s.Create(t.Context(), store.Journal)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, err := w.Write([]byte("kept")); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close with a writer open: %v", err)
	}
	if _, err := w.Write([]byte("late")); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Write after the store closed = %v, want ErrClosed", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("writer Close after the store closed it = %v, want what the first Close returned (nil)", err)
	}
	if got := fileContent(t, path); got != "kept" {
		t.Fatalf("journal holds %q, want %q", got, "kept")
	}
	// The lock is free, and its file stays.
	again := New(path)
	defer again.Close()
	if err := again.Lock(t.Context()); err != nil {
		t.Fatalf("Lock after Close: %v", err)
	}
	if _, err := os.Stat(path + ".lock"); err != nil {
		t.Fatalf("lock file: %v", err)
	}
}

func TestOpenReturnsTheFile(t *testing.T) {
	s, path := newLocked(t)
	if err := os.WriteFile(path, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := s.Open(t.Context(), store.Journal)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	// Callers may seek past a header they already checked.
	seeker, ok := r.(io.Seeker)
	if !ok {
		t.Fatalf("Open returned %T, not a file", r)
	}
	if _, err := seeker.Seek(5, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(r); string(b) != "56789" {
		t.Fatalf("read after Seek = %q", b)
	}
}

func TestLogger(t *testing.T) {
	var buf strings.Builder
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	path := filepath.Join(t.TempDir(), "journal")
	s := NewWithOptions(path, Options{Logger: log})
	ctx := t.Context()
	if err := s.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := s.Create(ctx, store.TempPrefix+"1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Rename(ctx, store.TempPrefix+"1", store.Journal); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // w is still open: Close says so
		t.Fatal(err)
	}
	if _, err := w.Write(nil); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("Write after Close = %v", err)
	}
	for _, want := range []string{"localstore: locked", "localstore: created", "localstore: renamed", "localstore: closing a writer left open", "localstore: unlocked"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, buf.String())
		}
	}
}
