package journal

import (
	"bytes"
	"testing"
	"time"
)

// TestClosedSeal: after the seal of a clean close nothing is a torn write.
func TestClosedSeal(t *testing.T) {
	for _, aead := range []bool{false, true} {
		s := spec{snapshot: []byte("s"), batches: batches(4, 2), synced: []bool{true, false, false, false}, closed: true}
		if aead {
			s.aead = std(t)
		}
		b := build(t, s)
		last := int64(b.frames[3].off)
		seal := b.data[b.seals[0].off:b.seals[0].end]
		cases := []struct {
			name string
			data []byte
			want func(t *testing.T, res result)
		}{
			{"intact", b.data, func(t *testing.T, res result) {
				wantEvents(t, res, b.prefix(4), -1)
				if !res.closed || res.stats.Seals != 1 {
					t.Fatalf("closed %v, seals %d", res.closed, res.stats.Seals)
				}
			}},
			{"last events frame damaged", flip(b.data, b.frames[3].off+FrameHeaderSize+1, 1), func(t *testing.T, res result) {
				wantCorrupt(t, res, last, "synced frame follows")
			}},
			{"last frame header damaged", flip(b.data, b.frames[3].off+2, 1), func(t *testing.T, res result) {
				wantCorrupt(t, res, last, "synced frame follows")
			}},
			{"zeros after the seal", cat(b.data, make([]byte, 300)), func(t *testing.T, res result) {
				wantEvents(t, res, b.prefix(4), -1)
				if !res.closed || res.padding != 300 {
					t.Fatalf("closed %v, padding %d", res.closed, res.padding)
				}
			}},
			{"bytes after the seal", cat(b.data, []byte("xx")), func(t *testing.T, res result) {
				wantCorrupt(t, res, int64(len(b.data)), "after the closed seal")
			}},
			{"a frame after the seal", cat(b.data, b.frame(3)), func(t *testing.T, res result) {
				wantCorrupt(t, res, int64(len(b.data)), "after the closed seal")
			}},
			// Losing the seal itself loses no event: it reads as a crash
			// during Close, which the docs say a reader cannot tell apart.
			{"seal cut", b.data[:len(b.data)-3], func(t *testing.T, res result) {
				wantEvents(t, res, b.prefix(4), int64(b.seals[0].off))
			}},
			{"seal moved before the last frame", cat(b.upTo(3), seal, b.frame(3)), func(t *testing.T, res result) {
				wantCorrupt(t, res, last, "")
			}},
		}
		for _, c := range cases {
			t.Run(map[bool]string{false: "plain/", true: "gcm/"}[aead]+c.name, func(t *testing.T) {
				c.want(t, readAll(c.data, s.aead))
			})
		}
	}
}

// TestSealChecks: a seal names the file's last event; one that does not
// is corruption, as is a seal in a version 1 file.
func TestSealChecks(t *testing.T) {
	b := build(t, spec{snapshot: []byte("s"), batches: batches(2, 2), seal: 1, info: FileInfo{BaseSeq: 10}})
	wantEvents(t, readAll(b.data, nil), b.prefix(2), -1)
	if res := readAll(b.data, nil); res.seq != 14 || res.closed || len(res.seqs) != 4 || res.seqs[0] != 11 {
		t.Fatalf("seq %d, closed %v, seqs %v; want 14, false, from 11", res.seq, res.closed, res.seqs)
	}
	seal := b.data[b.seals[0].off:b.seals[0].end]
	forge := func(edit func(p []byte)) []byte {
		f := bytes.Clone(seal)
		edit(f[FrameHeaderSize:])
		return cat(b.data[:b.seals[0].off], b.refix(f), b.frame(1))
	}
	at := int64(b.seals[0].off)
	wantCorrupt(t, readAll(forge(func(p []byte) { p[0]++ }), nil), at, "last event is number 13, the file's is 12")
	wantCorrupt(t, readAll(forge(func(p []byte) { p[8]++ }), nil), at, "last event's time")
	wantCorrupt(t, readAll(forge(func(p []byte) { p[20] = 2 }), nil), at, "unknown seal flags")
	short := bytes.Clone(seal[:len(seal)-1])
	le.PutUint32(short[offLength:], sealSize-1)
	wantCorrupt(t, readAll(cat(b.data[:b.seals[0].off], b.refix(short), b.frame(1)), nil), at, "seal holds 20 bytes")

	v1 := build(t, spec{version: Version1, snapshot: []byte("s"), batches: batches(1, 1)})
	if _, err := (&Framer{hdr: Header{Version: Version1}}).AppendSeal(nil, 0, time.Time{}, true); err == nil {
		t.Fatal("a version 1 framer wrote a seal")
	}
	forged := v1.rawFrame(KindSeal, 0, v1.first+1, make([]byte, sealSize))
	wantCorrupt(t, readAll(cat(v1.data, forged), nil), int64(len(v1.data)), "seal frame after the snapshot end")
}

