package journal

import (
	"bytes"
	"crypto/cipher"
	"io"
	"slices"
	"testing"
)

// readFrom reads every event of r, and returns them with r's Position.
func readFrom(t *testing.T, r *Reader) ([]tevent, []uint64, Position) {
	t.Helper()
	var evs []tevent
	var seqs []uint64
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		evs = append(evs, tevent{at: ev.At, reset: ev.Reset, data: string(ev.Data)})
		seqs = append(seqs, ev.Seq)
	}
	pos, ok := r.Position()
	if !ok {
		t.Fatal("no position at the end of the file")
	}
	return evs, seqs, pos
}

// TestResumeEveryCut reads a growing file the way a follower does: a
// prefix of any length, then the rest from the position the first reader
// stopped at. Together the two readers return every event once, in
// order, with consecutive sequence numbers, whatever the cut.
func TestResumeEveryCut(t *testing.T) {
	for _, enc := range []bool{false, true} {
		s := spec{snapshot: []byte("state"), batches: batches(5, 3), seal: 2, closed: true,
			synced: []bool{true, false, true, false, false}, info: FileInfo{BaseSeq: 40}}
		if enc {
			s.aead = std(t)
		}
		b := build(t, s)
		all := b.prefix(5)
		for n := b.snapEnd; n <= len(b.data); n++ {
			r, err := NewReader(bytes.NewReader(b.data[:n]), "journal.test", s.aead)
			if err != nil {
				t.Fatal(err)
			}
			first, seqs1, pos := readFrom(t, r)
			if pos.Offset() > int64(n) || pos.Seq() != 40+uint64(len(first)) || pos.FileID() != b.header.FileID {
				t.Fatalf("cut %d: position %d seq %d after %d events", n, pos.Offset(), pos.Seq(), len(first))
			}
			rest, seqs2, end := readFrom(t, Resume(bytes.NewReader(b.data[pos.Offset():]), "journal.test", s.aead, pos))
			got := append(first, rest...)
			if len(got) != len(all) {
				t.Fatalf("enc %v cut %d: %d+%d events, want %d", enc, n, len(first), len(rest), len(all))
			}
			for i := range all {
				if got[i] != all[i] {
					t.Fatalf("cut %d: event %d = %+v, want %+v", n, i, got[i], all[i])
				}
			}
			for i, q := range append(seqs1, seqs2...) {
				if q != 41+uint64(i) {
					t.Fatalf("cut %d: event %d has seq %d", n, i, q)
				}
			}
			if !end.Closed() || end.Offset() != int64(len(b.data)) {
				t.Fatalf("cut %d: end closed %v at %d, want closed at %d", n, end.Closed(), end.Offset(), len(b.data))
			}
		}
	}
}

