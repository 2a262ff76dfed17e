package journal

import (
	"bufio"
	"bytes"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"time"
)

// encodeHeader returns the header bytes of a file. aead is nil unless
// h.Encrypted; its nonce size and overhead were checked by the caller.
func encodeHeader(h Header, aead cipher.AEAD) []byte {
	bodyLen := 2 + 2 + 16 + 1 + len(h.Codec)
	if h.Version != Version1 {
		bodyLen += v2InfoSize
	}
	if h.Encrypted {
		bodyLen += 1 + len(h.NonceBase) + 1 + aead.Overhead()
	}
	b := make([]byte, 0, 12+bodyLen+4)
	b = append(b, Magic...)
	b = le.AppendUint32(b, uint32(bodyLen))
	b = le.AppendUint16(b, h.Version)
	var flags uint16
	if h.Encrypted {
		flags |= headerEncrypted
	}
	if h.Chunked {
		flags |= headerChunked
	}
	if h.Continuation {
		flags |= headerContinuation
	}
	b = le.AppendUint16(b, flags)
	b = append(b, h.FileID[:]...)
	b = append(b, byte(len(h.Codec)))
	b = append(b, h.Codec...)
	if h.Version != Version1 {
		b = le.AppendUint64(b, h.BaseSeq)
		b = appendTime(b, h.BaseTime)
		b = append(b, h.PrevFileID[:]...)
	}
	if h.Encrypted {
		b = append(b, byte(len(h.NonceBase)))
		b = append(b, h.NonceBase...)
		b = append(b, byte(aead.Overhead()))
		nonce := makeNonce(make([]byte, len(h.NonceBase)), h.NonceBase, keyCheckIndex)
		b = aead.Seal(b, nonce, nil, bytes.Clone(b))
	}
	return le.AppendUint32(b, checksum(b))
}

// readHeader reads and checks the header. It returns the header and its
// size in bytes.
func readHeader(br io.Reader, name string, aead cipher.AEAD) (Header, int64, error) {
	return parseHeader(br, name, aead, false)
}

// PeekHeader reads and checks the header of the file r without a key: for
// an encrypted file, the fields before the key check are returned as they
// are (their checksum matched), and the key is not checked.
func PeekHeader(r io.Reader, name string) (Header, error) {
	h, _, err := parseHeader(bufio.NewReaderSize(r, 4096+16), name, nil, true)
	return h, err
}

