package journal

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// rawFrame returns a plaintext frame with valid checksums for b's file.
func (b built) rawFrame(kind Kind, flags Flags, index uint64, payload []byte) []byte {
	f := make([]byte, FrameHeaderSize, FrameHeaderSize+len(payload))
	le.PutUint32(f[offLength:], uint32(len(payload)))
	f[offKind], f[offFlags] = byte(kind), byte(flags)
	le.PutUint64(f[offIndex:], index)
	return b.refix(append(f, payload...))
}

// refix recomputes both checksums of a frame of b's file after an edit.
func (b built) refix(f []byte) []byte {
	seed := frameSeed(b.header)
	le.PutUint32(f[offHCRC:], seeded(seed, f[:offHCRC]))
	le.PutUint32(f[offDCRC:], seeded(seed, f[FrameHeaderSize:]))
	return f
}

// rehead recomputes the header checksum of a frame of b's file.
func (b built) rehead(f []byte) {
	le.PutUint32(f[offHCRC:], seeded(frameSeed(b.header), f[:offHCRC]))
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func (b built) frame(i int) []byte {
	return append([]byte(nil), b.data[b.frames[i].off:b.frames[i].end]...)
}

// upTo returns the file up to events frame i, exclusive.
func (b built) upTo(i int) []byte {
	if i == len(b.frames) {
		return append([]byte(nil), b.data...)
	}
	return append([]byte(nil), b.data[:b.frames[i].off]...)
}

func oneEvent(at time.Time, reset bool, data string) []byte {
	return AppendEvent(nil, at, reset, []byte(data))
}

// TestTornOrCorrupt covers the rule for invalid events frames: torn if no
// valid synced frame follows, else corrupt.
func TestTornOrCorrupt(t *testing.T) {
	b := build(t, spec{snapshot: []byte("s"), batches: batches(3, 2)})
	end := int64(len(b.data))
	bad := flip(b.frame(2), FrameHeaderSize+1, 0x04) // payload checksum fails
	third := int64(b.frames[2].off)
	next := b.first + 3 // index after the last frame
	later := oneEvent(time.Unix(5, 0), false, "later")
	huge := b.rawFrame(KindEvents, FlagSynced, next, nil)
	le.PutUint32(huge[offLength:], MaxPayload)
	b.rehead(huge)
	huge = append(huge, "only a few payload bytes"...)
	tooLong := b.rawFrame(KindEvents, FlagSynced, next, nil)
	le.PutUint32(tooLong[offLength:], MaxPayload+1)
	tooLong = b.refix(tooLong)

	cases := []struct {
		name   string
		data   []byte
		frames int    // events frames read
		tornAt int64  // -1: corrupt at third
		reason string // of the torn write or corruption
	}{
		{"zero-filled tail after a short one", cat(b.data, []byte("x"), make([]byte, 100)), 3, end, "header checksum"},
		{"short tail", cat(b.data, []byte("0123456789")), 3, end, "10 bytes into a frame header"},
		{"tail declares 64 MiB", cat(b.data, huge), 3, end, "past the end"},
		{"tail declares more than MaxPayload", cat(b.data, tooLong), 3, end, "exceeds"},
		{"damaged last frame", cat(b.upTo(2), bad), 2, third, "payload checksum mismatch; no synced frame follows"},
		{"then a valid synced frame", cat(b.upTo(2), bad, b.rawFrame(KindEvents, FlagSynced, next+5, later)), 2, -1, fmt.Sprintf("follows at byte %d", b.frames[2].end)},
		{"then a valid unsynced frame", cat(b.upTo(2), bad, b.rawFrame(KindEvents, 0, next+5, later)), 2, third, ""},
		// A write of several frames marks only its first synced: the rest
		// of a torn write can survive without turning it into corruption.
		{"then the unsynced rest of the same write", cat(b.upTo(2), bad, b.rawFrame(KindEvents, 0, next, later)), 2, third, "no synced frame follows"},
		{"then a synced frame with an old index", cat(b.upTo(2), bad, b.frame(1)), 2, third, ""},
		{"then a synced frame with the same index", cat(b.upTo(2), bad, b.frame(2)), 2, third, ""},
		{"then a synced snapshot frame", cat(b.upTo(2), bad, b.rawFrame(KindSnapshotChunk, FlagSynced, next+5, later)), 2, third, ""},
		{"then a synced frame cut short", cat(b.upTo(2), bad, b.rawFrame(KindEvents, FlagSynced, next+5, later)[:30]), 2, third, ""},
		{"then a synced frame inside garbage", cat(b.upTo(2), bad, []byte("xyz"), b.rawFrame(KindEvents, FlagSynced, next+5, later), []byte("abc")), 2, -1, "follows"},
		{"more than MaxPayload, then a synced frame", cat(b.upTo(2), tooLong[:FrameHeaderSize], b.rawFrame(KindEvents, FlagSynced, next+5, later)), 2, -1, "exceeds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := readAll(c.data, nil)
			if c.tornAt < 0 {
				wantCorrupt(t, res, third, c.reason)
				return
			}
			wantEvents(t, res, b.prefix(c.frames), c.tornAt)
			if got := res.torn.Offset + res.torn.Bytes; got != int64(len(c.data)) {
				t.Fatalf("torn write ends at %d, the file at %d", got, len(c.data))
			}
			if !strings.Contains(res.torn.Reason, c.reason) {
				t.Fatalf("torn write %+v: want a reason containing %q", res.torn, c.reason)
			}
		})
	}
}

