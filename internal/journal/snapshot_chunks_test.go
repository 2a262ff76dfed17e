package journal

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"io"
	"testing"
)

func TestSnapshotChunks(t *testing.T) {
	for _, name := range []string{"plain", "gcm"} {
		t.Run(name, func(t *testing.T) {
			var aead cipher.AEAD
			if name == "gcm" {
				aead = std(t)
			}
			f, err := NewFramer("test", aead, FileInfo{Chunked: true})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			out.Write(f.AppendHeader(nil))
			sw := NewSnapshotWriter(&out, f, 4)
			// Bytes written before a chunk are framed on their own first.
			if _, err := sw.Write([]byte("ab")); err != nil {
				t.Fatal(err)
			}
			chunks := []string{"first", "x", "a longer chunk than the chunk size"}
			for _, c := range chunks {
				if err := sw.WriteChunk([]byte(c)); err != nil {
					t.Fatal(err)
				}
			}
			if err := sw.WriteChunk(nil); !errors.Is(err, errEmptyChunk) {
				t.Fatalf("empty chunk: %v, want %v", err, errEmptyChunk)
			}
			if err := sw.Close(); err != nil {
				t.Fatal(err)
			}
			if want := int64(2 + 5 + 1 + 34); sw.Size() != want {
				t.Fatalf("Size %d, want %d", sw.Size(), want)
			}
			if err := sw.WriteChunk([]byte("late")); err == nil {
				t.Fatal("WriteChunk after Close succeeded")
			}

			r := mustReader(t, out.Bytes(), aead)
			var got []string
			for {
				c, err := r.SnapshotChunk()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, string(c))
			}
			want := append([]string{"ab"}, chunks...)
			if len(got) != len(want) {
				t.Fatalf("chunks %q, want %q", got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("chunk %d is %q, want %q", i, got[i], want[i])
				}
			}
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("Next after the snapshot: %v, want io.EOF", err)
			}
		})
	}
}

func TestSnapshotChunkRestOfARead(t *testing.T) {
	f, err := NewFramer("test", nil, FileInfo{Chunked: true})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.Write(f.AppendHeader(nil))
	sw := NewSnapshotWriter(&out, f, 0)
	for _, c := range []string{"0123456789", "next"} {
		if err := sw.WriteChunk([]byte(c)); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Close(); err != nil {
		t.Fatal(err)
	}
	r := mustReader(t, out.Bytes(), nil)
	head := make([]byte, 4)
	if _, err := io.ReadFull(r.Snapshot(), head); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"456789", "next"} {
		c, err := r.SnapshotChunk()
		if err != nil || string(c) != want {
			t.Fatalf("SnapshotChunk = %q, %v; want %q", c, err, want)
		}
	}
	if _, err := r.SnapshotChunk(); err != io.EOF {
		t.Fatalf("after the last chunk: %v, want io.EOF", err)
	}
}

func TestSnapshotChunkTruncated(t *testing.T) {
	f, err := NewFramer("test", nil, FileInfo{Chunked: true})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.Write(f.AppendHeader(nil))
	sw := NewSnapshotWriter(&out, f, 0)
	if err := sw.WriteChunk([]byte("only chunk")); err != nil {
		t.Fatal(err)
	}
	// No Close: the snapshot end is missing.
	r := mustReader(t, out.Bytes(), nil)
	if _, err := r.SnapshotChunk(); err != nil {
		t.Fatal(err)
	}
	var ce *CorruptError
	if _, err := r.SnapshotChunk(); !errors.As(err, &ce) {
		t.Fatalf("snapshot without its end: %v, want a *CorruptError", err)
	}
}
