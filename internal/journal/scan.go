package journal

import (
	"io"
	"slices"
)

// scanSynced looks, byte by byte, for a valid frame marked synced, or a
// seal, from byte from of the invalid frame at r.off, whose bytes read so
// far are in r.buf. A candidate counts if its header
// checksum matches, it is an events frame marked synced or a seal, its
// length is at most MaxPayload and fits in the file, its index is above
// the invalid frame's, its payload checksum matches, in an encrypted file
// it authenticates, and it starts a consistent chain of frames (see
// chainFrom). Without a candidate, the scan reads to the end of the file
// and returns the size from r.off.
//
// The window grows only with bytes actually read, and drops what lies
// before the current candidate.
func (r *Reader) scanSynced(from int) (at int64, found bool, size int64, err error) {
	s := scanner{br: r.br, win: r.buf, pos: from, base: r.off}
	var scratch []byte
	v2 := r.hdr.Version != Version1
	for {
		ok, err := s.fill(FrameHeaderSize)
		if err != nil {
			return 0, false, 0, err
		}
		if !ok {
			break
		}
		h := s.win[s.pos : s.pos+FrameHeaderSize]
		kind := Kind(h[offKind])
		if (kind == KindEvents && Flags(h[offFlags])&FlagSynced != 0 || v2 && kind == KindSeal) &&
			seeded(r.seed, h[:offHCRC]) == le.Uint32(h[offHCRC:]) {
			length := int(le.Uint32(h[offLength:]))
			idx := le.Uint64(h[offIndex:])
			if length <= MaxPayload && idx > r.index {
				ok, err := s.fill(FrameHeaderSize + length)
				if err != nil {
					return 0, false, 0, err
				}
				if ok {
					h = s.win[s.pos : s.pos+FrameHeaderSize]
					p := s.win[s.pos+FrameHeaderSize : s.pos+FrameHeaderSize+length]
					if seeded(r.seed, p) == le.Uint32(h[offDCRC:]) {
						if scratch, ok = r.opens(scratch, h, p, idx); ok {
							var chained bool
							if scratch, chained, err = r.chainFrom(&s, scratch); err != nil {
								return 0, false, 0, err
							}
							if chained {
								return s.base + int64(s.pos), true, 0, nil
							}
						}
					}
				}
			}
		}
		s.pos++
	}
	r.buf = s.win[:0] // keep the grown buffer for nothing more than reuse
	return 0, false, s.base + int64(len(s.win)) - r.off, nil
}

// maxChain bounds how far chainFrom follows a candidate: past that many
// bytes of consistent frames, the candidate cannot be an accident.
const maxChain = 64 << 20

// chainFrom reports whether the candidate at s.pos, itself valid, starts
// a consistent chain: the frames after it carry the following indexes, are
// events or seal frames, authenticate, and nothing follows a closed seal,
// up to the end of the log (the end of the file, zeros, or a frame that
// ends or fails its checksums there, which a torn last write explains) or
// maxChain bytes. Bytes inside an event's data that happen to form a
// synced frame of this file rarely continue into a next frame, so they do
// not pass for durable data and turn a torn write into a brick.
func (r *Reader) chainFrom(s *scanner, scratch []byte) ([]byte, bool, error) {
	h := s.win[s.pos : s.pos+FrameHeaderSize]
	idx := le.Uint64(h[offIndex:])
	rel := FrameHeaderSize + int(le.Uint32(h[offLength:])) // next frame, from s.pos
	closed := r.isClosedSeal(h, s.win[s.pos+FrameHeaderSize:s.pos+rel], scratch)
	for rel < maxChain {
		ok, err := s.fill(rel + FrameHeaderSize)
		if err != nil || !ok {
			return scratch, err == nil, err // the file ends: a chain
		}
		h := s.win[s.pos+rel : s.pos+rel+FrameHeaderSize]
		if allZero(h) || seeded(r.seed, h[:offHCRC]) != le.Uint32(h[offHCRC:]) {
			return scratch, !closed || allZero(h), nil // a torn tail, or the end of the log
		}
		length := int(le.Uint32(h[offLength:]))
		kind := Kind(h[offKind])
		idx++
		if closed || length > MaxPayload || le.Uint64(h[offIndex:]) != idx ||
			!(kind == KindEvents || kind == KindSeal && r.hdr.Version != Version1) {
			return scratch, false, nil
		}
		if ok, err = s.fill(rel + FrameHeaderSize + length); err != nil || !ok {
			return scratch, err == nil, err
		}
		h = s.win[s.pos+rel : s.pos+rel+FrameHeaderSize]
		p := s.win[s.pos+rel+FrameHeaderSize : s.pos+rel+FrameHeaderSize+length]
		if seeded(r.seed, p) != le.Uint32(h[offDCRC:]) {
			return scratch, true, nil // a torn last write
		}
		if scratch, ok = r.opens(scratch, h, p, idx); !ok {
			return scratch, false, nil
		}
		closed = r.isClosedSeal(h, p, scratch)
		rel += FrameHeaderSize + length
	}
	return scratch, true, nil
}

// isClosedSeal reports whether the frame with header h and stored payload
// p, which authenticated into scratch when encrypted, is a closed seal.
func (r *Reader) isClosedSeal(h, p, scratch []byte) bool {
	if Kind(h[offKind]) != KindSeal {
		return false
	}
	if r.aead != nil {
		p = scratch
	}
	return len(p) >= sealSize && p[20]&sealClosed != 0
}

// opens reports whether the payload p of the frame with header h and index
// idx authenticates. It never modifies p.
func (r *Reader) opens(scratch, h, p []byte, idx uint64) ([]byte, bool) {
	if r.aead == nil {
		return scratch, true
	}
	copy(r.ad[16:], h[:16])
	out, err := r.aead.Open(scratch[:0], makeNonce(r.nonce, r.hdr.NonceBase, idx), p, r.ad)
	return out, err == nil
}

// scanner is a window over the rest of the file.
type scanner struct {
	br   io.Reader
	win  []byte
	pos  int   // the candidate's start in win
	base int64 // file offset of win[0]
	eof  bool
}

// fill makes n bytes from pos available in win. It reports false if the
// file ends first.
func (s *scanner) fill(n int) (bool, error) {
	for len(s.win)-s.pos < n {
		if s.eof {
			return false, nil
		}
		if s.pos >= 64<<10 && s.pos >= len(s.win)/2 {
			m := copy(s.win, s.win[s.pos:])
			s.win = s.win[:m]
			s.base += int64(s.pos)
			s.pos = 0
		}
		if len(s.win) == cap(s.win) {
			s.win = slices.Grow(s.win, max(len(s.win)-s.pos, 64<<10))
		}
		m, err := s.br.Read(s.win[len(s.win):cap(s.win)])
		s.win = s.win[:len(s.win)+m]
		if err == io.EOF {
			s.eof = true
		} else if err != nil {
			return false, err
		}
	}
	return true, nil
}
