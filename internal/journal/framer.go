package journal

import (
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// Framer builds one file: its header, then its frames in order. It counts
// frame indexes, so every frame it returns must be written, in the order
// returned. A Framer is used by one goroutine at a time.
type Framer struct {
	hdr    Header
	header []byte
	aead   cipher.AEAD
	index  uint64
	seed   uint32 // of the frame checksums
	nonce  []byte // scratch
	ad     []byte // file ID, then the frame header's first 16 bytes
}

// NewFramer starts a file whose state and events the named codec encodes,
// in the current format version. aead seals every frame; nil writes
// plaintext. info places the file in the journal's history. The file ID
// and the nonce base come from crypto/rand.
func NewFramer(codec string, aead cipher.AEAD, info FileInfo) (*Framer, error) {
	return newFramer(codec, aead, rand.Reader, info, Version)
}

// newFramer is NewFramer with a source of randomness and a version; tests
// write version 1 files with it.
func newFramer(codec string, aead cipher.AEAD, random io.Reader, info FileInfo, version uint16) (*Framer, error) {
	if len(codec) == 0 || len(codec) > maxCodecLen {
		return nil, fmt.Errorf("journal: new file: codec name %q must be 1 to %d bytes", codec, maxCodecLen)
	}
	if version == Version1 && info != (FileInfo{}) {
		return nil, errors.New("journal: new file: version 1 has no file info")
	}
	if info.Continuation && info.PrevFileID == ([16]byte{}) {
		return nil, errors.New("journal: new file: a continuation must name its predecessor")
	}
	if !info.BaseTime.IsZero() {
		info.BaseTime = info.BaseTime.UTC()
	}
	f := &Framer{aead: aead, hdr: Header{Version: version, Codec: codec, FileInfo: info}}
	if _, err := io.ReadFull(random, f.hdr.FileID[:]); err != nil {
		return nil, fmt.Errorf("journal: new file: random file ID: %w", err)
	}
	if aead != nil {
		ns := aead.NonceSize()
		if ns < minNonceSize || ns > maxFieldLen || aead.Overhead() > maxFieldLen {
			return nil, fmt.Errorf("journal: new file: the AEAD's nonce (%d bytes) must be %d to %d bytes and its overhead (%d) at most %d",
				ns, minNonceSize, maxFieldLen, aead.Overhead(), maxFieldLen)
		}
		f.hdr.Encrypted = true
		f.hdr.NonceBase = make([]byte, ns)
		if _, err := io.ReadFull(random, f.hdr.NonceBase); err != nil {
			return nil, fmt.Errorf("journal: new file: random nonce base: %w", err)
		}
		f.nonce = make([]byte, ns)
		f.ad = make([]byte, 16+16)
		copy(f.ad, f.hdr.FileID[:])
	}
	f.header = encodeHeader(f.hdr, aead)
	f.seed = frameSeed(f.hdr)
	return f, nil
}

// Header returns the header of the file.
func (f *Framer) Header() Header {
	h := f.hdr
	h.NonceBase = slices.Clone(h.NonceBase)
	return h
}

// AppendHeader appends the encoded header to dst.
func (f *Framer) AppendHeader(dst []byte) []byte { return append(dst, f.header...) }

// NextIndex returns the index the next frame will carry.
func (f *Framer) NextIndex() uint64 { return f.index }

// MaxPlaintext returns the largest payload AppendFrame accepts: MaxPayload
// less the AEAD's overhead.
func (f *Framer) MaxPlaintext() int {
	if f.aead == nil {
		return MaxPayload
	}
	return MaxPayload - f.aead.Overhead()
}

// AppendFrame appends the next frame, holding payload, to dst, sealing it
// when the file is encrypted. payload must not overlap dst's spare
// capacity. On error dst is returned unchanged and no index is used.
//
// Set FlagSynced only when every byte before the frame is durable: when
// several frames go out in one write, on the first of them at most. A
// reader takes a synced frame after damage as proof that the damage hit
// durable data, and reports it instead of dropping it as a torn write.
func (f *Framer) AppendFrame(dst []byte, kind Kind, flags Flags, payload []byte) ([]byte, error) {
	if kind < KindSnapshotChunk || kind > KindSeal || (kind == KindSeal && f.hdr.Version == Version1) {
		return dst, fmt.Errorf("journal: append frame: invalid %v", kind)
	}
	if flags&^FlagSynced != 0 {
		return dst, fmt.Errorf("journal: append frame: unknown flags %#x", uint8(flags))
	}
	if len(payload) > f.MaxPlaintext() {
		return dst, fmt.Errorf("journal: append frame: payload of %d bytes exceeds the %d allowed", len(payload), f.MaxPlaintext())
	}
	if f.index == keyCheckIndex {
		return dst, errors.New("journal: append frame: frame index space exhausted")
	}
	stored := len(payload)
	if f.aead != nil {
		stored += f.aead.Overhead()
	}
	start := len(dst)
	dst = slices.Grow(dst, FrameHeaderSize+stored)
	dst = dst[:start+FrameHeaderSize]
	h := dst[start:]
	le.PutUint32(h[offLength:], uint32(stored))
	h[offKind] = byte(kind)
	h[offFlags] = byte(flags)
	h[offZero], h[offZero+1] = 0, 0
	le.PutUint64(h[offIndex:], f.index)
	le.PutUint32(h[offHCRC:], seeded(f.seed, h[:offHCRC]))
	if f.aead != nil {
		copy(f.ad[16:], h[:16])
		dst = f.aead.Seal(dst, makeNonce(f.nonce, f.hdr.NonceBase, f.index), payload, f.ad)
	} else {
		dst = append(dst, payload...)
	}
	le.PutUint32(dst[start+offDCRC:], seeded(f.seed, dst[start+FrameHeaderSize:]))
	f.index++
	return dst, nil
}

// AppendSeal appends a seal frame to dst: a proof that every byte before
// it was durable when it was written, so that a reader reports damage to
// them instead of dropping it as a torn write. lastSeq and lastTime are
// those of the file's last event (BaseSeq and BaseTime without events).
// closed says that the file is complete: nothing but the end of the log
// may follow. Write a seal only right after a sync that no write followed.
func (f *Framer) AppendSeal(dst []byte, lastSeq uint64, lastTime time.Time, closed bool) ([]byte, error) {
	var p [sealSize]byte
	le.PutUint64(p[:], lastSeq)
	copy(p[8:20], appendTime(nil, lastTime))
	if closed {
		p[20] = sealClosed
	}
	return f.AppendFrame(dst, KindSeal, 0, p[:])
}
