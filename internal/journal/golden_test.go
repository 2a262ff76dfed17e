package journal

import (
	"bytes"
	"crypto/cipher"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the journals under testdata")

// golden describes the journals kept under testdata (see its README):
// version 2 at the top, version 1 under v1/.
type golden struct {
	file  string
	aead  bool // sealed with goldenKey
	make  func(t testing.TB) []byte
	check func(t *testing.T, res result)
}

func goldenBase(t testing.TB, synced []bool) built { return goldenBaseV(t, synced, Version) }

func goldenBaseV(t testing.TB, synced []bool, v uint16) built {
	return build(t, spec{version: v, snapshot: []byte("golden state, in three chunks"), chunk: 12, batches: batches(3, 2), synced: synced, seed: 1})
}

func goldenAEAD(t testing.TB) cipher.AEAD { return gcm(t, testKey(0), 0, 0) }

func goldens(v uint16) []golden {
	goldenBase := func(t testing.TB, synced []bool) built { return goldenBaseV(t, synced, v) }
	build := func(t testing.TB, s spec) built { s.version = v; return build(t, s) }
	return []golden{
		{"plain.jnl", false,
			func(t testing.TB) []byte { return goldenBase(t, nil).data },
			func(t *testing.T, res result) { wantEvents(t, res, goldenBase(t, nil).prefix(3), -1) }},
		{"aesgcm.jnl", true,
			func(t testing.TB) []byte {
				return build(t, spec{aead: goldenAEAD(t), snapshot: []byte("sealed state"), batches: batches(2, 2), seed: 2}).data
			},
			func(t *testing.T, res result) { wantEvents(t, res, built{batches: batches(2, 2)}.prefix(2), -1) }},
		{"torn-tail.jnl", false,
			func(t testing.TB) []byte { b := goldenBase(t, nil); return b.data[:b.frames[2].off+10] },
			func(t *testing.T, res result) {
				b := goldenBase(t, nil)
				wantEvents(t, res, b.prefix(2), int64(b.frames[2].off))
			}},
		{"buffered-damage.jnl", false,
			func(t testing.TB) []byte {
				b := goldenBase(t, []bool{false, false, false})
				return flip(b.data, b.frames[1].off+FrameHeaderSize+2, 0x20)
			},
			func(t *testing.T, res result) {
				b := goldenBase(t, []bool{false, false, false})
				wantEvents(t, res, b.prefix(1), int64(b.frames[1].off))
			}},
		{"durable-damage.jnl", false,
			func(t testing.TB) []byte {
				b := goldenBase(t, nil)
				return flip(b.data, b.frames[1].off+FrameHeaderSize+2, 0x20)
			},
			func(t *testing.T, res result) {
				wantCorrupt(t, res, int64(goldenBase(t, nil).frames[1].off), "payload checksum", "synced frame follows")
			}},
		{"snapshot-cut.jnl", false,
			func(t testing.TB) []byte { b := goldenBase(t, nil); return b.data[:b.snapEnd-3] },
			func(t *testing.T, res result) { wantCorrupt(t, res, -1, "ends inside a snapshot frame") }},
		{"dropped-frame.jnl", false,
			func(t testing.TB) []byte { b := goldenBase(t, nil); return cat(b.upTo(1), b.frame(2)) },
			func(t *testing.T, res result) {
				wantCorrupt(t, res, int64(goldenBase(t, nil).frames[1].off), "index")
			}},
	}
}

// TestGolden reads the journals under testdata, and checks that the
// writer still produces them byte for byte: a change of the format shows
// up here first.
func TestGolden(t *testing.T) {
	for _, g := range allGoldens() {
		t.Run(g.file, func(t *testing.T) {
			path := filepath.Join("testdata", g.file)
			data := g.make(t)
			if *update {
				if err := os.WriteFile(path, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			stored, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (generate with go test -run TestGolden -update)", err)
			}
			if !bytes.Equal(stored, data) {
				t.Fatalf("the writer no longer produces %s byte for byte: the format changed", path)
			}
			var aead cipher.AEAD
			if g.aead {
				aead = goldenAEAD(t)
			}
			g.check(t, readAll(stored, aead))
		})
	}
}

func allGoldens() []golden {
	var all []golden
	for _, g := range goldens(Version1) {
		g.file = filepath.Join("v1", g.file)
		all = append(all, g)
	}
	return append(append(all, goldens(Version)...), goldensV2()...)
}

// goldensV2 pins what only version 2 has: seals, a continuation, the end
// of the log in zeros.
func goldensV2() []golden {
	base := time.Unix(1_700_000_000, 0).UTC()
	sealed := func(t testing.TB) built {
		return build(t, spec{snapshot: []byte("sealed and closed"), batches: batches(3, 2), synced: []bool{true, false, false},
			seed: 3, seal: 2, closed: true, info: FileInfo{BaseSeq: 41, BaseTime: base.Add(-time.Second)}})
	}
	cont := func(t testing.TB) built {
		return build(t, spec{batches: batches(2, 2), seed: 4, closed: true,
			info: FileInfo{BaseSeq: 47, BaseTime: base.Add(-time.Millisecond), PrevFileID: sealed(t).header.FileID, Continuation: true}})
	}
	return []golden{
		{"sealed.jnl", false,
			func(t testing.TB) []byte { return sealed(t).data },
			func(t *testing.T, res result) {
				b := sealed(t)
				wantEvents(t, res, b.prefix(3), -1)
				if res.stats.Seals != 2 || !res.closed || res.seq != 47 {
					t.Fatalf("seals %d, closed %v, seq %d; want 2, true, 47", res.stats.Seals, res.closed, res.seq)
				}
			}},
		{"sealed-last-frame-damaged.jnl", false,
			func(t testing.TB) []byte {
				b := sealed(t)
				return flip(b.data, b.frames[2].off+FrameHeaderSize+2, 0x20)
			},
			func(t *testing.T, res result) {
				wantCorrupt(t, res, int64(sealed(t).frames[2].off), "payload checksum", "synced frame follows")
			}},
		{"continuation.jnl", false,
			func(t testing.TB) []byte { return cont(t).data },
			func(t *testing.T, res result) {
				wantEvents(t, res, cont(t).prefix(2), -1)
				if !res.header.Continuation || res.header.PrevFileID != sealed(t).header.FileID || len(res.snapshot) != 0 {
					t.Fatalf("header %+v, snapshot %q: want a continuation of sealed.jnl without a snapshot", res.header, res.snapshot)
				}
			}},
		{"zero-padded.jnl", false,
			func(t testing.TB) []byte { return cat(goldenBase(t, nil).data, make([]byte, 1000)) },
			func(t *testing.T, res result) {
				wantEvents(t, res, goldenBase(t, nil).prefix(3), -1)
				if res.padding != 1000 {
					t.Fatalf("padding %d, want 1000", res.padding)
				}
			}},
	}
}