// TestEmbeddedJournalInTornWrite: an event whose data holds another
// journal, synced frames and all, is torn by a power cut. The torn write
// must read as torn, not brick the journal as corrupt.
func TestEmbeddedJournalInTornWrite(t *testing.T) {
	for _, v := range []uint16{Version1, Version} {
		inner := build(t, spec{version: v, snapshot: []byte("inner"), batches: batches(3, 1), seed: 9})
		b := build(t, spec{version: v, snapshot: []byte("s"), batches: [][]tevent{
			{{at: time.Unix(1, 0).UTC(), reset: true, data: "first"}},
			{{at: time.Unix(2, 0).UTC(), data: "a file: " + string(inner.data)}},
		}})
		// The power cut leaves the start of the frame's payload unwritten
		// (zeros), the rest, with the embedded journal, on disk.
		torn := bytes.Clone(b.data)
		clear(torn[b.frames[1].off+FrameHeaderSize : b.frames[1].off+FrameHeaderSize+4])
		wantEvents(t, readAll(torn, nil), b.prefix(1), int64(b.frames[1].off))

		// The same with the header torn too: the frames inside fail this
		// file's seeded checksums. Version 1 checksums are not seeded, so
		// there the embedded journal's synced frames pass for this file's:
		// the defect that version 2 fixes.
		clear(torn[b.frames[1].off : b.frames[1].off+8])
		res := readAll(torn, nil)
		if v == Version1 {
			wantCorrupt(t, res, int64(b.frames[1].off), "synced frame follows")
			continue
		}
		wantEvents(t, res, b.prefix(1), int64(b.frames[1].off))
	}
}

// TestOwnFrameInTornWrite: the data even holds a synced frame of this
// very file, with a later index. A payload that fails its checksum under
// an intact header is searched only past its declared length.
func TestOwnFrameInTornWrite(t *testing.T) {
	pre := build(t, spec{snapshot: []byte("s"), batches: batches(3, 1)})
	own := pre.frame(2)
	le.PutUint64(own[offIndex:], pre.first+7)
	own = pre.refix(own)
	b := build(t, spec{snapshot: []byte("s"), batches: [][]tevent{
		pre.batches[0], pre.batches[1],
		{{at: time.Unix(3, 0).UTC(), data: "copy: " + string(own) + " and more"}},
	}})
	if b.header.FileID != pre.header.FileID {
		t.Fatal("the two builds differ in file id")
	}
	torn := bytes.Clone(b.data)
	torn[b.frames[2].off+FrameHeaderSize+1] ^= 0xff
	wantEvents(t, readAll(torn, nil), b.prefix(2), int64(b.frames[2].off))
}

// TestZeroGap: zeros end the log only if nothing but zeros follows.
func TestZeroGap(t *testing.T) {
	b := build(t, spec{snapshot: []byte("s"), batches: batches(3, 1)})
	gap := bytes.Clone(b.data)
	clear(gap[b.frames[1].off:b.frames[1].end])
	wantCorrupt(t, readAll(gap, nil), int64(b.frames[1].off), "synced frame follows")
	res := readAll(cat(b.upTo(1), make([]byte, 5000)), nil)
	wantEvents(t, res, b.prefix(1), -1)
	if res.padding != 5000 {
		t.Fatalf("padding %d, want 5000", res.padding)
	}
}

// TestContinuation: a continuation has no snapshot and counts on from
// its base.
func TestContinuation(t *testing.T) {
	prev := [16]byte{1}
	b := build(t, spec{batches: batches(2, 1), info: FileInfo{BaseSeq: 5, PrevFileID: prev, Continuation: true}, closed: true})
	res := readAll(b.data, nil)
	wantEvents(t, res, b.prefix(2), -1)
	if res.seq != 7 || !res.header.Continuation || res.header.PrevFileID != prev || !res.closed {
		t.Fatalf("seq %d, header %+v, closed %v", res.seq, res.header, res.closed)
	}
	snap := b.rawFrame(KindSnapshotEnd, 0, b.first, make([]byte, 8))
	wantCorrupt(t, readAll(cat(b.data[:b.headerLen], snap), nil), int64(b.headerLen), "snapshot end frame after the snapshot end")
	if _, err := NewFramer("test", nil, FileInfo{Continuation: true}); err == nil {
		t.Fatal("a continuation without a predecessor was accepted")
	}
}

// TestPeekHeader reads an encrypted file's header without its key, and
// still refuses a damaged one.
func TestPeekHeader(t *testing.T) {
	b := build(t, spec{aead: std(t), snapshot: []byte("s"), batches: batches(1, 1), info: FileInfo{BaseSeq: 9, PrevFileID: [16]byte{3}}})
	h, err := PeekHeader(bytes.NewReader(b.data), "journal.test")
	if err != nil || !h.Encrypted || h.BaseSeq != 9 || h.PrevFileID != ([16]byte{3}) || h.FileID != b.header.FileID {
		t.Fatalf("PeekHeader = %+v, %v", h, err)
	}
	if _, err := PeekHeader(bytes.NewReader(flip(b.data, 20, 1)), "journal.test"); err == nil {
		t.Fatal("a damaged header was accepted")
	}
}
