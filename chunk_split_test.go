package prevayler_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// Shapes of state the library splits, or leaves whole.
type (
	bigSlice struct {
		Name string
		V    []int64
		At   time.Time // gob encodes it itself: never walked
	}
	nestedState struct {
		Inner struct {
			Keys  map[int32]string
			Count int
		}
		Bytes []byte
		Small []int64
		Ptr   *bigSlice // behind a pointer: never split
		skip  []int64   // unexported: gob ignores it, so do we
	}
	rootSlice []uint16
	rootMap   map[uint64]int32
)

func noop[S any](s S, _ int, _ time.Time) (S, int, error) { return s, 0, nil }

// snapshotRoundTrip opens a store holding no journal with initial, closes
// it, opens it again and returns the recovered state and the journal's
// header.
func snapshotRoundTrip[S any](t *testing.T, initial S, opts prevayler.Options[S]) (S, journal.Header) {
	t.Helper()
	mem := memstore.New()
	opts.Store, opts.InitialState = mem, initial
	p, err := prevayler.Open(context.Background(), noop[S], opts)
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	data := mem.Files()[store.Journal]
	r, err := journal.NewReader(bytes.NewReader(data), "journal", opts.Encryption)
	if err != nil {
		t.Fatal(err)
	}
	opts.Store = mem.Reopen()
	var zero S
	opts.InitialState = zero
	p2, err := prevayler.Open(context.Background(), noop[S], opts)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer p2.Close()
	return p2.State(), r.Header()
}

func TestLargeFieldsAreSplit(t *testing.T) {
	big := bigSlice{Name: "n", V: make([]int64, 300_000), At: time.Unix(1_700_000_000, 5).UTC()}
	for i := range big.V {
		big.V[i] = int64(i) * 7919 << (i % 40)
	}
	var nest nestedState
	nest.Inner.Keys = make(map[int32]string, 70_000)
	for i := range 70_000 {
		nest.Inner.Keys[int32(i*3)] = string(rune('a' + i%26))
	}
	nest.Inner.Count = 70_000
	nest.Bytes = bytes.Repeat([]byte("0123456789"), 300_000)
	nest.Small = []int64{1, 2, 3}
	nest.Ptr = &bigSlice{V: make([]int64, 200_000)}
	rs := make(rootSlice, 1<<20)
	for i := range rs {
		rs[i] = uint16(i)
	}
	rm := make(rootMap, 100_000)
	for i := range 100_000 {
		rm[uint64(i)<<20] = int32(-i)
	}
	key := newAEAD(t, 7)

	check := func(t *testing.T, got, want any, h journal.Header, chunked bool) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Fatal("the recovered state differs from the one written")
		}
		if h.Chunked != chunked {
			t.Fatalf("snapshot chunked: %v, want %v", !chunked, chunked)
		}
	}
	t.Run("struct", func(t *testing.T) {
		got, h := snapshotRoundTrip(t, big, prevayler.Options[bigSlice]{})
		check(t, got, big, h, true)
	})
	t.Run("struct encrypted", func(t *testing.T) {
		got, h := snapshotRoundTrip(t, big, prevayler.Options[bigSlice]{Encryption: key})
		check(t, got, big, h, true)
	})
	t.Run("nestedState", func(t *testing.T) {
		want := nest
		want.skip = nil
		got, h := snapshotRoundTrip(t, nest, prevayler.Options[nestedState]{})
		check(t, got, want, h, true)
	})
	t.Run("root slice", func(t *testing.T) {
		got, h := snapshotRoundTrip(t, rs, prevayler.Options[rootSlice]{})
		check(t, got, rs, h, true)
	})
	t.Run("root map", func(t *testing.T) {
		got, h := snapshotRoundTrip(t, rm, prevayler.Options[rootMap]{})
		check(t, got, rm, h, true)
	})
	t.Run("small state stays whole", func(t *testing.T) {
		small := bigSlice{Name: "s", V: []int64{4, 5, 6}}
		got, h := snapshotRoundTrip(t, small, prevayler.Options[bigSlice]{})
		check(t, got, small, h, false)
	})
	t.Run("large behind a pointer stays whole", func(t *testing.T) {
		type holder struct{ P *bigSlice }
		s := holder{P: &big}
		got, h := snapshotRoundTrip(t, s, prevayler.Options[holder]{})
		check(t, got, s, h, false)
	})
	t.Run("JSON stays whole", func(t *testing.T) {
		got, h := snapshotRoundTrip(t, rs, prevayler.Options[rootSlice]{Codec: prevayler.JSON})
		check(t, got, rs, h, false)
	})
}

