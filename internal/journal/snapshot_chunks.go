package journal

import (
	"errors"
	"fmt"
	"io"
)

// A chunked snapshot is a sequence of chunks, each the codec's output for
// one value, each in a snapshot chunk frame of its own, so that a reader
// can hand each to the codec as a unit. Nothing else tells the frames of
// a chunked snapshot from those of a plain one: the file's header says
// which it is.

var errEmptyChunk = errors.New("journal: snapshot chunk: a chunk holds at least one byte")

// WriteChunk frames p as one snapshot chunk of its own, after whatever
// Write left buffered. p must hold 1 to f.MaxPlaintext() bytes. After an
// error every call fails with it.
func (s *SnapshotWriter) WriteChunk(p []byte) error {
	if s.err != nil {
		return s.err
	}
	if s.closed {
		return errSnapshotClosed
	}
	if len(p) == 0 {
		return errEmptyChunk
	}
	if len(p) > s.f.MaxPlaintext() {
		return fmt.Errorf("journal: snapshot chunk of %d bytes exceeds the %d a frame holds", len(p), s.f.MaxPlaintext())
	}
	if len(s.buf) > 0 {
		if s.err = s.emit(KindSnapshotChunk, s.buf); s.err != nil {
			return s.err
		}
		s.buf = s.buf[:0]
	}
	if s.err = s.emit(KindSnapshotChunk, p); s.err != nil {
		return s.err
	}
	s.size += int64(len(p))
	return nil
}

// SnapshotChunk returns the plaintext of the next snapshot chunk frame (or
// what Snapshot's reader left unread of the current one), valid until the
// next call of any method, and io.EOF at the snapshot end. Damage, or a
// file that ends before the snapshot end, is a *CorruptError.
func (r *Reader) SnapshotChunk() ([]byte, error) {
	for len(r.pending) == 0 {
		if !r.inSnapshot {
			return nil, io.EOF
		}
		if r.err != nil {
			return nil, r.err
		}
		r.loadSnapshotFrame()
	}
	p := r.pending
	r.pending = nil
	return p, nil
}
