package journal

import (
	"encoding/binary"
	"errors"
)

// EventFrameTarget is the size events frames are cut to by
// AppendEventFrames: large enough to amortise the frame header, small
// enough that a frame stays far below MaxPayload.
const EventFrameTarget = 1 << 20

// MaxEventSize bounds one encoded event: with its entry's overhead it must
// fit in one frame, sealed or not.
const MaxEventSize = MaxPayload - EventOverhead - 1024

// AppendEventFrames frames back-to-back event entries (see AppendEvent)
// into events frames of about EventFrameTarget bytes each and appends them
// to dst. flags go on the first frame only: a crash may tear the frames of
// one write in any order, so only the first follows durable bytes.
func AppendEventFrames(dst []byte, f *Framer, flags Flags, entries []byte) ([]byte, error) {
	for len(entries) > 0 {
		n := 0
		for n < len(entries) {
			size, k := binary.Uvarint(entries[n:])
			if k <= 0 || uint64(len(entries)-n-k) < size {
				return dst, errors.New("journal: append event frames: malformed entry")
			}
			next := n + k + int(size)
			if n > 0 && next > EventFrameTarget {
				break
			}
			n = next
		}
		var err error
		if dst, err = f.AppendFrame(dst, KindEvents, flags, entries[:n]); err != nil {
			return dst, err
		}
		flags = 0
		entries = entries[n:]
	}
	return dst, nil
}
