package crashfs

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/storetest"
)

const testDir = "/data"

func newFS(t *testing.T) *FS {
	t.Helper()
	f := New()
	if err := f.MkdirAll(testDir, 0o755); err != nil {
		t.Fatal(err)
	}
	return f
}

func create(t *testing.T, f *FS, name string) localstore.File {
	t.Helper()
	fl, err := f.OpenFile(filepath.Join(testDir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return fl
}

func write(t *testing.T, fl localstore.File, s string) {
	t.Helper()
	if _, err := fl.Write([]byte(s)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// content returns the live content of name, or "<missing>".
func content(f *FS, name string) string {
	b, ok := f.ReadFile(filepath.Join(testDir, name))
	if !ok {
		return "<missing>"
	}
	return string(b)
}

func names(t *testing.T, f *FS) []string {
	t.Helper()
	es, err := f.ReadDir(testDir)
	must(t, err)
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestUnsyncedBytesPerModel(t *testing.T) {
	tests := []struct {
		opts CrashOptions
		want string
	}{
		{CrashOptions{}, "synced"},
		{CrashOptions{Unsynced: KeepAll}, "synced+more"},
		{CrashOptions{Unsynced: KeepHalf}, "synced+m"},
		{CrashOptions{Unsynced: KeepAllButLast}, "synced+mor"},
		{CrashOptions{Unsynced: HoleThenTail}, "synced\x00\x00ore"},
	}
	for _, tt := range tests {
		f := newFS(t)
		fl := create(t, f, "j")
		must(t, f.SyncDir(testDir))
		write(t, fl, "synced")
		must(t, fl.Sync())
		write(t, fl, "+more")
		f.Crash(tt.opts)
		if got := content(f, "j"); got != tt.want {
			t.Errorf("after crash: %q, want %q", got, tt.want)
		}
	}
}

func TestGarbageReplacesTheUnsyncedBytes(t *testing.T) {
	a := Garbage("p", []byte("0123456789abcdef"))
	b := Garbage("p", []byte("0123456789abcdef"))
	if !bytes.Equal(a, b) || len(a) != 16 || string(a) == "0123456789abcdef" {
		t.Fatalf("garbage %q and %q: want 16 equal bytes unlike the input", a, b)
	}
}

// A file whose creation was not followed by SyncDir disappears, with its
// synced bytes.
func TestCreationNeedsDirectorySync(t *testing.T) {
	f := newFS(t)
	fl := create(t, f, "new")
	write(t, fl, "data")
	must(t, fl.Sync())
	f.Crash(CrashOptions{Unsynced: KeepAll})
	if got := content(f, "new"); got != "<missing>" {
		t.Fatalf("file created without a directory sync: %q after a power loss", got)
	}

	f = newFS(t)
	create(t, f, "kept")
	f.Crash(CrashOptions{DirOps: AllDirOps})
	if got := content(f, "kept"); got != "" {
		t.Fatalf("creation kept by the model: %q", got)
	}
}

// Unsynced renames and removals roll back; the older half survives with
// HalfDirOps.
func TestDirectoryChangesRollBackInOrder(t *testing.T) {
	setup := func() *FS {
		f := newFS(t)
		a := create(t, f, "a")
		write(t, a, "A")
		must(t, a.Sync())
		must(t, f.SyncDir(testDir))
		must(t, f.Rename(filepath.Join(testDir, "a"), filepath.Join(testDir, "b"))) // 1
		must(t, f.Remove(filepath.Join(testDir, "b")))                              // 2
		create(t, f, "c")                                                           // 3
		create(t, f, "d")                                                           // 4
		return f
	}
	tests := []struct {
		ops  func(string, int) int
		want []string
	}{
		{nil, []string{"a"}},
		{HalfDirOps, nil},
		{func(string, int) int { return 1 }, []string{"b"}},
		{AllDirOps, []string{"c", "d"}},
	}
	for _, tt := range tests {
		f := setup()
		f.Crash(CrashOptions{DirOps: tt.ops})
		if got := names(t, f); !slices.Equal(got, tt.want) {
			t.Errorf("after crash: %v, want %v", got, tt.want)
		}
	}
	f := setup()
	must(t, f.SyncDir(testDir))
	f.Crash(CrashOptions{})
	if got := names(t, f); !slices.Equal(got, []string{"c", "d"}) {
		t.Errorf("after a directory sync and a crash: %v", got)
	}
}

func TestCrashKillsFilesAndFreesLocks(t *testing.T) {
	f := newFS(t)
	fl := create(t, f, "j")
	lock := filepath.Join(testDir, "j.lock")
	if _, err := f.Lock(lock); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Lock(lock); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second lock: %v, want ErrLocked", err)
	}
	f.Crash(CrashOptions{})
	if _, err := fl.Write([]byte("x")); !errors.Is(err, ErrCrashed) {
		t.Fatalf("write to a file opened before the crash: %v", err)
	}
	if _, err := f.Lock(lock); err != nil {
		t.Fatalf("lock after the crash: %v", err)
	}
}

func TestHooks(t *testing.T) {
	f := newFS(t)
	f.SetHook(FailNth(Write, 2, Fault{Err: syscall.ENOSPC, Keep: 3}))
	fl := create(t, f, "j")
	write(t, fl, "first|")
	n, err := fl.Write([]byte("second"))
	if n != 3 || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("torn write = %d, %v; want 3, ENOSPC", n, err)
	}
	if got := content(f, "j"); got != "first|sec" {
		t.Fatalf("after a torn write: %q", got)
	}
	if fs := f.Faults(); len(fs) != 1 || fs[0].Kind != Write || fs[0].N != 2 {
		t.Fatalf("faults: %v", fs)
	}

	f.SetHook(CrashAt(f.Calls() + 2))
	write(t, fl, "x") // the call before the crash point
	if _, err := fl.Write([]byte("y")); !errors.Is(err, ErrCrashed) {
		t.Fatalf("write at the crash point: %v", err)
	}
	if err := fl.Sync(); !errors.Is(err, ErrCrashed) {
		t.Fatalf("sync after the crash point: %v", err)
	}
	if got := content(f, "j"); got != "first|secx" {
		t.Fatalf("calls after the crash point changed the file: %q", got)
	}
	if !f.Reached(f.Calls()) || f.Reached(f.Calls()+1) {
		t.Fatal("Reached disagrees with Calls")
	}
}

func TestCloneIsIndependent(t *testing.T) {
	f := newFS(t)
	fl := create(t, f, "j")
	write(t, fl, "abc")
	c := f.Clone()
	write(t, fl, "def")
	c.Crash(CrashOptions{Unsynced: KeepAll, DirOps: AllDirOps})
	if got := content(c, "j"); got != "abc" {
		t.Fatalf("clone after a crash: %q, want abc", got)
	}
	if got := content(f, "j"); got != "abcdef" {
		t.Fatalf("original: %q", got)
	}
}

func TestErrorsMatchTheOperatingSystems(t *testing.T) {
	f := newFS(t)
	create(t, f, "j")
	if _, err := f.OpenFile(filepath.Join(testDir, "j"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644); !errors.Is(err, fs.ErrExist) {
		t.Errorf("exclusive create of an existing file: %v", err)
	}
	if _, err := f.OpenFile(filepath.Join(testDir, "none"), os.O_RDONLY, 0); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("open of a missing file: %v", err)
	}
	if err := f.Remove(filepath.Join(testDir, "none")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("remove of a missing file: %v", err)
	}
	if _, err := f.ReadDir("/elsewhere"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read of a missing directory: %v", err)
	}
	r, err := f.OpenFile(filepath.Join(testDir, "j"), os.O_RDONLY, 0)
	must(t, err)
	if b, err := io.ReadAll(r); err != nil || len(b) != 0 {
		t.Errorf("read of an empty file: %q, %v", b, err)
	}
}

// TestLocalstoreConformance runs the store conformance suite on localstore
// over crashfs, so the harness exercises a file system that localstore
// accepts as real.
func TestLocalstoreConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) func() store.Store {
			f := New()
			return func() store.Store {
				return localstore.NewWithOptions(filepath.Join(testDir, "journal"), localstore.Options{FS: f, Preallocate: 4096})
			}
		},
		ZeroTail: true,
	})
}
