package memstore_test

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/memstore"
)

func lock(t *testing.T, s *memstore.Store) *memstore.Store {
	t.Helper()
	if err := s.Lock(t.Context()); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	return s
}

func create(t *testing.T, s store.Store, name string) store.Writer {
	t.Helper()
	w, err := s.Create(t.Context(), name)
	if err != nil {
		t.Fatalf("Create(%q): %v", name, err)
	}
	return w
}

func write(t *testing.T, w store.Writer, data string) {
	t.Helper()
	if _, err := w.Write([]byte(data)); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func syncW(t *testing.T, w store.Writer) {
	t.Helper()
	if err := w.Sync(t.Context()); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

func wantFiles(t *testing.T, s *memstore.Store, want map[string]string) {
	t.Helper()
	got := s.Files()
	if len(got) != len(want) {
		t.Fatalf("files = %q, want %q", got, want)
	}
	for name, data := range want {
		if g, ok := got[name]; !ok || string(g) != data {
			t.Fatalf("files = %q, want %q", got, want)
		}
	}
}

func TestReopenSharesFilesAndLock(t *testing.T) {
	a := lock(t, memstore.New())
	w := create(t, a, store.Journal)
	write(t, w, "abc")
	b := a.Reopen()
	if err := b.Lock(t.Context()); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("Lock on a second handle = %v, want ErrLocked", err)
	}
	r, err := b.Open(t.Context(), store.Journal)
	if err != nil {
		t.Fatalf("Open on the second handle: %v", err)
	}
	if got, _ := io.ReadAll(r); string(got) != "abc" {
		t.Fatalf("second handle reads %q", got)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	lock(t, b)
}

func TestCrash(t *testing.T) {
	tests := []struct {
		name string
		keep func(string, []byte) []byte
		want map[string]string
	}{
		{"DropUnsynced", nil, map[string]string{"": "synced", ".backup": "closed"}},
		{"TornTail", func(_ string, b []byte) []byte { return b[:len(b)/2] }, map[string]string{"": "synced+uns", ".backup": "closed"}},
		{"Garbage", func(_ string, b []byte) []byte { return bytes.Repeat([]byte{0}, len(b)) }, map[string]string{"": "synced\x00\x00\x00\x00\x00\x00\x00\x00\x00", ".backup": "closed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := lock(t, memstore.New())
			j := create(t, mem, store.Journal)
			write(t, j, "synced")
			syncW(t, j)
			write(t, j, "+unsynced")

			b := create(t, mem, store.TempPrefix+"b")
			write(t, b, "closed")
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			// Renames are durable at once, whatever the file's data.
			if err := mem.Rename(t.Context(), store.TempPrefix+"b", store.Backup); err != nil {
				t.Fatal(err)
			}
			// Never synced: the creation itself is lost, rename or not.
			n := create(t, mem, store.TempPrefix+"never")
			write(t, n, "x")
			if err := mem.Rename(t.Context(), store.TempPrefix+"never", store.TempPrefix+"renamed"); err != nil {
				t.Fatal(err)
			}
			// Removed: stays removed.
			rm := create(t, mem, store.TempPrefix+"rm")
			syncW(t, rm)
			if err := mem.Remove(t.Context(), store.TempPrefix+"rm"); err != nil {
				t.Fatal(err)
			}

			mem.Crash(memstore.CrashOptions{KeepUnsynced: tt.keep})
			wantFiles(t, mem, tt.want)

			// Every handle and writer is dead, and the lock is free.
			if _, err := j.Write([]byte("zombie")); !errors.Is(err, store.ErrClosed) {
				t.Fatalf("Write after Crash = %v, want ErrClosed", err)
			}
			if err := j.Sync(t.Context()); !errors.Is(err, store.ErrClosed) {
				t.Fatalf("Sync after Crash = %v, want ErrClosed", err)
			}
			if _, err := mem.List(t.Context()); !errors.Is(err, store.ErrClosed) {
				t.Fatalf("List after Crash = %v, want ErrClosed", err)
			}
			if _, err := mem.Create(t.Context(), store.TempPrefix+"z"); !errors.Is(err, store.ErrClosed) {
				t.Fatalf("Create after Crash = %v, want ErrClosed", err)
			}
			if err := mem.Close(); err != nil {
				t.Fatalf("Close of a dead handle: %v", err)
			}
			next := lock(t, mem.Reopen())
			w := create(t, next, store.TempPrefix+"after")
			write(t, w, "ok")
			syncW(t, w)
			// What survived is synced now: a second crash keeps it.
			next.Crash(memstore.CrashOptions{})
			want := map[string]string{store.TempPrefix + "after": "ok"}
			for k, v := range tt.want {
				want[k] = v
			}
			wantFiles(t, next, want)
		})
	}
}

func TestKeepUnsyncedSeesOnlyUnsynced(t *testing.T) {
	mem := lock(t, memstore.New())
	j := create(t, mem, store.Journal)
	write(t, j, "a")
	syncW(t, j)
	write(t, j, "bc")
	clean := create(t, mem, store.Backup)
	syncW(t, clean)
	calls := map[string]string{}
	mem.Crash(memstore.CrashOptions{KeepUnsynced: func(name string, b []byte) []byte {
		calls[name] = string(b)
		b[0] = 'X' // its own copy
		return b
	}})
	if len(calls) != 1 || calls[store.Journal] != "bc" {
		t.Fatalf("KeepUnsynced calls = %q, want only the journal with %q", calls, "bc")
	}
	wantFiles(t, mem, map[string]string{"": "aXc", ".backup": ""})
}

func TestSetFile(t *testing.T) {
	mem := lock(t, memstore.New())
	w := create(t, mem, store.Journal)
	write(t, w, "original")
	mem.SetFile(store.Journal, []byte("planted"))
	write(t, w, "+more")
	mem.SetFile(store.Backup, []byte("new file"))
	// Planted bytes count as synced.
	mem.Crash(memstore.CrashOptions{})
	wantFiles(t, mem, map[string]string{"": "planted", ".backup": "new file"})

	defer func() {
		if recover() == nil {
			t.Fatal("SetFile with an invalid name did not panic")
		}
	}()
	mem.SetFile(".lock", nil)
}

func TestFilesIsACopy(t *testing.T) {
	mem := memstore.New()
	mem.SetFile(store.Journal, []byte("abc"))
	mem.Files()[store.Journal][0] = 'X'
	wantFiles(t, mem, map[string]string{"": "abc"})
	r, err := mem.Open(t.Context(), store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	mem.SetFile(store.Journal, []byte("xyz"))
	if got, _ := io.ReadAll(r); string(got) != "abc" {
		t.Fatalf("reader sees %q after SetFile, want the content at Open", got)
	}
}

func TestInvalidNames(t *testing.T) {
	mem := lock(t, memstore.New())
	for _, name := range []string{".lock", "x", ".tmp-", ".backup-", ".tmp-a/b"} {
		if _, err := mem.Create(t.Context(), name); err == nil {
			t.Errorf("Create(%q) succeeded", name)
		}
	}
	if got := mem.Files(); len(got) != 0 {
		t.Fatalf("files after invalid creates: %q", got)
	}
}

func TestTakeoverFences(t *testing.T) {
	a := lock(t, memstore.NewWithOptions(memstore.Options{Takeover: true}))
	w := create(t, a, store.Journal)
	write(t, w, "a")
	b := lock(t, a.Reopen())
	if _, err := w.Write([]byte("b")); !errors.Is(err, store.ErrFenced) {
		t.Fatalf("fenced Write = %v, want ErrFenced", err)
	}
	// The fenced handle can still read.
	if _, err := a.List(t.Context()); err != nil {
		t.Fatalf("List on a fenced handle: %v", err)
	}
	wb := create(t, b, store.Backup)
	write(t, wb, "b")
	wantFiles(t, b, map[string]string{"": "a", ".backup": "b"})
}

// TestCrashWhileWriting races writers against Crash: every call either
// succeeds or fails with ErrClosed, and what survives is a synced prefix.
func TestCrashWhileWriting(t *testing.T) {
	mem := lock(t, memstore.New())
	var wg sync.WaitGroup
	for i := range 4 {
		w := create(t, mem, store.TempPrefix+string(rune('a'+i)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := w.Write([]byte("0123456789")); err != nil {
					if !errors.Is(err, store.ErrClosed) {
						t.Errorf("Write: %v", err)
					}
					return
				}
				if err := w.Sync(t.Context()); err != nil {
					if !errors.Is(err, store.ErrClosed) {
						t.Errorf("Sync: %v", err)
					}
					return
				}
			}
		}()
	}
	for len(mem.Files()[store.TempPrefix+"d"]) < 1000 {
		// Let the writers get going.
		if _, err := mem.List(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	mem.Crash(memstore.CrashOptions{})
	wg.Wait()
	for name, data := range mem.Files() {
		if len(data)%10 != 0 || !bytes.Equal(data, bytes.Repeat([]byte("0123456789"), len(data)/10)) {
			t.Fatalf("%q after Crash holds %d bytes that are not whole synced writes", name, len(data))
		}
	}
}
