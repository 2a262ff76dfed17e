package localstore

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/prevayler-go/prevayler/store"
)

// createLocked creates the journal file of a locked Store with opts.
func createLocked(t *testing.T, opts Options) (store.Writer, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal")
	s := NewWithOptions(path, opts)
	t.Cleanup(func() { s.Close() })
	if err := s.Lock(t.Context()); err != nil {
		t.Fatal(err)
	}
	w, err := s.Create(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	return w, path
}

// TestMappedWritesAsWrites: the same writes, copied into mappings of the
// reserved space or taken by write(2), leave the same bytes, whether they
// cross a step, a mapping window, or neither.
func TestMappedWritesAsWrites(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("journal files are mapped on Linux only")
	}
	sizes := []int{40, 4000, 5 << 20, 7<<20 + 3, 40, 9 << 20, 1, 16<<20 + 5}
	tests := []struct {
		name string
		opts Options
	}{
		{"mapped, default step", Options{}},
		{"mapped, small step", Options{Preallocate: 4096}},
		{"write(2)", Options{NoMmap: true}},
	}
	var files [][]byte
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, path := createLocked(t, tt.opts)
			var want []byte
			for i, n := range sizes {
				p := bytes.Repeat([]byte{byte(i + 1)}, n)
				p[0], p[n-1] = 0xEE, 0xDD
				if _, err := w.Write(p); err != nil {
					t.Fatal(err)
				}
				want = append(want, p...)
			}
			// Read through another descriptor while open: a follower sees
			// the copies at once.
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) < len(want) || !bytes.Equal(got[:len(want)], want) {
				t.Fatal("while open, the file does not hold the bytes written")
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if got, err = os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("after Close: %d bytes (%v), want the %d written", len(got), err, len(want))
			}
			files = append(files, got)
		})
	}
	for i := 1; i < len(files); i++ {
		if !bytes.Equal(files[0], files[i]) {
			t.Fatalf("%s and %s left different files", tests[0].name, tests[i].name)
		}
	}
}

// TestMappedFileCutUnderneath: another process cuts the journal file
// while it is mapped. The next write into the mapping faults; that must
// not kill the process: the write goes through write(2) instead, which
// lands where it belongs.
func TestMappedFileCutUnderneath(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("journal files are mapped on Linux only")
	}
	w, path := createLocked(t, Options{})
	first := bytes.Repeat([]byte{1}, 5000)
	if _, err := w.Write(first); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	second := bytes.Repeat([]byte{2}, 5000)
	if _, err := w.Write(second); err != nil {
		t.Fatalf("write after the cut: %v", err)
	}
	if f := w.(*writer).f.(*osFile); !f.noMap || f.win != nil {
		t.Fatal("after a fault the file is still mapped")
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10000 || !bytes.Equal(got[5000:], second) || bytes.Count(got[:5000], []byte{0}) != 5000 {
		t.Fatalf("file after the cut and a write: %d bytes, want 5000 zeros (cut) then the second write", len(got))
	}
}

// TestCloseTrimsPartialReserve: a fallocate that failed for want of room
// may have grown the file part of the way. Close must still cut the file
// back to the bytes written, or a cleanly closed journal ends in zeros.
func TestCloseTrimsPartialReserve(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("preallocation is Linux only")
	}
	path := filepath.Join(t.TempDir(), "journal")
	of, err := OSFS{}.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	f := of.(*osFile)
	if err := f.Preallocate(4096); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(bytes.Repeat([]byte{1}, 5000)); err != nil {
		t.Fatal(err)
	}
	// What a failed fallocate leaves: preallocation off, the file longer
	// than the reserve the writer knows of.
	f.step = 0
	if err := os.Truncate(path, 20000); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(bytes.Repeat([]byte{2}, 4000)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != 9000 {
		t.Fatalf("size after Close = %d, want the 9000 bytes written", fi.Size())
	}
}
