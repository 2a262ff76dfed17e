package journal

import (
	"bytes"
	"testing"
)

// TestPreallocatedTail reads files as a crash leaves them in preallocated
// space: the bytes that reached the disk, then the zeros reserved and
// never written. Zeros to the end are the end of the log; a write torn
// into the zeros is a torn last write; a frame after zeros is damage.
func TestPreallocatedTail(t *testing.T) {
	b := build(t, spec{snapshot: []byte("s"), batches: batches(4, 2)})
	f2 := b.frames[2]
	zeros := make([]byte, 1<<20)
	tests := []struct {
		name    string
		data    []byte
		events  int
		tornAt  int64 // -1: none
		padding int64
		corrupt bool
	}{
		{"whole frames then zeros", cat(b.upTo(2), zeros), 2, -1, 1 << 20, false},
		{"every frame then zeros", cat(b.data, zeros), 4, -1, 1 << 20, false},
		{"no frame then zeros", cat(b.upTo(0), zeros), 0, -1, 1 << 20, false},
		{"half a payload then zeros", cat(b.data[:f2.off+FrameHeaderSize+(f2.end-f2.off-FrameHeaderSize)/2], zeros), 2, int64(f2.off), 0, false},
		{"half a header then zeros", cat(b.data[:f2.off+10], zeros), 2, int64(f2.off), 0, false},
		{"the header alone then zeros", cat(b.data[:f2.off+FrameHeaderSize], zeros), 2, int64(f2.off), 0, false},
		{"a frame lost, the next written", cat(b.upTo(2), make([]byte, f2.end-f2.off), b.data[f2.end:], zeros), 0, -1, 0, true},
		{"zeros then garbage", cat(b.upTo(2), zeros[:100], []byte("garbage"), zeros[:100]), 2, int64(f2.off), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readAll(tt.data, nil)
			if tt.corrupt {
				wantCorrupt(t, res, int64(f2.off), "synced frame follows")
				return
			}
			wantEvents(t, res, b.prefix(tt.events), tt.tornAt)
			if res.padding != tt.padding {
				t.Fatalf("padding %d, want %d", res.padding, tt.padding)
			}
		})
	}
}

// TestPreallocatedResume follows a file that grows into its preallocated
// zeros: each look sees the frames written so far, then zeros, and a
// Reader resumed at the position reads the next frames once written.
func TestPreallocatedResume(t *testing.T) {
	b := build(t, spec{snapshot: []byte("s"), batches: batches(4, 2)})
	size := len(b.data) + 4096
	look := func(written int) []byte { return cat(b.data[:written], make([]byte, size-written)) }
	r, err := NewReader(bytes.NewReader(look(b.frames[1].end)), "journal.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got int
	for {
		if _, err := r.Next(); err != nil {
			break
		}
		got++
	}
	for _, written := range []int{b.frames[2].off + 7, b.frames[2].end, b.frames[3].off + FrameHeaderSize, len(b.data)} {
		pos, ok := r.Position()
		if !ok {
			t.Fatalf("no position after %d events", got)
		}
		r = Resume(bytes.NewReader(look(written)[pos.Offset():]), "journal.test", nil, pos)
		for {
			_, err := r.Next()
			if err != nil {
				if r.Torn() == nil && r.Padding() == 0 {
					t.Fatalf("at %d bytes written: %v, neither torn nor padding", written, err)
				}
				break
			}
			got++
		}
	}
	if got != len(b.prefix(4)) {
		t.Fatalf("followed %d events, want %d", got, len(b.prefix(4)))
	}
}
