package prevayler_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// chunky encodes and decodes itself in chunks: a header with its mode,
// then one chunk per part. The modes make it misbehave.
type chunky struct {
	Mode  string
	Parts [][]int64
}

type chunkyHeader struct {
	Mode  string
	Parts int
}

var errEncodeChunks = errors.New("EncodeChunks refuses")

func (c chunky) EncodeChunks(put func(any) error) error {
	if c.Mode == "fail encode" {
		return errEncodeChunks
	}
	if err := put(&chunkyHeader{Mode: c.Mode, Parts: len(c.Parts)}); err != nil {
		return err
	}
	for i := range c.Parts {
		if c.Mode == "unencodable part" && i == 1 {
			// put fails (gob cannot encode a func), and the state
			// ignores it: the snapshot must fail all the same.
			put(&struct{ F func() }{F: func() {}})
			continue
		}
		if err := put(&c.Parts[i]); err != nil {
			return err
		}
	}
	return nil
}

func (c *chunky) DecodeChunks(get func(any) error) error {
	var h chunkyHeader
	if err := get(&h); err != nil {
		return err
	}
	c.Mode = h.Mode
	switch h.Mode {
	case "panic decode":
		panic("DecodeChunks panics")
	case "leave chunks":
		h.Parts--
	}
	for range h.Parts {
		var p []int64
		if err := get(&p); err != nil {
			return err
		}
		c.Parts = append(c.Parts, p)
	}
	if h.Mode == "leave chunks" {
		return nil
	}
	var extra []int64
	if err := get(&extra); err != io.EOF {
		return fmt.Errorf("after the last part: %v, want io.EOF", err)
	}
	return nil
}

// chunkyPtr is a state that is a pointer, whose methods are on itself.
type chunkyPtr = *chunky

// encodeOnly implements ChunkEncoder alone: it is not chunked.
type encodeOnly struct{ V []int64 }

func (encodeOnly) EncodeChunks(put func(any) error) error { panic("never called") }

func testParts() [][]int64 {
	return [][]int64{{1, 2, 3}, {}, {-5, 1 << 40}, {7}}
}

func TestStateEncodesItselfInChunks(t *testing.T) {
	s := chunky{Mode: "ok", Parts: testParts()}
	want := chunky{Mode: "ok", Parts: testParts()}
	want.Parts[1] = nil // gob decodes an empty slice as nil
	t.Run("gob", func(t *testing.T) {
		got, h := snapshotRoundTrip(t, s, prevayler.Options[chunky]{})
		if !reflect.DeepEqual(got, want) || !h.Chunked {
			t.Fatalf("got %+v (chunked %v), want %+v, chunked", got, h.Chunked, want)
		}
	})
	t.Run("encrypted", func(t *testing.T) {
		got, h := snapshotRoundTrip(t, s, prevayler.Options[chunky]{Encryption: newAEAD(t, 3)})
		if !reflect.DeepEqual(got, want) || !h.Chunked {
			t.Fatalf("got %+v, want %+v, chunked", got, want)
		}
	})
	t.Run("JSON", func(t *testing.T) {
		// JSON is no stream: each chunk must reach its decoder alone.
		got, h := snapshotRoundTrip(t, s, prevayler.Options[chunky]{Codec: prevayler.JSON})
		jsonWant := s
		jsonWant.Parts = testParts() // JSON keeps the empty slice
		if !reflect.DeepEqual(got, jsonWant) || !h.Chunked {
			t.Fatalf("got %+v, want %+v, chunked", got, jsonWant)
		}
	})
	t.Run("pointer state", func(t *testing.T) {
		got, h := snapshotRoundTrip(t, chunkyPtr(&s), prevayler.Options[chunkyPtr]{})
		if got == nil || !reflect.DeepEqual(*got, want) || !h.Chunked {
			t.Fatalf("got %+v, want %+v, chunked", got, want)
		}
	})
	t.Run("encoder alone does not count", func(t *testing.T) {
		e := encodeOnly{V: []int64{1, 2}}
		got, h := snapshotRoundTrip(t, e, prevayler.Options[encodeOnly]{})
		if !reflect.DeepEqual(got, e) || h.Chunked {
			t.Fatalf("got %+v (chunked %v), want %+v, whole", got, h.Chunked, e)
		}
	})
}