// The state is never modified by the split: writers go on using it while
// a snapshot runs.
func TestSplitLeavesTheStateAlone(t *testing.T) {
	s := bigSlice{Name: "kept", V: make([]int64, 200_000)}
	for i := range s.V {
		s.V[i] = int64(i)
	}
	before := s.V
	got, _ := snapshotRoundTrip(t, s, prevayler.Options[bigSlice]{})
	if s.Name != "kept" || len(s.V) != 200_000 || &s.V[0] != &before[0] || s.V[199_999] != 199_999 {
		t.Fatal("writing the snapshot changed the state")
	}
	if got.Name != "kept" {
		t.Fatalf("shell field lost: %q", got.Name)
	}
}

// Open of a large plain state allocates about the state and gob's own
// buffer of each piece, not several copies of the encoded state.
func TestSplitStateMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: writes and reads a 32 MiB state")
	}
	const n = 4 << 20
	s := bigSlice{V: make([]int64, n)}
	for i := range s.V {
		s.V[i] = int64(i)
	}
	dir := t.TempDir()
	st := func() store.Store { return localstore.New(filepath.Join(dir, "journal")) }
	p, err := prevayler.Open(context.Background(), noop[bigSlice], prevayler.Options[bigSlice]{Store: st(), InitialState: s})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	s = bigSlice{}
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	p, err = prevayler.Open(context.Background(), noop[bigSlice], prevayler.Options[bigSlice]{Store: st()})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&m1)
	defer p.Close()
	if len(p.State().V) != n {
		t.Fatalf("recovered %d values, want %d", len(p.State().V), n)
	}
	// The state, and gob's buffer of each piece as it reads it (the
	// encoded state, about 0.6× here), and small change. One gob value
	// of the whole state cost about 10×.
	state := uint64(n * 8)
	if got := m1.TotalAlloc - m0.TotalAlloc; got > 5*state/2 {
		t.Fatalf("Open allocated %.2f× the state, want at most 2.5×", float64(got)/float64(state))
	}
}

func TestSplitStateTypeChanged(t *testing.T) {
	mem := memstore.New()
	s := bigSlice{V: make([]int64, 200_000)}
	p, err := prevayler.Open(context.Background(), noop[bigSlice], prevayler.Options[bigSlice]{Store: mem, InitialState: s})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	for _, tc := range []struct {
		name string
		open func() error
	}{
		{"field now a map", func() error {
			type changed struct{ V map[int]int64 }
			p, err := prevayler.Open(context.Background(), noop[changed], prevayler.Options[changed]{Store: mem.Reopen()})
			if err == nil {
				p.Close()
			}
			return err
		}},
		{"field gone", func() error {
			type changed struct{ Name string }
			p, err := prevayler.Open(context.Background(), noop[changed], prevayler.Options[changed]{Store: mem.Reopen()})
			if err == nil {
				p.Close()
			}
			return err
		}},
		{"state now a slice", func() error {
			p, err := prevayler.Open(context.Background(), noop[rootSlice], prevayler.Options[rootSlice]{Store: mem.Reopen()})
			if err == nil {
				p.Close()
			}
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.open()
			if err == nil {
				t.Fatal("Open of a snapshot of another type succeeded")
			}
			if errors.Is(err, prevayler.ErrCorrupt) {
				t.Fatalf("a type change reported as corruption: %v", err)
			}
		})
	}
}
