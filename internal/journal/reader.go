package journal

import (
	"bufio"
	"crypto/cipher"
	"fmt"
	"io"
	"slices"
	"time"
)

// Reader decodes one file, streaming: it holds one frame at a time besides
// its bufio buffer. Its methods are used by one goroutine at a time.
type Reader struct {
	br    *bufio.Reader
	name  string
	aead  cipher.AEAD
	hdr   Header
	seed  uint32 // of the frame checksums
	nonce []byte // scratch
	ad    []byte // file ID, then the frame header's first 16 bytes

	inSnapshot bool
	err        error // sticky: io.EOF at the end, or the first failure
	torn       *Torn
	off        int64  // offset of the next frame: the end of the valid part
	index      uint64 // index the next frame must carry

	buf     []byte // the current frame: header, then payload as stored
	payload []byte // its plaintext (aliases buf)

	snap      snapshotReader
	snapTotal uint64
	pending   []byte // unread plaintext of the current snapshot chunk

	entries  []entry
	next     int
	frameOff int64
	sawEntry bool

	seq      uint64 // of the last event returned
	lastSec  int64  // time of that event, as journaled
	lastNsec int32
	closed   bool  // a closed seal was read
	padding  int64 // zero bytes after the end of the log
	live     bool  // a follower's read of a file still written (Resume)

	stats ReaderStats
}

// ReaderStats counts what a Reader has read so far.
type ReaderStats struct {
	HeaderBytes     int64
	Frames          int64 // valid frames: snapshot and events
	SnapshotFrames  int64 // chunks and end
	SnapshotBytes   int64 // plaintext bytes of the state
	EventFrames     int64
	EventFrameBytes int64 // events frames as stored, headers included
	Events          int64 // events returned by Next
	Seals           int64 // seal frames
}

// Event is one journaled event.
type Event struct {
	At          time.Time // UTC, nanosecond precision
	Reset       bool      // the codec's decoder starts afresh here
	Data        []byte    // valid until the next call of Next
	FrameOffset int64     // byte offset of the frame holding the event
	// Seq is the event's sequence number: the header's BaseSeq plus its
	// place in the file, counting from 1.
	Seq uint64
}

const readBufferSize = 64 << 10

// NewReader reads and checks the header of the file r. name labels the
// file in errors. aead opens an encrypted file; it must be nil for a
// plaintext one. A damaged header is a *CorruptError; a missing, wrong or
// superfluous key is an error matching store.ErrKey.
func NewReader(r io.Reader, name string, aead cipher.AEAD) (*Reader, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, readBufferSize)
	}
	hdr, n, err := readHeader(br, name, aead)
	if err != nil {
		return nil, err
	}
	rd := &Reader{
		br:         br,
		name:       name,
		aead:       aead,
		hdr:        hdr,
		off:        n,
		inSnapshot: !hdr.Continuation,
		buf:        make([]byte, 0, 4096),
		seed:       frameSeed(hdr),
		seq:        hdr.BaseSeq,
	}
	if !hdr.BaseTime.IsZero() {
		rd.lastSec, rd.lastNsec = hdr.BaseTime.Unix(), int32(hdr.BaseTime.Nanosecond())
	}
	rd.stats.HeaderBytes = n
	if aead != nil {
		rd.nonce = make([]byte, aead.NonceSize())
		rd.ad = make([]byte, 32)
		copy(rd.ad, hdr.FileID[:])
	}
	rd.snap.r = rd
	return rd, nil
}

// Header returns the file's header.
func (r *Reader) Header() Header {
	h := r.hdr
	h.NonceBase = slices.Clone(h.NonceBase)
	return h
}

// Torn reports the torn last write dropped at the end of the file, or nil.
// It is meaningful once Next has returned io.EOF.
func (r *Reader) Torn() *Torn { return r.torn }

// Offset returns the size of the valid part read so far: the header and
// every valid frame. After a torn write it is where the torn write starts.
func (r *Reader) Offset() int64 { return r.off }

// Stats returns what the Reader has read so far.
func (r *Reader) Stats() ReaderStats { return r.stats }

// Seq returns the sequence number of the last event returned by Next, or
// the header's BaseSeq before the first.
func (r *Reader) Seq() uint64 { return r.seq }

// LastTime returns the time of the last event returned by Next, or the
// header's BaseTime before the first.
func (r *Reader) LastTime() time.Time {
	if r.stats.Events == 0 {
		return r.hdr.BaseTime
	}
	return time.Unix(r.lastSec, int64(r.lastNsec)).UTC()
}

