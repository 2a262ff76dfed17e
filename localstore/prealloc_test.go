package localstore

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestPreallocate checks that a journal file reserves space in steps while
// open, reads as the bytes written followed by zeros, and is cut back to
// the bytes written at Close.
func TestPreallocate(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("preallocation is Linux only: files grow with their writes elsewhere")
	}
	tests := []struct {
		name     string
		pre      int64
		wantOpen int64 // size while open after the writes
	}{
		{"default", 0, DefaultPreallocate},
		{"steps", 4096, 3 * 4096},
		{"off", NoPreallocate, 10000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal")
			s := NewWithOptions(path, Options{Preallocate: tt.pre})
			defer s.Close()
			if err := s.Lock(t.Context()); err != nil {
				t.Fatal(err)
			}
			w, err := s.Create(t.Context(), "")
			if err != nil {
				t.Fatal(err)
			}
			var want []byte
			for i := range 10 {
				p := bytes.Repeat([]byte{byte(i + 1)}, 1000)
				if _, err := w.Write(p); err != nil {
					t.Fatal(err)
				}
				want = append(want, p...)
			}
			if err := w.Sync(t.Context()); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(got)) != tt.wantOpen {
				t.Fatalf("size while open = %d, want %d", len(got), tt.wantOpen)
			}
			if !bytes.Equal(got[:len(want)], want) || len(bytes.TrimRight(got[len(want):], "\x00")) != 0 {
				t.Fatalf("content while open is not the bytes written followed by zeros")
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			got, err = os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("after Close: %d bytes, want the %d written", len(got), len(want))
			}
		})
	}
}

// TestPreallocateFallback: where fallocate fails (here on a device that
// takes writes and no reserve), the file goes on without preallocation
// and Close truncates nothing.
func TestPreallocateFallback(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("preallocation is Linux only")
	}
	dev, err := os.OpenFile(os.DevNull, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := &osFile{File: dev}
	if err := f.Preallocate(16); err != nil {
		t.Fatal(err)
	}
	if n, err := f.Write([]byte("twenty bytes of data")); n != 20 || err != nil {
		t.Fatalf("Write = %d, %v; want 20, nil", n, err)
	}
	if f.step != 0 || f.end != 0 || f.written != 20 {
		t.Fatalf("step %d, end %d, written %d: want preallocation off after a failed fallocate", f.step, f.end, f.written)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}