// TestIntactButInvalid: a frame whose checksums match holds the bytes that
// were written, so a torn write cannot explain it: always corrupt, even as
// the last, unsynced frame.
func TestIntactButInvalid(t *testing.T) {
	b := build(t, spec{snapshot: []byte("s"), batches: batches(3, 2), synced: []bool{false, false, false}})
	at := time.Unix(1, 0)
	second, third := int64(b.frames[1].off), int64(b.frames[2].off)
	i2 := b.first + 2
	withFlags := b.frame(2)
	withFlags[offFlags] = 0x02
	withZero := b.frame(2)
	withZero[offZero+1] = 1
	nanos := []byte{1 + 1 + 5, 0, 2, 0x80, 0x94, 0xeb, 0xdc, 0x03} // 1e9 ns
	cases := []struct {
		name   string
		data   []byte
		at     int64
		reason string
	}{
		{"dropped frame", cat(b.upTo(1), b.frame(2)), second, "index"},
		{"duplicated frame", cat(b.upTo(2), b.frame(1)), third, "index"},
		{"swapped frames", cat(b.upTo(1), b.frame(2), b.frame(1)), second, "index"},
		{"unknown frame flag", cat(b.upTo(2), b.refix(withFlags)), third, "flags"},
		{"nonzero reserved bytes", cat(b.upTo(2), b.refix(withZero)), third, "reserved"},
		{"no entry", cat(b.upTo(2), b.rawFrame(KindEvents, 0, i2, nil)), third, "no entry"},
		{"nanoseconds out of range", cat(b.upTo(2), b.rawFrame(KindEvents, 0, i2, nanos)), third, "out of range"},
		{"unknown entry flag", cat(b.upTo(2), b.rawFrame(KindEvents, 0, i2, []byte{3, 2, 0, 0})), third, "unknown flags"},
		{"trailing garbage", cat(b.upTo(2), b.rawFrame(KindEvents, 0, i2, append(oneEvent(at, false, "e"), 0x05))), third, "runs past"},
		{"entry longer than the frame", cat(b.upTo(2), b.rawFrame(KindEvents, 0, i2, oneEvent(at, false, "e")[:4])), third, "runs past"},
		{"seconds overflow", cat(b.upTo(2), b.rawFrame(KindEvents, 0, i2, append([]byte{12, 0}, bytes.Repeat([]byte{0xff}, 11)...))), third, "seconds"},
		{"snapshot chunk after the end", cat(b.upTo(2), b.rawFrame(KindSnapshotChunk, 0, i2, []byte("s"))), third, "snapshot chunk frame after"},
		{"second snapshot end", cat(b.upTo(0), b.rawFrame(KindSnapshotEnd, 0, b.first, le.AppendUint64(nil, 1))), int64(b.snapEnd), "snapshot end frame after"},
		{"first entry without reset", cat(b.upTo(0), b.rawFrame(KindEvents, 0, b.first, oneEvent(at, false, "e"))), int64(b.snapEnd), "reset"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantCorrupt(t, readAll(c.data, nil), c.at, c.reason)
		})
	}
}

func TestSnapshotInvalid(t *testing.T) {
	b := build(t, spec{snapshot: []byte("state"), batches: batches(1, 1)})
	h := b.data[:b.headerLen:b.headerLen]
	chunk := b.rawFrame(KindSnapshotChunk, 0, 0, []byte("state"))
	after := len(h) + len(chunk)
	cases := []struct {
		name   string
		data   []byte
		at     int
		reason string
	}{
		{"events before the end", cat(h, chunk, b.rawFrame(KindEvents, 0, 1, oneEvent(time.Unix(0, 0), true, "e"))), after, "before the snapshot end"},
		{"end says too many bytes", cat(h, chunk, b.rawFrame(KindSnapshotEnd, 0, 1, le.AppendUint64(nil, 6))), after, "says 6 bytes"},
		{"end of 7 bytes", cat(h, chunk, b.rawFrame(KindSnapshotEnd, 0, 1, make([]byte, 7))), after, "7 bytes"},
		{"chunk index 1 first", cat(h, b.rawFrame(KindSnapshotChunk, 0, 1, []byte("state"))), len(h), "index 1, want 0"},
		{"unknown kind", cat(h, b.rawFrame(Kind(9), 0, 0, nil)), len(h), "kind 9"},
		{"no snapshot end", cat(h, chunk), after, "ends before the snapshot end"},
		{"empty after the header", h, len(h), "ends before the snapshot end"},
		{"cut in a frame", cat(h, chunk[:27]), len(h), "ends inside"},
		{"damaged chunk", cat(h, flip(chunk, 25, 1)), len(h), "payload checksum"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantCorrupt(t, readAll(c.data, nil), int64(c.at), c.reason)
		})
	}
}

