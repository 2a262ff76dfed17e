package journal

import (
	"crypto/cipher"
	"fmt"
	"testing"
)

// layouts are small journals read byte by byte below: plaintext and
// sealed, Durable-like (every events frame synced), Buffered-like (none)
// and Buffered with an explicit sync (one synced frame in the middle).
func layouts(t *testing.T) []struct {
	name string
	aead cipher.AEAD
	b    built
} {
	var out []struct {
		name string
		aead cipher.AEAD
		b    built
	}
	for _, enc := range []bool{false, true} {
		var aead cipher.AEAD
		prefix := "plain"
		if enc {
			aead, prefix = std(t), "gcm"
		}
		for _, s := range []struct {
			name   string
			synced []bool
		}{
			{"durable", nil},
			{"buffered", []bool{false, false, false, false}},
			{"buffered-sync", []bool{false, false, true, false}},
		} {
			b := build(t, spec{aead: aead, snapshot: []byte("the state of things"), chunk: 8, batches: batches(4, 2), synced: s.synced})
			out = append(out, struct {
				name string
				aead cipher.AEAD
				b    built
			}{prefix + "/" + s.name, aead, b})
		}
	}
	return out
}

func TestTruncateAtEveryOffset(t *testing.T) {
	for _, l := range layouts(t) {
		t.Run(l.name, func(t *testing.T) {
			b := l.b
			for cut := 0; cut <= len(b.data); cut++ {
				t.Run(fmt.Sprint(cut), func(t *testing.T) {
					res := readAll(b.data[:cut], l.aead)
					if cut < b.snapEnd {
						wantCorrupt(t, res, -1)
						return
					}
					whole, torn := 0, int64(-1) // frames wholly kept; start of a cut frame
					for i, fr := range b.frames {
						if cut >= fr.end {
							whole = i + 1
						} else if cut > fr.off {
							torn = int64(fr.off)
						}
					}
					wantEvents(t, res, b.prefix(whole), torn)
					if torn >= 0 && res.torn.Bytes != int64(cut)-torn {
						t.Fatalf("torn write of %d bytes, want %d", res.torn.Bytes, int64(cut)-torn)
					}
					if torn < 0 && res.offset != int64(cut) {
						t.Fatalf("Offset %d, want %d", res.offset, cut)
					}
				})
			}
		})
	}
}

// Every single-byte change is caught by a checksum, so the outcome of each
// is known exactly: damage to the header or snapshot is corruption; damage
// to events frame i is a torn write if no later frame is synced, else
// corruption at frame i.
func TestFlipEveryByte(t *testing.T) {
	for _, l := range layouts(t) {
		t.Run(l.name, func(t *testing.T) {
			b := l.b
			for i := range b.data {
				for _, mask := range []byte{0x01, 0x80, 0xff} {
					res := readAll(flip(b.data, i, mask), l.aead)
					t.Run(fmt.Sprintf("%d^%#x", i, mask), func(t *testing.T) {
						if i < b.snapEnd {
							wantCorrupt(t, res, -1)
							return
						}
						f := 0
						for b.frames[f].end <= i {
							f++
						}
						if syncedAfter(b, f) {
							wantCorrupt(t, res, int64(b.frames[f].off))
							return
						}
						wantEvents(t, res, b.prefix(f), int64(b.frames[f].off))
						if res.torn.Bytes != int64(len(b.data)-b.frames[f].off) {
							t.Fatalf("torn write of %d bytes, want %d", res.torn.Bytes, len(b.data)-b.frames[f].off)
						}
					})
				}
			}
		})
	}
}

func syncedAfter(b built, f int) bool {
	for _, s := range b.synced[f+1:] {
		if s {
			return true
		}
	}
	return false
}

// Damage inside the snapshot names the offset of the frame at fault.
func TestSnapshotDamageOffset(t *testing.T) {
	b := build(t, spec{snapshot: []byte("0123456789abcdef"), chunk: 4, batches: batches(1, 1)})
	frame := b.headerLen + FrameHeaderSize + 4 // the second chunk
	res := readAll(flip(b.data, frame+FrameHeaderSize+1, 0x10), nil)
	wantCorrupt(t, res, int64(frame))
}
