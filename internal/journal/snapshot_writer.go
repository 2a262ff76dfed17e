package journal

import (
	"encoding/binary"
	"errors"
	"io"
)

// SnapshotWriter streams an encoded state into snapshot chunk frames. It
// holds at most one chunk of plaintext and writes each frame to the
// underlying writer in one Write call. Its frames never carry FlagSynced:
// a snapshot is protected by being renamed into place once durable.
type SnapshotWriter struct {
	w         io.Writer
	f         *Framer
	chunkSize int
	buf       []byte // plaintext not yet framed
	out       []byte // the frame being written
	size      int64
	err       error
	closed    bool
}

var errSnapshotClosed = errors.New("journal: snapshot writer is closed")

// NewSnapshotWriter returns a writer of the snapshot frames of f's file,
// which must come right after the header. chunkSize is the plaintext size
// of a chunk: 0 means DefaultChunkSize; it is capped by f.MaxPlaintext.
func NewSnapshotWriter(w io.Writer, f *Framer, chunkSize int) *SnapshotWriter {
	if chunkSize <= 0 {
		chunkSize = DefaultChunkSize
	}
	chunkSize = min(chunkSize, f.MaxPlaintext())
	return &SnapshotWriter{w: w, f: f, chunkSize: chunkSize}
}

// Write adds p to the snapshot. After an error every call fails with it.
func (s *SnapshotWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.closed {
		return 0, errSnapshotClosed
	}
	written := 0
	for len(p) > 0 {
		var n int
		if len(s.buf) == 0 && len(p) >= s.chunkSize {
			// A whole chunk is at hand: frame it without copying.
			n = s.chunkSize
			s.err = s.emit(KindSnapshotChunk, p[:n])
		} else {
			n = min(s.chunkSize-len(s.buf), len(p))
			s.buf = append(s.buf, p[:n]...)
			if len(s.buf) == s.chunkSize {
				s.err = s.emit(KindSnapshotChunk, s.buf)
				s.buf = s.buf[:0]
			}
		}
		if s.err != nil {
			return written, s.err
		}
		written += n
		s.size += int64(n)
		p = p[n:]
	}
	return written, nil
}

// Err returns the error of the underlying writer or framer, if a Write
// failed; nil otherwise.
func (s *SnapshotWriter) Err() error {
	if s.err == errSnapshotClosed {
		return nil
	}
	return s.err
}

// Size returns the plaintext bytes of the state written so far.
func (s *SnapshotWriter) Size() int64 { return s.size }

// Close writes the last chunk and the snapshot end frame. It does not
// close the underlying writer. A second Close returns the first's error.
func (s *SnapshotWriter) Close() error {
	if s.closed || s.err != nil {
		return s.err
	}
	s.closed = true
	if len(s.buf) > 0 {
		if s.err = s.emit(KindSnapshotChunk, s.buf); s.err != nil {
			return s.err
		}
		s.buf = nil
	}
	var total [8]byte
	binary.LittleEndian.PutUint64(total[:], uint64(s.size))
	s.err = s.emit(KindSnapshotEnd, total[:])
	s.out = nil
	return s.err
}

func (s *SnapshotWriter) emit(kind Kind, payload []byte) error {
	var err error
	if s.out, err = s.f.AppendFrame(s.out[:0], kind, 0, payload); err != nil {
		return err
	}
	_, err = s.w.Write(s.out)
	return err
}
