package localstore_test

import (
	"path/filepath"
	"testing"

	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
)

func benchWriter(b *testing.B) store.Writer {
	b.Helper()
	s := localstore.New(filepath.Join(b.TempDir(), "journal"))
	if err := s.Lock(b.Context()); err != nil {
		b.Fatal(err)
	}
	w, err := s.Create(b.Context(), store.Journal)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		w.Close()
		s.Close()
	})
	return w
}

// BenchmarkWriteSync is the cost of one durable append: a 128-byte write
// and an fdatasync.
func BenchmarkWriteSync(b *testing.B) {
	w := benchWriter(b)
	p := make([]byte, 128)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := w.Write(p); err != nil {
			b.Fatal(err)
		}
		if err := w.Sync(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrite is the cost of one buffered append: a 128-byte write to
// the page cache.
func BenchmarkWrite(b *testing.B) {
	w := benchWriter(b)
	p := make([]byte, 128)
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := w.Write(p); err != nil {
			b.Fatal(err)
		}
	}
}
