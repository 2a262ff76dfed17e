package journal

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"time"
)

// EventOverhead is the most bytes AppendEvent adds besides the event's
// data: the entry's length, flags, seconds and nanoseconds.
const EventOverhead = binary.MaxVarintLen64 + 1 + binary.MaxVarintLen64 + 5

// AppendEvent appends one entry of an events frame's plaintext payload to
// dst: the event's time at, whether the codec's decoder starts afresh
// (reset; set it on the first entry of every file), and the codec's
// encoding of the event.
func AppendEvent(dst []byte, at time.Time, reset bool, data []byte) []byte {
	sec, nsec := at.Unix(), uint64(at.Nanosecond())
	var flags byte
	if reset {
		flags = entryReset
	}
	n := 1 + varintLen(sec) + uvarintLen(nsec) + len(data)
	dst = binary.AppendUvarint(dst, uint64(n))
	dst = append(dst, flags)
	dst = binary.AppendVarint(dst, sec)
	dst = binary.AppendUvarint(dst, nsec)
	return append(dst, data...)
}

func uvarintLen(x uint64) int { return (bits.Len64(x|1) + 6) / 7 }

func varintLen(x int64) int {
	ux := uint64(x) << 1
	if x < 0 {
		ux = ^ux
	}
	return uvarintLen(ux)
}

// entry locates one decoded event inside a frame's plaintext payload.
type entry struct {
	sec        int64
	nsec       int32
	reset      bool
	start, end int32 // data, within the payload
}

// entryError says which entry of a payload is bad.
type entryError struct {
	entry  int // 0-based
	offset int // in the payload
	reason string
}

func (e *entryError) Error() string {
	return fmt.Sprintf("event entry %d at payload byte %d: %s", e.entry, e.offset, e.reason)
}

// parseEntries appends the entries of an events payload to dst. It checks
// the whole payload, so a frame is taken whole or not at all.
func parseEntries(dst []entry, p []byte) ([]entry, *entryError) {
	if len(p) > MaxPayload {
		return dst, badEntry(0, 0, "payload exceeds the maximum size")
	}
	if len(p) == 0 {
		return dst, badEntry(0, 0, "events frame holds no entry")
	}
	for i, pos := 0, 0; pos < len(p); i++ {
		n, k := uvarint(p[pos:])
		if k <= 0 {
			return dst, badEntry(i, pos, "bad length")
		}
		body := pos + k
		if n > uint64(len(p)-body) {
			return dst, badEntry(i, pos, "length %d runs past the end of the frame", n)
		}
		end := body + int(n)
		q := p[body:end]
		if len(q) == 0 {
			return dst, badEntry(i, pos, "empty entry")
		}
		if q[0]&^entryReset != 0 {
			return dst, badEntry(i, pos, "unknown flags %#x", q[0])
		}
		zz, k := uvarint(q[1:])
		if k <= 0 {
			return dst, badEntry(i, pos, "bad seconds")
		}
		j := 1 + k
		nsec, k := uvarint(q[j:])
		if k <= 0 {
			return dst, badEntry(i, pos, "bad nanoseconds")
		}
		if nsec >= 1e9 {
			return dst, badEntry(i, pos, "nanoseconds %d out of range", nsec)
		}
		dst = append(dst, entry{
			sec:   int64(zz>>1) ^ -int64(zz&1), // zigzag
			nsec:  int32(nsec),
			reset: q[0]&entryReset != 0,
			start: int32(body + j + k),
			end:   int32(end),
		})
		pos = end
	}
	return dst, nil
}

// uvarint is binary.Uvarint with a fast path for the one-byte values
// that most lengths and flags are.
func uvarint(b []byte) (uint64, int) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	return binary.Uvarint(b)
}

func badEntry(i, pos int, format string, args ...any) *entryError {
	return &entryError{entry: i, offset: pos, reason: fmt.Sprintf(format, args...)}
}
