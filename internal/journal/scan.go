package journal

import (
	"io"
	"slices"
)

// scanSynced looks, byte by byte, for a valid frame marked synced anywhere
// after the start of the invalid frame at r.off, whose bytes read so far
// are in r.buf. A candidate counts if its header checksum matches, it is
// an events frame, its length is at most MaxPayload and fits in the file,
// its index is above the invalid frame's, its payload checksum matches
// and, in an encrypted file, it authenticates. Without a candidate, the
// scan reads to the end of the file and returns the size from r.off.
//
// The window grows only with bytes actually read, and drops what lies
// before the current candidate.
func (r *Reader) scanSynced() (at int64, found bool, size int64, err error) {
	s := scanner{br: r.br, win: r.buf, pos: 1, base: r.off}
	var scratch []byte
	for {
		ok, err := s.fill(FrameHeaderSize)
		if err != nil {
			return 0, false, 0, err
		}
		if !ok {
			break
		}
		h := s.win[s.pos : s.pos+FrameHeaderSize]
		if Kind(h[offKind]) == KindEvents && Flags(h[offFlags])&FlagSynced != 0 &&
			checksum(h[:offHCRC]) == le.Uint32(h[offHCRC:]) {
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
					if checksum(p) == le.Uint32(h[offDCRC:]) {
						if scratch, ok = r.opens(scratch, h, p, idx); ok {
							return s.base + int64(s.pos), true, 0, nil
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
