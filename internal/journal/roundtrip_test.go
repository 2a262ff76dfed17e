package journal

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	odd := []tevent{
		{at: time.Unix(-62135596800, 0).UTC(), reset: true, data: ""}, // year 1
		{at: time.Unix(-1, 999_999_999).UTC(), data: "before 1970"},
		{at: time.Unix(0, 0).UTC(), reset: true, data: strings.Repeat("x", 70_000)},
		{at: time.Unix(253402300799, 123).UTC(), data: "\x00\xff"}, // year 9999
		{at: time.Unix(1<<40, 1).UTC(), data: "far future"},
	}
	cases := []struct {
		name     string
		aead     func(t testing.TB) cipher.AEAD
		snapshot []byte
		chunk    int
		batches  [][]tevent
	}{
		{name: "plain/empty", batches: nil},
		{name: "plain/small", snapshot: []byte("state"), batches: batches(3, 4)},
		{name: "plain/chunks", snapshot: bytes.Repeat([]byte("0123456789"), 100), chunk: 64, batches: batches(5, 1)},
		{name: "plain/odd", snapshot: []byte{}, batches: [][]tevent{odd[:2], odd[2:]}},
		{name: "gcm/small", aead: std, snapshot: []byte("state"), batches: batches(3, 4)},
		{name: "gcm/chunks", aead: std, snapshot: bytes.Repeat([]byte("abc"), 500), chunk: 100, batches: batches(4, 3)},
		{name: "gcm/odd", aead: std, batches: [][]tevent{odd}},
		{name: "gcm-24-byte-nonce", aead: nonce24, snapshot: []byte("state"), batches: batches(3, 2)},
		{name: "gcm-12-byte-tag", aead: tag12, snapshot: []byte("state"), chunk: 2, batches: batches(2, 2)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var aead cipher.AEAD
			if c.aead != nil {
				aead = c.aead(t)
			}
			b := build(t, spec{aead: aead, snapshot: c.snapshot, chunk: c.chunk, batches: c.batches})
			res := readAll(b.data, aead)
			wantEvents(t, res, b.prefix(len(c.batches)), -1)
			if !bytes.Equal(res.snapshot, c.snapshot) {
				t.Fatalf("snapshot %q, want %q", res.snapshot, c.snapshot)
			}
			h := res.header
			if h.Version != Version || h.Codec != "test" || h.Encrypted != (aead != nil) ||
				h.FileID != b.header.FileID || !bytes.Equal(h.NonceBase, b.header.NonceBase) {
				t.Fatalf("header %+v, want %+v", h, b.header)
			}
			if aead != nil && len(h.NonceBase) != aead.NonceSize() {
				t.Fatalf("nonce base of %d bytes, want %d", len(h.NonceBase), aead.NonceSize())
			}
			if res.offset != int64(len(b.data)) {
				t.Fatalf("Offset %d, want %d", res.offset, len(b.data))
			}
			for i, off := range res.offsets {
				if fr := b.frames[frameOf(c.batches, i)]; off != int64(fr.off) {
					t.Fatalf("event %d: FrameOffset %d, want %d", i, off, fr.off)
				}
			}
			st := res.stats
			events := len(b.prefix(len(c.batches)))
			if st.HeaderBytes != int64(b.headerLen) || st.SnapshotBytes != int64(len(c.snapshot)) ||
				st.EventFrames != int64(len(c.batches)) || st.Events != int64(events) ||
				st.Frames != st.SnapshotFrames+st.EventFrames ||
				st.HeaderBytes+snapshotFrameBytes(b)+st.EventFrameBytes != int64(len(b.data)) {
				t.Fatalf("stats %+v do not match the file (%d bytes, header %d)", st, len(b.data), b.headerLen)
			}
		})
	}
}

func snapshotFrameBytes(b built) int64 { return int64(b.snapEnd - b.headerLen) }

// frameOf returns the index of the batch holding event i.
func frameOf(bs [][]tevent, i int) int {
	for f, b := range bs {
		if i < len(b) {
			return f
		}
		i -= len(b)
	}
	return -1
}