// TestSealedTampering: an attacker without the key who fixes the
// checksums still fails authentication, because the file ID, index, kind
// and flags are bound into every sealed frame.
func TestSealedTampering(t *testing.T) {
	aead := std(t)
	b := build(t, spec{aead: aead, snapshot: []byte("s"), batches: batches(3, 2), synced: []bool{true, false, false}})
	other := build(t, spec{aead: aead, snapshot: []byte("s"), batches: batches(3, 2), seed: 7})
	second := int64(b.frames[1].off)
	reindex := func(f []byte, i int) []byte { le.PutUint64(f[offIndex:], b.first+uint64(i)); return b.refix(f) }
	reflag := b.frame(1)
	reflag[offFlags] ^= byte(FlagSynced)
	cases := []struct {
		name string
		data []byte
	}{
		{"swapped and re-indexed", cat(b.upTo(1), reindex(b.frame(2), 1), reindex(b.frame(1), 2))},
		{"dropped and re-indexed", cat(b.upTo(1), reindex(b.frame(2), 1))},
		{"duplicated and re-indexed", cat(b.upTo(1), reindex(b.frame(0), 1))},
		{"synced flag flipped", cat(b.upTo(1), b.refix(reflag), b.frame(2))},
		{"payload changed", cat(b.upTo(1), b.refix(flip(b.frame(1), FrameHeaderSize+3, 1)), b.frame(2))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantCorrupt(t, readAll(c.data, aead), second, "does not authenticate")
		})
	}
	// Another file's frame fails the checksums seeded with this file's
	// id: it reads as damage, here a torn write since no synced frame of
	// this file follows. Version 1 checksums did not tell files apart, so
	// only authentication stopped it.
	wantEvents(t, readAll(cat(b.upTo(1), other.frame(1), b.frame(2)), aead), b.prefix(1), second)
	v1 := build(t, spec{aead: aead, version: Version1, snapshot: []byte("s"), batches: batches(3, 2), synced: []bool{true, false, false}})
	v1other := build(t, spec{aead: aead, version: Version1, snapshot: []byte("s"), batches: batches(3, 2), seed: 7})
	wantCorrupt(t, readAll(cat(v1.upTo(1), v1other.frame(1), v1.frame(2)), aead), int64(v1.frames[1].off), "does not authenticate")
	// A synced frame of another file after damage does not make it
	// corruption: it would not authenticate here.
	bad := flip(b.frame(1), 30, 1)
	foreign := other.frame(2)
	foreign[offFlags] |= byte(FlagSynced)
	res := readAll(cat(b.upTo(1), bad, reindex(foreign, 5)), aead)
	wantEvents(t, res, b.prefix(1), second)
	res = readAll(cat(b.upTo(1), bad, b.frame(2)), aead)
	wantEvents(t, res, b.prefix(1), second) // frame 2 is not synced
}

// TestHugeDeclaredLength: a declared length costs memory only for the
// bytes that are really there.
func TestHugeDeclaredLength(t *testing.T) {
	b := build(t, spec{snapshot: []byte("s"), batches: batches(1, 1)})
	claim := func(kind Kind, index uint64) []byte {
		f := b.rawFrame(kind, FlagSynced, index, nil)
		le.PutUint32(f[offLength:], MaxPayload)
		b.rehead(f)
		return cat(f, bytes.Repeat([]byte{7}, 1000))
	}
	cases := []struct {
		name  string
		data  []byte
		check func(t *testing.T, res result)
	}{
		{"events", cat(b.data, claim(KindEvents, b.first+1)), func(t *testing.T, res result) {
			wantEvents(t, res, b.prefix(1), int64(len(b.data)))
		}},
		{"snapshot", cat(b.data[:b.headerLen], claim(KindSnapshotChunk, 0)), func(t *testing.T, res result) {
			wantCorrupt(t, res, int64(b.headerLen))
		}},
		{"scan after damage", cat(b.data, flip(claim(KindEvents, b.first+1), 0, 1), claim(KindEvents, b.first+2)), func(t *testing.T, res result) {
			wantEvents(t, res, b.prefix(1), int64(len(b.data)))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			res := readAll(c.data, nil)
			runtime.ReadMemStats(&after)
			c.check(t, res)
			if grown := after.TotalAlloc - before.TotalAlloc; grown > 2<<20 {
				t.Fatalf("reading %d bytes allocated %d bytes", len(c.data), grown)
			}
		})
	}
}
