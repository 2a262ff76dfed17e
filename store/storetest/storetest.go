package storetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sort"
	"sync"
	"testing"

	"github.com/prevayler-go/prevayler/store"
)

// Harness tells Run how to reach the store under test.
type Harness struct {
	// New returns a function that opens a fresh handle on a new, empty
	// journal location; each call of the returned function is like another
	// process opening the same journal. Run closes every handle it opens.
	New func(t *testing.T) func() store.Store
	// Takeover says the store supports takeover (S3): a second Lock
	// succeeds and fences the first instead of failing with ErrLocked.
	Takeover bool
	// ZeroTail says the store may show zero bytes after the written ones
	// in a file (preallocated space, see store.FileInfo.Size): content
	// then matches if it is what was written followed by zeros only, and
	// sizes are counted without the trailing zeros.
	ZeroTail bool
}

// zeroTail holds the handles of a ZeroTail harness; the checks take a
// handle, not its harness.
var zeroTail sync.Map // store.Store -> struct{}

func hasZeroTail(s store.Store) bool {
	_, ok := zeroTail.Load(s)
	return ok
}

// trimZeros drops the zeros at the end of b.
func trimZeros(b []byte) []byte { return bytes.TrimRight(b, "\x00") }

// Run checks every promise of the store.Store contract, each in a named
// subtest, on fresh journal locations from h.New.
func Run(t *testing.T, h Harness) {
	if h.New == nil {
		t.Fatal("storetest: Harness.New is nil")
	}
	t.Run("Lock", func(t *testing.T) { testLock(t, h) })
	t.Run("Create", func(t *testing.T) { testCreate(t, h) })
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, h) })
	t.Run("Visibility", func(t *testing.T) { testVisibility(t, h) })
	t.Run("Rename", func(t *testing.T) { testRename(t, h) })
	t.Run("Remove", func(t *testing.T) { testRemove(t, h) })
	t.Run("NotExist", func(t *testing.T) { testNotExist(t, h) })
	t.Run("List", func(t *testing.T) { testList(t, h) })
	t.Run("Close", func(t *testing.T) { testClose(t, h) })
	t.Run("CanceledContext", func(t *testing.T) { testCanceled(t, h) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, h) })
	t.Run("Protocol", func(t *testing.T) { testProtocol(t, h) })
	t.Run("Tailer", func(t *testing.T) { testTailer(t, h) })
}

// env is one fresh journal location and the handles opened on it.
type env struct {
	t        *testing.T
	open     func() store.Store
	zeroTail bool
}

func newEnv(t *testing.T, h Harness) *env {
	t.Helper()
	return &env{t: t, open: h.New(t), zeroTail: h.ZeroTail}
}

// handle opens a handle, closed when the test ends.
func (e *env) handle() store.Store {
	e.t.Helper()
	s := e.open()
	if s == nil {
		e.t.Fatal("Harness.New's function returned a nil store")
	}
	if e.zeroTail {
		zeroTail.Store(s, struct{}{})
	}
	e.t.Cleanup(func() { s.Close(); zeroTail.Delete(s) })
	return s
}

// locked opens a handle and takes the lock.
func (e *env) locked() store.Store {
	e.t.Helper()
	s := e.handle()
	if err := s.Lock(e.t.Context()); err != nil {
		e.t.Fatalf("Lock: %v", err)
	}
	return s
}

// create creates name, writes data in one Write and closes the writer.
func create(t *testing.T, s store.Store, name string, data []byte) {
	t.Helper()
	w, err := s.Create(t.Context(), name)
	if err != nil {
		t.Fatalf("Create(%q): %v", name, err)
	}
	write(t, w, data)
	if err := w.Close(); err != nil {
		t.Fatalf("Close writer of %q: %v", name, err)
	}
}

func write(t *testing.T, w store.Writer, data []byte) {
	t.Helper()
	n, err := w.Write(data)
	if err != nil || n != len(data) {
		t.Fatalf("Write(%d bytes) = %d, %v", len(data), n, err)
	}
}

func syncWriter(t *testing.T, w store.Writer) {
	t.Helper()
	if err := w.Sync(t.Context()); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// read returns the whole content of name.
func read(t *testing.T, s store.Store, name string) []byte {
	t.Helper()
	r, err := s.Open(t.Context(), name)
	if err != nil {
		t.Fatalf("Open(%q): %v", name, err)
	}
	data, err := io.ReadAll(r)
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("read %q: %v", name, err)
	}
	return data
}

func wantContent(t *testing.T, s store.Store, name string, want []byte) {
	t.Helper()
	got := read(t, s, name)
	if hasZeroTail(s) && len(got) > len(want) && len(trimZeros(got[len(want):])) == 0 {
		got = got[:len(want)]
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("content of %q: got %d bytes %s, want %d bytes %s", name, len(got), excerpt(got), len(want), excerpt(want))
	}
}

func excerpt(b []byte) string {
	if len(b) > 32 {
		return string(b[:32]) + "..."
	}
	return string(b)
}

func wantErrorIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want one matching %v", what, err, target)
	}
}

func wantNotExist(t *testing.T, s store.Store, name string) {
	t.Helper()
	r, err := s.Open(t.Context(), name)
	if err == nil {
		r.Close()
		t.Fatalf("Open(%q) succeeded; want an error matching ErrNotExist", name)
	}
	wantErrorIs(t, "Open("+name+")", err, store.ErrNotExist)
}

// sizes returns name -> size from List.
func sizes(t *testing.T, s store.Store) map[string]int64 {
	t.Helper()
	files, err := s.List(t.Context())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	m := map[string]int64{}
	for _, f := range files {
		if _, dup := m[f.Name]; dup {
			t.Fatalf("List returned %q twice", f.Name)
		}
		m[f.Name] = f.Size
		if hasZeroTail(s) && f.Size > 0 {
			m[f.Name] = int64(len(trimZeros(read(t, s, f.Name))))
		}
	}
	return m
}

func names(m map[string]int64) []string {
	var ns []string
	for n := range m {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// pattern returns n deterministic bytes that differ with seed, so that a
// misplaced or repeated chunk is caught.
func pattern(seed, n int) []byte {
	b := make([]byte, n)
	x := uint32(seed)*2654435761 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// canceled returns a context that is already canceled.
func canceled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}