func TestTimeIsReplayedExactly(t *testing.T) {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	times := []time.Time{
		time.Now(), // carries a monotonic reading
		time.Now().In(zone),
		time.Date(1969, 12, 31, 23, 59, 59, 1, zone),
		time.Date(2024, 2, 29, 12, 0, 0, 999_999_999, time.Local),
	}
	var bt []tevent
	for i, at := range times {
		bt = append(bt, tevent{at: at, reset: i == 0, data: "e"})
	}
	b := build(t, spec{snapshot: []byte("s"), batches: [][]tevent{bt}})
	res := readAll(b.data, nil)
	if res.err != nil || len(res.events) != len(times) {
		t.Fatalf("read %d events, err %v", len(res.events), res.err)
	}
	for i, at := range times {
		if got, want := res.events[i].at, at.Round(0).UTC(); got != want {
			t.Errorf("time %d: replayed %v, want exactly %v", i, got, want)
		}
	}
}

func TestSnapshotAndNextInterleave(t *testing.T) {
	snap := bytes.Repeat([]byte("snapshot "), 50)
	b := build(t, spec{snapshot: snap, chunk: 16, batches: batches(2, 3)})
	t.Run("Next skips the unread snapshot", func(t *testing.T) {
		r := mustReader(t, b.data, nil)
		ev, err := r.Next()
		if err != nil || string(ev.Data) != "event-0" {
			t.Fatalf("Next = %q, %v", ev.Data, err)
		}
		if n, err := r.Snapshot().Read(make([]byte, 10)); n != 0 || err != io.EOF {
			t.Fatalf("Snapshot after Next: %d, %v; want 0, io.EOF", n, err)
		}
	})
	t.Run("Next after a partial snapshot read", func(t *testing.T) {
		r := mustReader(t, b.data, nil)
		if _, err := io.ReadFull(r.Snapshot(), make([]byte, 40)); err != nil {
			t.Fatal(err)
		}
		ev, err := r.Next()
		if err != nil || string(ev.Data) != "event-0" {
			t.Fatalf("Next = %q, %v", ev.Data, err)
		}
	})
	t.Run("events after the end stay at io.EOF", func(t *testing.T) {
		r := mustReader(t, b.data, nil)
		for range 6 {
			if _, err := r.Next(); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("Next at the end: %v, want io.EOF", err)
			}
		}
	})
	t.Run("Data is a private slice", func(t *testing.T) {
		r := mustReader(t, b.data, nil)
		e0, _ := r.Next()
		_ = append(e0.Data, "clobber"...)
		if e1, _ := r.Next(); string(e1.Data) != "event-1" {
			t.Fatalf("appending to one event's Data changed the next: %q", e1.Data)
		}
	})
}

func mustReader(t *testing.T, data []byte, aead cipher.AEAD) *Reader {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), "journal.test", aead)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestNextDoesNotAllocate(t *testing.T) {
	for _, name := range []string{"plain", "gcm"} {
		t.Run(name, func(t *testing.T) {
			var aead cipher.AEAD
			if name == "gcm" {
				aead = std(t)
			}
			b := build(t, spec{aead: aead, snapshot: []byte("s"), batches: batches(30, 100)})
			r := mustReader(t, b.data, aead)
			allocs := testing.AllocsPerRun(2000, func() {
				if _, err := r.Next(); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Fatalf("Next allocates %.2f times per event, want 0", allocs)
			}
		})
	}
}

func TestMaxPayloadFrame(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: builds and reads a 64 MiB frame")
	}
	for _, name := range []string{"plain", "gcm"} {
		t.Run(name, func(t *testing.T) {
			var aead cipher.AEAD
			if name == "gcm" {
				aead = std(t)
			}
			f, err := NewFramer("test", aead, FileInfo{})
			if err != nil {
				t.Fatal(err)
			}
			payload := make([]byte, f.MaxPlaintext()+1)
			if out, err := f.AppendFrame(nil, KindSnapshotChunk, 0, payload); err == nil || len(out) != 0 || f.NextIndex() != 0 {
				t.Fatalf("AppendFrame of %d bytes: %d bytes, %v, index %d; want an error and nothing used", len(payload), len(out), err, f.NextIndex())
			}
			data := f.AppendHeader(nil)
			if data, err = f.AppendFrame(data, KindSnapshotChunk, 0, payload[:f.MaxPlaintext()]); err != nil {
				t.Fatal(err)
			}
			var end [8]byte
			le.PutUint64(end[:], uint64(f.MaxPlaintext()))
			if data, err = f.AppendFrame(data, KindSnapshotEnd, 0, end[:]); err != nil {
				t.Fatal(err)
			}
			r := mustReader(t, data, aead)
			n, err := io.Copy(io.Discard, r.Snapshot())
			if err != nil || n != int64(f.MaxPlaintext()) {
				t.Fatalf("snapshot of %d bytes, %v; want %d", n, err, f.MaxPlaintext())
			}
		})
	}
}