func parseHeader(br io.Reader, name string, aead cipher.AEAD, peek bool) (Header, int64, error) {
	corrupt := func(off int, format string, args ...any) (Header, int64, error) {
		return Header{}, 0, &CorruptError{Name: name, Offset: int64(off), Reason: fmt.Sprintf(format, args...)}
	}
	var fixed [12]byte
	if n, err := io.ReadFull(br, fixed[:]); err != nil {
		if isEOF(err) {
			return corrupt(n, "file ends inside the header")
		}
		return Header{}, 0, fmt.Errorf("journal: read %s: %w", name, err)
	}
	if string(fixed[:8]) != Magic {
		return corrupt(0, "not a journal (bad magic)")
	}
	bodyLen := int(le.Uint32(fixed[8:]))
	if bodyLen > maxBodyLen {
		return corrupt(8, "header body of %d bytes exceeds %d", bodyLen, maxBodyLen)
	}
	buf := make([]byte, 12+bodyLen+4)
	copy(buf, fixed[:])
	if n, err := io.ReadFull(br, buf[12:]); err != nil {
		if isEOF(err) {
			return corrupt(12+n, "file ends inside the header")
		}
		return Header{}, 0, fmt.Errorf("journal: read %s: %w", name, err)
	}
	end := 12 + bodyLen
	if checksum(buf[:end]) != le.Uint32(buf[end:]) {
		return corrupt(end, "header checksum mismatch")
	}

	p := 12 // cursor into buf
	take := func(n int) []byte {
		if n > end-p {
			return nil
		}
		p += n
		return buf[p-n : p]
	}
	short := func() (Header, int64, error) { return corrupt(p, "header body too short") }
	var h Header
	f := take(4)
	if f == nil {
		return short()
	}
	if h.Version = le.Uint16(f); h.Version != Version && h.Version != Version1 {
		return corrupt(12, "unsupported format version %d", h.Version)
	}
	flags := le.Uint16(f[2:])
	known := uint16(headerEncrypted)
	if h.Version != Version1 {
		known |= headerChunked | headerContinuation
	}
	if flags&^known != 0 {
		return corrupt(14, "unknown header flags %#x", flags)
	}
	h.Encrypted = flags&headerEncrypted != 0
	h.Chunked = flags&headerChunked != 0
	h.Continuation = flags&headerContinuation != 0
	f = take(16)
	if f == nil {
		return short()
	}
	copy(h.FileID[:], f)
	f = take(1)
	if f == nil {
		return short()
	}
	if n := int(f[0]); n == 0 || n > maxCodecLen {
		return corrupt(p-1, "codec name of %d bytes (want 1 to %d)", n, maxCodecLen)
	}
	if f = take(int(f[0])); f == nil {
		return short()
	}
	h.Codec = string(f)
	if h.Version != Version1 {
		if f = take(v2InfoSize); f == nil {
			return short()
		}
		h.BaseSeq = le.Uint64(f)
		var ok bool
		if h.BaseTime, ok = readTime(f[8:]); !ok {
			return corrupt(p-v2InfoSize+8, "base time has %d nanoseconds", le.Uint32(f[16:]))
		}
		copy(h.PrevFileID[:], f[20:])
		if h.Continuation && h.PrevFileID == ([16]byte{}) {
			return corrupt(p-16, "a continuation that names no predecessor")
		}
	}
	var keyCheck []byte
	adEnd := 0
	if h.Encrypted {
		if f = take(1); f == nil {
			return short()
		}
		if f[0] < minNonceSize {
			return corrupt(p-1, "nonce of %d bytes (want at least %d)", f[0], minNonceSize)
		}
		if f = take(int(f[0])); f == nil {
			return short()
		}
		h.NonceBase = bytes.Clone(f)
		if f = take(1); f == nil {
			return short()
		}
		adEnd = p
		if keyCheck = take(int(f[0])); keyCheck == nil {
			return short()
		}
	}
	if p != end {
		return corrupt(p, "%d unexpected bytes at the end of the header", end-p)
	}

	switch {
	case peek:
	case h.Encrypted && aead == nil:
		return Header{}, 0, keyError(name, "the journal is encrypted and no key was given")
	case !h.Encrypted && aead != nil:
		return Header{}, 0, keyError(name, "a key was given but the journal is not encrypted")
	case h.Encrypted:
		if aead.NonceSize() != len(h.NonceBase) || aead.Overhead() != len(keyCheck) {
			return Header{}, 0, keyError(name, fmt.Sprintf(
				"the journal was sealed with %d-byte nonces and %d-byte tags, the key uses %d and %d",
				len(h.NonceBase), len(keyCheck), aead.NonceSize(), aead.Overhead()))
		}
		nonce := makeNonce(make([]byte, len(h.NonceBase)), h.NonceBase, keyCheckIndex)
		if _, err := aead.Open(nil, nonce, keyCheck, buf[:adEnd]); err != nil {
			return Header{}, 0, keyError(name, "the key does not open the journal")
		}
	}
	return h, int64(len(buf)), nil
}

func isEOF(err error) bool {
	return err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF)
}

// v2InfoSize is the size of the version 2 fields of the header body:
// baseseq, basetime, prevfileid.
const v2InfoSize = 8 + 12 + 16

// appendTime appends t as seconds (i64) and nanoseconds (u32); the zero
// Time as zeros.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, make([]byte, 12)...)
	}
	b = le.AppendUint64(b, uint64(t.Unix()))
	return le.AppendUint32(b, uint32(t.Nanosecond()))
}

// readTime decodes what appendTime wrote; it reports false for
// nanoseconds of 10^9 or more.
func readTime(b []byte) (time.Time, bool) {
	sec, nsec := int64(le.Uint64(b)), le.Uint32(b[8:])
	if nsec >= 1e9 {
		return time.Time{}, false
	}
	if sec == 0 && nsec == 0 {
		return time.Time{}, true
	}
	return time.Unix(sec, int64(nsec)).UTC(), true
}
