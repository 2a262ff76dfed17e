package journal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

// testKey returns a 32-byte key whose bytes start at first.
func testKey(first byte) []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = first + byte(i)
	}
	return k
}

// gcm returns AES-GCM with the given key, nonce size and tag size
// (0 means the standard 12 and 16).
func gcm(t testing.TB, key []byte, nonceSize, tagSize int) cipher.AEAD {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	var a cipher.AEAD
	switch {
	case nonceSize != 0:
		a, err = cipher.NewGCMWithNonceSize(block, nonceSize)
	case tagSize != 0:
		a, err = cipher.NewGCMWithTagSize(block, tagSize)
	default:
		a, err = cipher.NewGCM(block)
	}
	if err != nil {
		t.Fatal(err)
	}
	return a
}

type tevent struct {
	at    time.Time
	reset bool
	data  string
}

// batches returns frames events frames of perFrame events each; the
// first event has the reset flag.
func batches(frames, perFrame int) [][]tevent {
	out := make([][]tevent, frames)
	base := time.Unix(1_700_000_000, 0).UTC()
	n := 0
	for i := range out {
		for range perFrame {
			out[i] = append(out[i], tevent{
				at:    base.Add(time.Duration(n) * 1001 * time.Microsecond),
				reset: n == 0,
				data:  fmt.Sprintf("event-%d", n),
			})
			n++
		}
	}
	return out
}

// spec describes a journal to build.
type spec struct {
	aead     cipher.AEAD
	codec    string // "" means "test"
	snapshot []byte
	chunk    int // snapshot chunk size
	batches  [][]tevent
	synced   []bool // per batch; nil means all synced
	seed     uint64
	version  uint16   // 0 means Version
	info     FileInfo // version 2 only
	seal     int      // after batch seal-1 (0: none)
	closed   bool     // end with a closed seal
}

type span struct{ off, end int }

// built is a journal and where its parts are.
type built struct {
	data      []byte
	header    Header
	headerLen int
	snapEnd   int    // end of the snapshot end frame
	first     uint64 // index of the first events frame
	frames    []span // events frames
	seals     []span // seal frames
	synced    []bool
	batches   [][]tevent
}

// prefix returns the events of the first n events frames.
func (b built) prefix(n int) []tevent {
	var out []tevent
	for _, bt := range b.batches[:n] {
		out = append(out, bt...)
	}
	return out
}

func build(t testing.TB, s spec) built {
	t.Helper()
	codec := s.codec
	if codec == "" {
		codec = "test"
	}
	version := s.version
	if version == 0 {
		version = Version
	}
	f, err := newFramer(codec, s.aead, rand.NewChaCha8([32]byte{byte(s.seed), byte(s.seed >> 8)}), s.info, version)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.Write(f.AppendHeader(nil))
	b := built{header: f.Header(), headerLen: buf.Len(), batches: s.batches}
	if !s.info.Continuation {
		sw := NewSnapshotWriter(&buf, f, s.chunk)
		if _, err := sw.Write(s.snapshot); err != nil {
			t.Fatal(err)
		}
		if err := sw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	b.snapEnd, b.first = buf.Len(), f.NextIndex()
	seq, last := s.info.BaseSeq, s.info.BaseTime
	seal := func(closed bool) {
		off := buf.Len()
		frame, err := f.AppendSeal(nil, seq, last, closed)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(frame)
		b.seals = append(b.seals, span{off, buf.Len()})
	}
	for i, bt := range s.batches {
		if s.seal > 0 && i == s.seal {
			seal(false)
		}
		var payload []byte
		for _, e := range bt {
			payload = AppendEvent(payload, e.at, e.reset, []byte(e.data))
		}
		synced := s.synced == nil || s.synced[i]
		var flags Flags
		if synced {
			flags = FlagSynced
		}
		off := buf.Len()
		frame, err := f.AppendFrame(nil, KindEvents, flags, payload)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(frame)
		b.frames = append(b.frames, span{off, buf.Len()})
		b.synced = append(b.synced, synced)
		seq += uint64(len(bt))
		if len(bt) > 0 {
			last = bt[len(bt)-1].at
		}
	}
	if s.seal > 0 && s.seal == len(s.batches) {
		seal(false)
	}
	if s.closed {
		seal(true)
	}
	b.data = buf.Bytes()
	return b
}

// result is everything a Reader made of a file.
type result struct {
	header   Header
	snapshot []byte
	events   []tevent
	offsets  []int64 // FrameOffset of each event
	torn     *Torn
	offset   int64
	stats    ReaderStats
	err      error
	seqs     []uint64 // Seq of each event
	seq      uint64   // the Reader's at the end
	closed   bool
	padding  int64
}

func readAll(data []byte, aead cipher.AEAD) result {
	var res result
	r, err := NewReader(bytes.NewReader(data), "journal.test", aead)
	if err != nil {
		res.err = err
		return res
	}
	res.header = r.Header()
	if res.snapshot, err = io.ReadAll(r.Snapshot()); err != nil {
		res.err = err
		return res
	}
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			res.err = err
			return res
		}
		res.events = append(res.events, tevent{at: ev.At, reset: ev.Reset, data: string(ev.Data)})
		res.offsets = append(res.offsets, ev.FrameOffset)
		res.seqs = append(res.seqs, ev.Seq)
	}
	res.torn, res.offset, res.stats = r.Torn(), r.Offset(), r.Stats()
	res.seq, res.closed, res.padding = r.Seq(), r.Closed(), r.Padding()
	return res
}

