package journal

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

// seedJournals adds the journals under testdata and a few built ones.
func seedJournals(f *testing.F, add func(data []byte, keyed bool)) {
	for _, g := range allGoldens() {
		data, err := os.ReadFile(filepath.Join("testdata", g.file))
		if err != nil {
			f.Fatal(err)
		}
		add(data, g.aead)
	}
	b := build(f, spec{snapshot: []byte("state"), chunk: 3, batches: batches(3, 3), synced: []bool{false, true, false}})
	add(b.data, false)
	add(b.data[:len(b.data)-5], false)
	add(flip(b.data, b.frames[0].off+30, 1), false)
	add(build(f, spec{aead: goldenAEAD(f), snapshot: []byte("s"), batches: batches(2, 1)}).data, true)
	add(nil, false)
	add([]byte(Magic), false)
}

// FuzzReader feeds arbitrary bytes to a Reader: it must not panic, fail
// with anything but a *CorruptError or an ErrKey error, or report offsets
// that disagree with the input.
func FuzzReader(f *testing.F) {
	seedJournals(f, func(data []byte, keyed bool) { f.Add(data, keyed) })
	aead := goldenAEAD(f)
	f.Fuzz(func(t *testing.T, data []byte, keyed bool) {
		var a cipher.AEAD
		if keyed {
			a = aead
		}
		r, err := NewReader(bytes.NewReader(data), "fuzz", a)
		if err != nil {
			checkFuzzError(t, err, len(data))
			return
		}
		n, err := io.Copy(io.Discard, r.Snapshot())
		if err != nil {
			checkFuzzError(t, err, len(data))
			return
		}
		if n != r.Stats().SnapshotBytes {
			t.Fatalf("snapshot of %d bytes, stats say %d", n, r.Stats().SnapshotBytes)
		}
		prev := int64(-1)
		for {
			ev, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				checkFuzzError(t, err, len(data))
				return
			}
			if ev.FrameOffset < prev || ev.FrameOffset >= r.Offset() || ev.At.Location() != time.UTC {
				t.Fatalf("event %+v after frame offset %d, Offset %d", ev, prev, r.Offset())
			}
			prev = ev.FrameOffset
		}
		if torn := r.Torn(); torn != nil {
			if torn.Offset != r.Offset() || torn.Offset+torn.Bytes != int64(len(data)) || torn.Bytes <= 0 {
				t.Fatalf("torn write %+v, Offset %d, file of %d bytes", torn, r.Offset(), len(data))
			}
		} else if r.Offset()+r.Padding() != int64(len(data)) {
			t.Fatalf("clean end at %d with %d bytes of padding, file of %d bytes", r.Offset(), r.Padding(), len(data))
		}
		if r.Closed() && (r.Torn() != nil || r.Offset()+r.Padding() != int64(len(data))) {
			t.Fatalf("closed, yet torn %+v or bytes after the end", r.Torn())
		}
		if ev := r.Stats().Events; r.Seq() != r.Header().BaseSeq+uint64(ev) {
			t.Fatalf("Seq %d after %d events from base %d", r.Seq(), ev, r.Header().BaseSeq)
		}
	})
}

func checkFuzzError(t *testing.T, err error, size int) {
	t.Helper()
	var ce *CorruptError
	switch {
	case errors.As(err, &ce):
		if !errors.Is(err, store.ErrCorrupt) || ce.Offset < 0 || ce.Offset > int64(size) {
			t.Fatalf("bad corruption report %v for %d bytes", err, size)
		}
	case errors.Is(err, store.ErrKey):
	default:
		t.Fatalf("unexpected error %v", err)
	}
}

// FuzzRoundTrip writes random events and reads them back, whole and cut
// at an arbitrary byte.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("hello, world"), int64(1_700_000_000), uint32(5), uint8(3), uint16(100), false)
	f.Add([]byte{}, int64(-1), uint32(999_999_999), uint8(0), uint16(0), true)
	f.Add(bytes.Repeat([]byte{0}, 300), int64(1)<<50, uint32(1), uint8(255), uint16(9999), true)
	aead := goldenAEAD(f)
	f.Fuzz(func(t *testing.T, data []byte, sec int64, nsec uint32, split uint8, cut uint16, sealed bool) {
		// Split data into events of 0 to 6 bytes (never two empty ones in
		// a row), and the events into frames of up to 1 + split%5 events.
		var bs [][]tevent
		var bt []tevent
		for i, rest := 0, data; ; i++ {
			n := min(len(rest), int(split)*(i+1)%7)
			if n == 0 && i%2 == 1 {
				n = min(len(rest), 1)
			}
			bt = append(bt, tevent{at: time.Unix(sec+int64(i), int64(nsec%1e9)).UTC(), reset: i == 0 || n == 0, data: string(rest[:n])})
			rest = rest[n:]
			if len(bt) > int(split)%5 || len(rest) == 0 {
				bs, bt = append(bs, bt), nil
			}
			if len(rest) == 0 {
				break
			}
		}
		var a cipher.AEAD
		if sealed {
			a = aead
		}
		b := build(t, spec{aead: a, snapshot: data, chunk: 1 + int(split), batches: bs, synced: nil})
		res := readAll(b.data, a)
		wantEvents(t, res, b.prefix(len(bs)), -1)
		if !bytes.Equal(res.snapshot, data) {
			t.Fatalf("snapshot %q, want %q", res.snapshot, data)
		}
		at := int(cut) % (len(b.data) + 1)
		res = readAll(b.data[:at], a)
		if at < b.snapEnd {
			wantCorrupt(t, res, -1)
			return
		}
		whole, torn := 0, int64(-1)
		for i, fr := range b.frames {
			if at >= fr.end {
				whole = i + 1
			} else if at > fr.off {
				torn = int64(fr.off)
			}
		}
		wantEvents(t, res, b.prefix(whole), torn)
	})
}

// FuzzEventEntries parses arbitrary events payloads: no panic, and what
// parses re-encodes to entries that parse the same, in no more bytes.
func FuzzEventEntries(f *testing.F) {
	f.Add(AppendEvent(AppendEvent(nil, time.Unix(1, 2), true, []byte("a")), time.Unix(-5, 0), false, nil))
	f.Add([]byte{3, 0, 0, 0})
	f.Add([]byte{0x80, 0x80, 0x01, 0, 0, 0})
	f.Fuzz(func(t *testing.T, payload []byte) {
		entries, perr := parseEntries(nil, payload)
		if perr != nil {
			if perr.offset < 0 || perr.offset > len(payload) || perr.entry < 0 {
				t.Fatalf("bad error position: %v", perr)
			}
			return
		}
		var again []byte
		for _, e := range entries {
			if e.nsec < 0 || e.nsec >= 1e9 || e.start > e.end || int(e.end) > len(payload) {
				t.Fatalf("bad entry %+v", e)
			}
			again = AppendEvent(again, time.Unix(e.sec, int64(e.nsec)), e.reset, payload[e.start:e.end])
		}
		if len(again) > len(payload) {
			t.Fatalf("re-encoded in %d bytes, the input had %d", len(again), len(payload))
		}
		back, perr := parseEntries(nil, again)
		if perr != nil || len(back) != len(entries) {
			t.Fatalf("re-encoded entries do not parse: %v", perr)
		}
		for i, e := range entries {
			g := back[i]
			if g.sec != e.sec || g.nsec != e.nsec || g.reset != e.reset ||
				!bytes.Equal(again[g.start:g.end], payload[e.start:e.end]) {
				t.Fatalf("entry %d: %+v, then %+v", i, e, g)
			}
		}
	})
}
