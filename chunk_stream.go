package prevayler

import (
	"bytes"
	"fmt"
	"io"

	"github.com/prevayler-go/prevayler/internal/journal"
)

// chunkSink encodes the chunks of a snapshot with one stream encoder, so
// that a codec such as gob describes each type once, and writes each
// chunk as a frame of its own. It holds one chunk at a time.
type chunkSink struct {
	enc    Encoder
	buf    bytes.Buffer
	sw     *journal.SnapshotWriter
	last   int // encoded bytes of the last chunk
	chunks int
	err    error // sticky: the stream is unusable after a failed chunk
}

func newChunkSink(c Codec, sw *journal.SnapshotWriter) *chunkSink {
	s := &chunkSink{sw: sw}
	s.enc = c.NewEncoder(&s.buf)
	return s
}

// put encodes v, a pointer to the chunk's value, as the next chunk.
func (s *chunkSink) put(v any) error {
	if s.err != nil {
		return s.err
	}
	s.buf.Reset()
	if err := s.enc.Encode(v); err != nil {
		s.err = fmt.Errorf("encode chunk %d: %w", s.chunks+1, err)
		return s.err
	}
	s.last = s.buf.Len()
	if err := s.sw.WriteChunk(s.buf.Bytes()); err != nil {
		s.err = fmt.Errorf("write chunk %d: %w", s.chunks+1, err)
		return s.err
	}
	s.chunks++
	if s.buf.Cap() > 4*journal.DefaultChunkSize && s.last < journal.DefaultChunkSize {
		s.buf = bytes.Buffer{} // one large chunk should not pin its buffer
	}
	return nil
}

// chunkSource decodes the chunks of a snapshot, each handed to one stream
// decoder as a unit.
type chunkSource struct {
	jr     *journal.Reader
	codec  Codec
	dec    Decoder
	feed   entryReader
	chunks int
	err    error // sticky
}

// get decodes the next chunk into v, a pointer; io.EOF: no chunk is left.
func (s *chunkSource) get(v any) error {
	if s.err != nil {
		return s.err
	}
	c, err := s.jr.SnapshotChunk()
	if err == io.EOF {
		return io.EOF
	}
	if err != nil {
		s.err = err
		return err
	}
	s.chunks++
	s.feed.b = c
	err = decodeSafely(&s.dec, func() Decoder { return s.codec.NewDecoder(&s.feed) }, v)
	if err == nil && len(s.feed.b) > 0 {
		err = fmt.Errorf("%d bytes left after the value", len(s.feed.b))
	}
	if err != nil {
		s.err = fmt.Errorf("decode chunk %d: %w", s.chunks, err)
	}
	return s.err
}