// wantCorrupt checks that res failed with a *CorruptError at offset (any
// offset if offset < 0) whose reason contains each of reasons.
func wantCorrupt(t *testing.T, res result, offset int64, reasons ...string) {
	t.Helper()
	var ce *CorruptError
	if !errors.As(res.err, &ce) || !errors.Is(res.err, store.ErrCorrupt) {
		t.Fatalf("got error %v (events %d, torn %+v), want a *CorruptError", res.err, len(res.events), res.torn)
	}
	if offset >= 0 && ce.Offset != offset {
		t.Fatalf("corrupt at byte %d (%v), want byte %d", ce.Offset, ce, offset)
	}
	for _, r := range reasons {
		if !strings.Contains(ce.Reason, r) {
			t.Fatalf("%v: want a reason containing %q", ce, r)
		}
	}
	if want := fmt.Sprintf("journal: journal.test: corrupt at byte %d: %s", ce.Offset, ce.Reason); ce.Error() != want {
		t.Fatalf("message %q, want %q", ce.Error(), want)
	}
}

// wantEvents checks that res read exactly events, and a torn write at
// tornAt (none if tornAt < 0).
func wantEvents(t *testing.T, res result, events []tevent, tornAt int64) {
	t.Helper()
	if res.err != nil {
		t.Fatalf("unexpected error: %v", res.err)
	}
	if len(res.events) != len(events) {
		t.Fatalf("read %d events, want %d (torn %+v)", len(res.events), len(events), res.torn)
	}
	for i := range events {
		if !res.events[i].at.Equal(events[i].at) || res.events[i].at != events[i].at ||
			res.events[i].reset != events[i].reset || res.events[i].data != events[i].data {
			t.Fatalf("event %d = %+v, want %+v", i, res.events[i], events[i])
		}
	}
	switch {
	case tornAt < 0 && res.torn != nil:
		t.Fatalf("unexpected torn write %+v", res.torn)
	case tornAt >= 0 && res.torn == nil:
		t.Fatalf("no torn write, want one at byte %d", tornAt)
	case tornAt >= 0 && (res.torn.Offset != tornAt || res.offset != tornAt):
		t.Fatalf("torn write %+v, Offset %d, want both at byte %d", res.torn, res.offset, tornAt)
	}
}

func std(t testing.TB) cipher.AEAD     { return gcm(t, testKey(0), 0, 0) }
func nonce24(t testing.TB) cipher.AEAD { return gcm(t, testKey(0), 24, 0) }
func tag12(t testing.TB) cipher.AEAD   { return gcm(t, testKey(0), 0, 12) }