// A journal keeps being read the way it was written when the state type
// gains or loses the chunk methods.
func TestChunkMethodsAddedOrRemoved(t *testing.T) {
	type plain struct {
		Mode  string
		Parts [][]int64
	}
	t.Run("written whole, read by a chunky state", func(t *testing.T) {
		mem := writeJournal(t, plain{Mode: "m", Parts: [][]int64{{4}}})
		got, err := openAs[chunky](mem)
		if err != nil || got.Mode != "m" || len(got.Parts) != 1 || got.Parts[0][0] != 4 {
			t.Fatalf("got %+v, %v", got, err)
		}
	})
	t.Run("split, read by a chunky state", func(t *testing.T) {
		big := plain{Mode: "big", Parts: make([][]int64, 100_000)}
		mem := writeJournal(t, big)
		got, err := openAs[chunky](mem)
		if err != nil || got.Mode != "big" || len(got.Parts) != len(big.Parts) {
			t.Fatalf("got %d parts, mode %q, %v", len(got.Parts), got.Mode, err)
		}
	})
	t.Run("chunked by the state, read without the methods", func(t *testing.T) {
		mem := writeJournal(t, chunky{Mode: "ok", Parts: testParts()})
		_, err := openAs[plain](mem)
		if err == nil || errors.Is(err, prevayler.ErrCorrupt) {
			t.Fatalf("Open: %v, want a decoding error that is no corruption", err)
		}
	})
}

func TestChunkFailures(t *testing.T) {
	t.Run("EncodeChunks fails", func(t *testing.T) {
		mem := memstore.New()
		_, err := prevayler.Open(context.Background(), noop[chunky], prevayler.Options[chunky]{Store: mem, InitialState: chunky{Mode: "fail encode"}})
		if !errors.Is(err, errEncodeChunks) {
			t.Fatalf("Open: %v, want %v", err, errEncodeChunks)
		}
	})
	t.Run("a failed put ignored", func(t *testing.T) {
		mem := memstore.New()
		_, err := prevayler.Open(context.Background(), noop[chunky], prevayler.Options[chunky]{Store: mem, InitialState: chunky{Mode: "unencodable part", Parts: testParts()}})
		if err == nil {
			t.Fatal("a snapshot whose put failed was written")
		}
	})
	t.Run("Snapshot fails, the journal stays", func(t *testing.T) {
		mem := memstore.New()
		p, err := prevayler.Open(context.Background(), setMode, prevayler.Options[chunky]{Store: mem, InitialState: chunky{Mode: "ok", Parts: testParts()}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Handle(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		if err := p.Snapshot(context.Background()); !errors.Is(err, errEncodeChunks) {
			t.Fatalf("Snapshot: %v, want %v", err, errEncodeChunks)
		}
		if _, err := p.Handle(context.Background(), 0); err != nil {
			t.Fatalf("Handle after a failed snapshot: %v", err)
		}
		p.Close()
		got, err := openAs[chunky](mem)
		if err != nil || got.Mode != "ok" {
			t.Fatalf("reopened: %+v, %v", got, err)
		}
	})
	t.Run("DecodeChunks panics", func(t *testing.T) {
		mem := writeJournal(t, chunky{Mode: "panic decode"})
		_, err := openAs[chunky](mem)
		var pe *prevayler.PanicError
		if !errors.As(err, &pe) {
			t.Fatalf("Open: %v, want a *PanicError", err)
		}
	})
	t.Run("DecodeChunks leaves chunks", func(t *testing.T) {
		mem := writeJournal(t, chunky{Mode: "leave chunks", Parts: testParts()})
		if _, err := openAs[chunky](mem); err == nil {
			t.Fatal("Open accepted a snapshot with chunks left after the state")
		}
	})
	t.Run("damaged chunk", func(t *testing.T) {
		mem := writeJournal(t, chunky{Mode: "ok", Parts: testParts()})
		data := mem.Files()[store.Journal]
		r, err := journal.NewReader(bytes.NewReader(data), "journal", nil)
		if err != nil {
			t.Fatal(err)
		}
		hdr := r.Stats().HeaderBytes
		data[hdr+journal.FrameHeaderSize+60] ^= 0x40 // in the snapshot
		mem.SetFile(store.Journal, data)
		if _, err := openAs[chunky](mem); !errors.Is(err, prevayler.ErrCorrupt) {
			t.Fatalf("Open: %v, want ErrCorrupt", err)
		}
	})
}

// setMode is a handler whose event 1 makes the state's next snapshot fail.
func setMode(s chunky, e int, _ time.Time) (chunky, int, error) {
	if e == 1 {
		s.Mode = "fail encode"
	} else {
		s.Mode = "ok"
	}
	return s, 0, nil
}

func writeJournal[S any](t *testing.T, s S) *memstore.Store {
	t.Helper()
	mem := memstore.New()
	p, err := prevayler.Open(context.Background(), noop[S], prevayler.Options[S]{Store: mem, InitialState: s})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	return mem
}

func openAs[S any](mem *memstore.Store) (S, error) {
	p, err := prevayler.Open(context.Background(), noop[S], prevayler.Options[S]{Store: mem.Reopen()})
	if err != nil {
		var zero S
		return zero, err
	}
	defer p.Close()
	return p.State(), nil
}