func TestFramerErrors(t *testing.T) {
	if _, err := NewFramer("", nil, FileInfo{}); err == nil {
		t.Error("empty codec name accepted")
	}
	if _, err := NewFramer(strings.Repeat("c", 65), nil, FileInfo{}); err == nil {
		t.Error("65-byte codec name accepted")
	}
	if _, err := NewFramer("test", gcm(t, testKey(0), 4, 0), FileInfo{}); err == nil {
		t.Error("an AEAD with 4-byte nonces accepted")
	}
	f, err := NewFramer(strings.Repeat("c", 64), nil, FileInfo{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		kind  Kind
		flags Flags
	}{{0, 0}, {5, 0}, {KindEvents, 2}, {KindEvents, 0x81}} {
		if out, err := f.AppendFrame([]byte("x"), c.kind, c.flags, nil); err == nil || string(out) != "x" {
			t.Errorf("AppendFrame(kind %d, flags %#x) = %q, %v; want an error and dst unchanged", c.kind, c.flags, out, err)
		}
	}
	if f.NextIndex() != 0 {
		t.Errorf("failed appends used indexes: NextIndex %d", f.NextIndex())
	}
	g, err := NewFramer("test", nil, FileInfo{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Header().FileID == g.Header().FileID {
		t.Error("two files got the same file ID")
	}
}

func TestSnapshotWriter(t *testing.T) {
	f, err := NewFramer("test", nil, FileInfo{})
	if err != nil {
		t.Fatal(err)
	}
	var cw countingWriter
	cw.Write(f.AppendHeader(nil))
	sw := NewSnapshotWriter(&cw, f, 7)
	state := []byte("abcdefghijklmnopqrstuvwxyz0123456789")
	for _, part := range [][]byte{state[:3], state[3:5], state[5:20], state[20:21], state[21:]} {
		if n, err := sw.Write(part); n != len(part) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if sw.Size() != int64(len(state)) {
		t.Fatalf("Size %d, want %d", sw.Size(), len(state))
	}
	if err := sw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sw.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := sw.Write([]byte("late")); err == nil {
		t.Fatal("Write after Close succeeded")
	}
	// 36 bytes in chunks of 7: five full chunks, one of 1, then the end;
	// each frame in one Write.
	if want := 1 + 6 + 1; cw.calls != want {
		t.Fatalf("%d writes, want %d", cw.calls, want)
	}
	r := mustReader(t, cw.buf.Bytes(), nil)
	got, err := io.ReadAll(r.Snapshot())
	if err != nil || !bytes.Equal(got, state) {
		t.Fatalf("snapshot %q, %v", got, err)
	}
	if st := r.Stats(); st.SnapshotFrames != 7 {
		t.Fatalf("%d snapshot frames, want 7", st.SnapshotFrames)
	}

	fail := errors.New("disk full")
	sw = NewSnapshotWriter(failingWriter{fail}, f, 4)
	if _, err := sw.Write([]byte("0123456789")); !errors.Is(err, fail) {
		t.Fatalf("Write: %v, want %v", err, fail)
	}
	if err := sw.Close(); !errors.Is(err, fail) {
		t.Fatalf("Close after a failed Write: %v, want %v", err, fail)
	}
}

type countingWriter struct {
	buf   bytes.Buffer
	calls int
}

func (w *countingWriter) Write(p []byte) (int, error) { w.calls++; return w.buf.Write(p) }

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }
