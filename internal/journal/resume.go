package journal

import (
	"bufio"
	"crypto/cipher"
	"io"
	"slices"
)

// ReadHeader reads and checks the header at the start of r, as NewReader
// does, and returns it with its size in bytes. It reads nothing past the
// header, so r can go on to be used for the frames (see Resume).
func ReadHeader(r io.Reader, name string, aead cipher.AEAD) (Header, int64, error) {
	return readHeader(r, name, aead)
}

// Position is where a Reader stands between two events frames: what a new
// Reader needs to go on from there once the file has grown. The zero
// value is no position.
type Position struct {
	hdr      Header
	off      int64
	index    uint64
	seq      uint64
	lastSec  int64
	lastNsec int32
	sawEntry bool
	closed   bool
	valid    bool
}

// Offset is the byte offset of the next frame.
func (p Position) Offset() int64 { return p.off }

// Seq is the sequence number of the last event before the position.
func (p Position) Seq() uint64 { return p.seq }

// Closed reports whether a closed seal came before the position: nothing
// more will be written to the file.
func (p Position) Closed() bool { return p.closed }

// Valid reports whether p was returned by Reader.Position.
func (p Position) Valid() bool { return p.valid }

// FileID is the id of the file p is a position in.
func (p Position) FileID() [16]byte { return p.hdr.FileID }

// Position returns where r stands, and false if that is not between two
// frames after the snapshot: while the snapshot or the events of a frame
// are unread, or after damage. After a torn last write it is the start of
// the torn write, so that a Reader resumed there reads the write once it
// is complete.
func (r *Reader) Position() (Position, bool) {
	if r.inSnapshot || r.next != len(r.entries) {
		return Position{}, false
	}
	if r.err != nil && r.err != io.EOF {
		if _, corrupt := r.err.(*CorruptError); corrupt {
			return Position{}, false
		}
	}
	return Position{
		hdr:      r.Header(),
		off:      r.off,
		index:    r.index,
		seq:      r.seq,
		lastSec:  r.lastSec,
		lastNsec: r.lastNsec,
		sawEntry: r.sawEntry,
		closed:   r.closed,
		valid:    true,
	}, true
}

// Resume returns a Reader that goes on from pos in a file that may have
// grown since: src must yield the file's bytes from pos.Offset() on. name
// and aead are as for NewReader. The frames after pos are checked as if
// the whole file were read in one go.
func Resume(src io.Reader, name string, aead cipher.AEAD, pos Position) *Reader {
	br, ok := src.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(src, readBufferSize)
	}
	hdr := pos.hdr
	hdr.NonceBase = slices.Clone(hdr.NonceBase)
	rd := &Reader{
		br:       br,
		name:     name,
		aead:     aead,
		hdr:      hdr,
		off:      pos.off,
		index:    pos.index,
		buf:      make([]byte, 0, 4096),
		seed:     frameSeed(hdr),
		seq:      pos.seq,
		lastSec:  pos.lastSec,
		lastNsec: pos.lastNsec,
		sawEntry: pos.sawEntry,
		closed:   pos.closed,
		live:     true,
	}
	if aead != nil {
		rd.nonce = make([]byte, aead.NonceSize())
		rd.ad = make([]byte, 32)
		copy(rd.ad, hdr.FileID[:])
	}
	rd.snap.r = rd
	return rd
}
