package storetest

import (
	"bytes"
	"testing"

	"github.com/prevayler-go/prevayler/store"
)

func testCreate(t *testing.T, h Harness) {
	t.Run("ExistingFails", func(t *testing.T) {
		s := newEnv(t, h).locked()
		create(t, s, store.Journal, []byte("first"))
		if w, err := s.Create(t.Context(), store.Journal); err == nil {
			w.Close()
			t.Fatal("Create of an existing file succeeded")
		}
		wantContent(t, s, store.Journal, []byte("first"))
	})
	t.Run("OpenWriterFails", func(t *testing.T) {
		s := newEnv(t, h).locked()
		w, err := s.Create(t.Context(), store.TempPrefix+"x")
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		defer w.Close()
		write(t, w, []byte("a"))
		syncWriter(t, w)
		if w2, err := s.Create(t.Context(), store.TempPrefix+"x"); err == nil {
			w2.Close()
			t.Fatal("Create of a file with an open writer succeeded")
		}
	})
}

func testRoundTrip(t *testing.T, h Harness) {
	big := 5 << 20
	if testing.Short() {
		big = 1 << 20
	}
	tests := []struct {
		name   string
		chunks [][]byte
	}{
		{"Empty", nil},
		{"EmptyWrite", [][]byte{{}}},
		{"Small", [][]byte{[]byte("hello, journal")}},
		{"ManyWrites", manyChunks(1000)},
		{"Big", [][]byte{pattern(7, big)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, h)
			s := e.locked()
			w, err := s.Create(t.Context(), store.Journal)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			for _, c := range tt.chunks {
				write(t, w, c)
			}
			if err := w.Close(); err != nil {
				t.Fatalf("Close writer: %v", err)
			}
			want := bytes.Join(tt.chunks, nil)
			wantContent(t, s, store.Journal, want)
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			// Another process sees the same bytes.
			r := e.handle()
			wantContent(t, r, store.Journal, want)
			if got := sizes(t, r)[store.Journal]; got != int64(len(want)) {
				t.Fatalf("List size = %d, want %d", got, len(want))
			}
		})
	}
}

func manyChunks(n int) [][]byte {
	cs := make([][]byte, n)
	for i := range cs {
		cs[i] = pattern(i, 1+i%97)
	}
	return cs
}

// testVisibility checks that synced bytes of a writer that is still open
// are seen by another handle.
func testVisibility(t *testing.T, h Harness) {
	e := newEnv(t, h)
	s := e.locked()
	w, err := s.Create(t.Context(), store.Journal)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	defer w.Close()
	var want []byte
	for i := range 3 {
		chunk := pattern(i, 100+i)
		write(t, w, chunk)
		syncWriter(t, w)
		want = append(want, chunk...)
		other := e.handle()
		wantContent(t, other, store.Journal, want)
		if got := sizes(t, other)[store.Journal]; got != int64(len(want)) {
			t.Fatalf("after Sync %d: List size on another handle = %d, want %d", i, got, len(want))
		}
	}
}
