package prevayler

import (
	"bytes"
	"encoding/gob"
	"errors"
	"io"
	"testing"

	"github.com/prevayler-go/prevayler/internal/journal"
)

type fuzzSplit struct {
	Name  string
	V     []int64
	M     map[string]int32
	Inner struct{ W []uint8 }
}

type fuzzChunky struct{ Parts [][]int64 }

func (c fuzzChunky) EncodeChunks(put func(any) error) error {
	for i := range c.Parts {
		if err := put(&c.Parts[i]); err != nil {
			return err
		}
	}
	return nil
}

func (c *fuzzChunky) DecodeChunks(get func(any) error) error {
	for {
		var p []int64
		if err := get(&p); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		c.Parts = append(c.Parts, p)
	}
}

// fuzzChunks cuts data into chunks: a length byte, then as many bytes.
func fuzzChunks(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		n := min(int(data[0]), len(data)-1)
		if n > 0 {
			out = append(out, data[1:1+n])
		}
		data = data[1+n:]
	}
	return out
}

// seedChunks returns the chunks of a real chunked snapshot of s, each
// under 256 bytes so that fuzzChunks can carry it.
func seedChunks(t *testing.F, s any) []byte {
	var chunks bytes.Buffer
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	put := func(v any) error {
		buf.Reset()
		if err := enc.Encode(v); err != nil {
			return err
		}
		if buf.Len() > 255 {
			return errors.New("seed chunk too long")
		}
		chunks.WriteByte(byte(buf.Len()))
		chunks.Write(buf.Bytes())
		return nil
	}
	switch s := s.(type) {
	case fuzzChunky:
		put(&chunkPlan{ByState: true})
		if err := s.EncodeChunks(put); err != nil {
			t.Fatal(err)
		}
	case fuzzSplit:
		plan := chunkPlan{Shell: true, Parts: []splitPart{{Path: []string{"V"}, Len: len(s.V)}, {Path: []string{"Inner", "W"}, Len: len(s.Inner.W)}}}
		put(&plan)
		shell := s
		shell.V, shell.Inner.W = nil, nil
		put(&shell)
		put(&s.V)
		put(&s.Inner.W)
	}
	return chunks.Bytes()
}

// FuzzChunkedSnapshot feeds arbitrary chunks to the decoding of chunked
// snapshots, split by the library or by the state: errors, never a panic
// or an allocation out of proportion with the journal.
func FuzzChunkedSnapshot(f *testing.F) {
	f.Add(seedChunks(f, fuzzSplit{Name: "x", V: []int64{1, 2, 3}, Inner: struct{ W []uint8 }{W: []byte("abc")}}))
	f.Add(seedChunks(f, fuzzChunky{Parts: [][]int64{{1}, {2, 3}}}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		framer, err := journal.NewFramer(Gob.Name(), nil, journal.FileInfo{Chunked: true})
		if err != nil {
			t.Fatal(err)
		}
		var file bytes.Buffer
		file.Write(framer.AppendHeader(nil))
		sw := journal.NewSnapshotWriter(&file, framer, 0)
		for _, c := range fuzzChunks(data) {
			if err := sw.WriteChunk(c); err != nil {
				t.Fatal(err)
			}
		}
		if err := sw.Close(); err != nil {
			t.Fatal(err)
		}
		size := int64(file.Len())
		decodeFuzz[fuzzSplit](t, file.Bytes(), size)
		decodeFuzz[fuzzChunky](t, file.Bytes(), size)
		decodeFuzz[[]int32](t, file.Bytes(), size)
	})
}

func decodeFuzz[S any](t *testing.T, file []byte, size int64) {
	jr, err := journal.NewReader(bytes.NewReader(file), "journal", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &Prevayler[S, int, int]{codec: Gob}
	p.decodeSnapshot(jr, "journal", true, size)
}