// TestResumeChecksStillApply: frames after a resumed position are checked
// as in a whole read: a seal that does not match the events before the
// position is corruption, and so is data after a closed seal.
func TestResumeChecksStillApply(t *testing.T) {
	b := build(t, spec{snapshot: []byte("s"), batches: batches(3, 2), closed: true})
	r, err := NewReader(bytes.NewReader(b.upTo(2)), "journal.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, pos := readFrom(t, r)
	// Skipping frame 2 makes the seal disagree with the events read.
	rest := cat(b.data[b.seals[0].off:])
	if _, err := Resume(bytes.NewReader(rest), "journal.test", nil, pos).Next(); err == nil || err == io.EOF {
		t.Fatalf("seal after a missing frame: %v, want corruption", err)
	}
	r, err = NewReader(bytes.NewReader(b.data), "journal.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, end := readFrom(t, r)
	if _, err := Resume(bytes.NewReader(b.frame(2)), "journal.test", nil, end).Next(); err == nil || err == io.EOF {
		t.Fatalf("a frame after the closed seal: %v, want corruption", err)
	}
}

// TestPositionOnlyBetweenFrames: a Reader in the middle of a frame or of
// the snapshot has no position to resume from.
func TestPositionOnlyBetweenFrames(t *testing.T) {
	b := build(t, spec{snapshot: []byte("s"), batches: batches(2, 2)})
	r, err := NewReader(bytes.NewReader(b.data), "journal.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Position(); ok {
		t.Fatal("position before the snapshot was read")
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Position(); ok {
		t.Fatal("position between two events of one frame")
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if pos, ok := r.Position(); !ok || pos.Offset() != int64(b.frames[1].off) {
		t.Fatalf("position %v %d, want byte %d", ok, pos.Offset(), b.frames[1].off)
	}
	h, n, err := ReadHeader(bytes.NewReader(b.data), "journal.test", nil)
	if err != nil || n != int64(b.headerLen) || h.FileID != b.header.FileID {
		t.Fatalf("ReadHeader: %v, %d bytes, want %d", err, n, b.headerLen)
	}
}

// readEvents reads the events of r to the end: their data, and the error
// that ended them (nil for io.EOF).
func readEvents(r *Reader) ([]string, error) {
	var out []string
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, string(ev.Data))
	}
}

// FuzzResume: reading any file in two goes, a prefix then the rest from
// the prefix's position, returns what one read of the whole file returns:
// the same events, and an error when it fails. Cuts fall after the
// snapshot.
func FuzzResume(f *testing.F) {
	seedJournals(f, func(data []byte, keyed bool) { f.Add(data, keyed, uint16(len(data)/2)) })
	aead := goldenAEAD(f)
	f.Fuzz(func(t *testing.T, data []byte, keyed bool, cut uint16) {
		var a cipher.AEAD
		if keyed {
			a = aead
		}
		whole, err := NewReader(bytes.NewReader(data), "journal.test", a)
		if err != nil {
			return
		}
		if _, err := io.Copy(io.Discard, whole.Snapshot()); err != nil {
			return
		}
		// A journal is in place only once its snapshot is complete: a
		// follower never sees a cut before the snapshot end.
		snapEnd := int(whole.Offset())
		want, wantErr := readEvents(whole)
		n := max(min(int(cut), len(data)), snapEnd)
		first, err := NewReader(bytes.NewReader(data[:n]), "journal.test", a)
		if err != nil {
			return // the cut is inside the header
		}
		got, err := readEvents(first)
		pos, ok := first.Position()
		if err != nil || !ok {
			if wantErr == nil {
				t.Fatalf("the prefix of %d bytes fails (%v, position %v), the whole file does not", n, err, ok)
			}
			return
		}
		rest, err := readEvents(Resume(bytes.NewReader(data[pos.Offset():]), "journal.test", a, pos))
		got = append(got, rest...)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("in two reads: %v; in one: %v", err, wantErr)
		}
		if wantErr == nil && !slices.Equal(got, want) {
			t.Fatalf("in two reads: %d events, in one: %d", len(got), len(want))
		}
	})
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestResumeStopsAtPreallocatedZeros: a follower that finds zeros where
// the next frame would start (space the writer preallocated) stops there
// after a block of them, and reads again from the same position at its
// next look; it read the whole reserve, 16 MiB, at every look, which cost
// an idle follower milliseconds each time. A frame written later into the
// zeros is then read. Recovery (NewReader) still reads zeros to the end.
func TestResumeStopsAtPreallocatedZeros(t *testing.T) {
	b := build(t, spec{snapshot: []byte("s"), batches: batches(3, 2)})
	r, err := NewReader(bytes.NewReader(b.upTo(2)), "journal.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, pos := readFrom(t, r)
	reserve := 16 << 20
	src := &countingReader{r: bytes.NewReader(make([]byte, reserve))}
	evs, _, again := readFrom(t, Resume(src, "journal.test", nil, pos))
	if len(evs) != 0 || again.Offset() != pos.Offset() {
		t.Fatalf("zeros read as %d events, position %d -> %d", len(evs), pos.Offset(), again.Offset())
	}
	if src.n > 4<<20 {
		t.Errorf("a look at a preallocated tail read %d bytes of zeros, want a few blocks", src.n)
	}
	written := append(b.frame(2), make([]byte, reserve)...)
	if evs, _, _ := readFrom(t, Resume(bytes.NewReader(written), "journal.test", nil, again)); len(evs) == 0 {
		t.Error("the frame written into the zeros was not read")
	}
}