// Closed reports whether the file ended with a closed seal: it was closed
// cleanly, and nothing of it is missing but what a cut at the very end
// would take with the seal. Meaningful once Next has returned io.EOF.
func (r *Reader) Closed() bool { return r.closed }

// Padding returns the zero bytes after the end of the log (preallocated
// space), meaningful once Next has returned io.EOF.
func (r *Reader) Padding() int64 { return r.padding }

// payloadMismatch is the reason of a frame whose header checks out and
// whose payload does not: its extent is known.
const payloadMismatch = "frame payload checksum mismatch"

type frameStatus uint8

const (
	frameIntact frameStatus = iota // both checksums match
	frameEnd                       // no byte left: a clean end
	frameShort                     // the file ends inside the frame header
	frameCut                       // the header checks out, the payload ends past the end of the file
	frameBad                       // a checksum fails or the declared length is too large
)

// readFrame reads the frame at r.off into r.buf. For frameBad it also
// returns why; a non-nil error is an I/O error of the underlying reader.
func (r *Reader) readFrame() (frameStatus, string, error) {
	r.buf = r.buf[:FrameHeaderSize]
	n, err := io.ReadFull(r.br, r.buf)
	if err != nil {
		r.buf = r.buf[:n]
		switch {
		case err == io.EOF:
			return frameEnd, "", nil
		case err == io.ErrUnexpectedEOF:
			return frameShort, "", nil
		}
		return 0, "", r.ioError(err)
	}
	h := r.buf
	if seeded(r.seed, h[:offHCRC]) != le.Uint32(h[offHCRC:]) {
		return frameBad, "frame header checksum mismatch", nil
	}
	length := le.Uint32(h[offLength:])
	if length > MaxPayload {
		return frameBad, fmt.Sprintf("frame length %d exceeds %d", length, MaxPayload), nil
	}
	if r.buf, err = readGrow(r.br, r.buf, int(length)); err != nil {
		if isEOF(err) {
			return frameCut, "", nil
		}
		return 0, "", r.ioError(err)
	}
	if seeded(r.seed, r.buf[FrameHeaderSize:]) != le.Uint32(r.buf[offDCRC:]) {
		return frameBad, payloadMismatch, nil
	}
	return frameIntact, "", nil
}

// readGrow appends n bytes from br to buf. It grows buf as bytes arrive,
// so that a large declared length costs memory only if the bytes exist.
func readGrow(br *bufio.Reader, buf []byte, n int) ([]byte, error) {
	want := len(buf) + n
	for len(buf) < want {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(want-len(buf), max(len(buf), 64<<10)))
		}
		m, err := io.ReadFull(br, buf[len(buf):min(cap(buf), want)])
		buf = buf[:len(buf)+m]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// openFrame checks the fields of an intact frame besides its kind and
// sets r.payload to its plaintext. It returns why the frame is invalid, or
// "". Sealed payloads are opened in place.
func (r *Reader) openFrame() string {
	h := r.buf[:FrameHeaderSize]
	if h[offZero] != 0 || h[offZero+1] != 0 {
		return "reserved frame bytes are not zero"
	}
	if Flags(h[offFlags])&^FlagSynced != 0 {
		return fmt.Sprintf("unknown frame flags %#x", h[offFlags])
	}
	if idx := le.Uint64(h[offIndex:]); idx != r.index {
		return fmt.Sprintf("frame index %d, want %d", idx, r.index)
	}
	stored := r.buf[FrameHeaderSize:]
	if r.aead == nil {
		r.payload = stored
		return ""
	}
	copy(r.ad[16:], h[:16])
	pt, err := r.aead.Open(stored[:0], makeNonce(r.nonce, r.hdr.NonceBase, r.index), stored, r.ad)
	if err != nil {
		return "frame does not authenticate"
	}
	r.payload = pt
	return ""
}

// advance moves past the current frame, which is valid.
func (r *Reader) advance() {
	r.off += int64(len(r.buf))
	r.index++
	r.stats.Frames++
}

func (r *Reader) corrupt(format string, args ...any) {
	r.err = &CorruptError{Name: r.name, Offset: r.off, Reason: fmt.Sprintf(format, args...)}
}

func (r *Reader) tear(reason string, n int64) {
	r.torn = &Torn{Offset: r.off, Bytes: n, Reason: reason}
	r.err = io.EOF
}

func (r *Reader) ioError(err error) error {
	r.err = fmt.Errorf("journal: read %s at byte %d: %w", r.name, r.off, err)
	return r.err
}
