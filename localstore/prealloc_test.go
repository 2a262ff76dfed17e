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
