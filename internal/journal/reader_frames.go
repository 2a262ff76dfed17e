package journal

import (
	"bytes"
	"fmt"
	"io"
	"time"
)

// Snapshot returns the plaintext of the snapshot: the bytes of its chunks,
// then io.EOF at the snapshot end. Damage, or a file that ends before the
// snapshot end, is a *CorruptError. Once the snapshot has been read, or
// skipped by Next, the returned reader is at io.EOF.
func (r *Reader) Snapshot() io.Reader { return &r.snap }

type snapshotReader struct{ r *Reader }

func (s *snapshotReader) Read(p []byte) (int, error) {
	r := s.r
	for len(r.pending) == 0 {
		if !r.inSnapshot {
			return 0, io.EOF
		}
		if r.err != nil {
			return 0, r.err
		}
		r.loadSnapshotFrame()
	}
	if len(p) == 0 {
		return 0, nil
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

// loadSnapshotFrame reads the next frame of the snapshot. Any problem is
// corruption: a journal is renamed into place only once its snapshot is
// durable, so an incomplete one cannot come from a crash.
func (r *Reader) loadSnapshotFrame() {
	st, reason, err := r.readFrame()
	if err != nil {
		return
	}
	switch st {
	case frameEnd:
		r.corrupt("file ends before the snapshot end")
		return
	case frameShort, frameCut:
		r.corrupt("file ends inside a snapshot frame")
		return
	case frameBad:
		r.corrupt("%s", reason)
		return
	}
	kind := Kind(r.buf[offKind])
	if kind != KindSnapshotChunk && kind != KindSnapshotEnd {
		r.corrupt("%v frame before the snapshot end", kind)
		return
	}
	if reason := r.openFrame(); reason != "" {
		r.corrupt("%s", reason)
		return
	}
	if kind == KindSnapshotChunk {
		r.pending = r.payload
		r.snapTotal += uint64(len(r.payload))
		r.stats.SnapshotBytes += int64(len(r.payload))
	} else {
		if len(r.payload) != 8 {
			r.corrupt("snapshot end holds %d bytes, want 8", len(r.payload))
			return
		}
		if total := le.Uint64(r.payload); total != r.snapTotal {
			r.corrupt("snapshot end says %d bytes, the chunks hold %d", total, r.snapTotal)
			return
		}
		r.inSnapshot = false
	}
	r.stats.SnapshotFrames++
	r.advance()
}

// Next returns the next event after the snapshot, skipping whatever of the
// snapshot is unread. At the end of the file it returns io.EOF, also when
// a torn last write was dropped (see Torn). Damage is a *CorruptError.
func (r *Reader) Next() (Event, error) {
	for r.inSnapshot && r.err == nil {
		r.pending = nil
		r.loadSnapshotFrame()
	}
	for r.next == len(r.entries) {
		if r.err != nil {
			return Event{}, r.err
		}
		r.loadEventsFrame()
	}
	e := &r.entries[r.next]
	r.next++
	r.stats.Events++
	r.seq++
	r.lastSec, r.lastNsec = e.sec, e.nsec
	return Event{
		At:          time.Unix(e.sec, int64(e.nsec)).UTC(),
		Reset:       e.reset,
		Data:        r.payload[e.start:e.end:e.end],
		FrameOffset: r.frameOff,
		Seq:         r.seq,
	}, nil
}

// loadEventsFrame reads the next events frame into r.entries, or sets
// r.err. Seal frames on the way are checked and passed. See "What a reader
// does with damage" in docs/FORMAT.md.
func (r *Reader) loadEventsFrame() {
	r.entries, r.next = r.entries[:0], 0
	for r.err == nil {
		st, reason, err := r.readFrame()
		if err != nil {
			return
		}
		if r.closed && st != frameEnd {
			// Nothing is written after a closed seal, so nothing can be
			// torn there: these bytes are damage, unless all zero.
			if r.zeroToEnd() {
				return
			}
			r.corrupt("data after the closed seal")
			return
		}
		switch st {
		case frameEnd:
			r.err = io.EOF
			return
		case frameShort:
			if r.zeroToEnd() {
				return
			}
			r.tear(fmt.Sprintf("file ends %d bytes into a frame header", len(r.buf)), int64(len(r.buf)))
			return
		case frameCut:
			r.tear("frame ends past the end of the file", int64(len(r.buf)))
			return
		case frameBad:
			r.damaged(reason)
			return
		}
		// Both checksums match, so these bytes are as written: a torn write
		// cannot explain what follows, whatever comes after the frame.
		kind := Kind(r.buf[offKind])
		if kind == KindSeal && r.hdr.Version != Version1 {
			r.readSeal()
			continue
		}
		if kind != KindEvents {
			r.corrupt("%v frame after the snapshot end", kind)
			return
		}
		if reason := r.openFrame(); reason != "" {
			r.corrupt("%s", reason)
			return
		}
		entries, perr := parseEntries(r.entries, r.payload)
		if perr != nil {
			r.corrupt("%v", perr)
			return
		}
		if !r.sawEntry && !entries[0].reset {
			r.corrupt("the first event entry of the file lacks the reset flag")
			return
		}
		r.entries, r.sawEntry = entries, true
		r.frameOff = r.off
		r.stats.EventFrames++
		r.stats.EventFrameBytes += int64(len(r.buf))
		r.advance()
		return
	}
}

// readSeal checks the intact seal frame in r.buf against the events read
// before it and moves past it.
func (r *Reader) readSeal() {
	if reason := r.openFrame(); reason != "" {
		r.corrupt("%s", reason)
		return
	}
	p := r.payload
	if len(p) != sealSize {
		r.corrupt("seal holds %d bytes, want %d", len(p), sealSize)
		return
	}
	if p[20]&^sealClosed != 0 {
		r.corrupt("unknown seal flags %#x", p[20])
		return
	}
	if seq := le.Uint64(p); seq != r.seq {
		r.corrupt("seal says the last event is number %d, the file's is %d", seq, r.seq)
		return
	}
	if sec, nsec := int64(le.Uint64(p[8:])), int32(le.Uint32(p[16:])); sec != r.lastSec || nsec != r.lastNsec {
		r.corrupt("seal says the last event's time is %d.%09d, the file's is %d.%09d", sec, nsec, r.lastSec, r.lastNsec)
		return
	}
	r.closed = p[20]&sealClosed != 0
	r.stats.Seals++
	r.advance()
}

// zeroToEnd reports whether every byte from r.off to the end of the file
// is zero: space preallocated after the end of the log. It then ends the
// events there. Bytes read are kept in r.buf for what comes next.
func (r *Reader) zeroToEnd() bool {
	if !allZero(r.buf) {
		return false
	}
	n := int64(len(r.buf))
	// A preallocated tail is megabytes that a follower reads at every
	// look: large reads, compared a block at a time.
	chunk := make([]byte, zeroChunk)
	for {
		m, err := r.br.Read(chunk)
		if !allZero(chunk[:m]) {
			// Not padding after all; keep the bytes read for the caller.
			r.buf = append(r.buf, chunk[:m]...)
			return false
		}
		n += int64(m)
		if r.live && err == nil {
			// A follower reads the file again at its next look from this
			// very offset; the writer writes in order, so bytes after a
			// block of zeros are not written yet. Reading the megabytes
			// of reserve at every look cost an idle follower milliseconds;
			// recovery, which is not live, still reads them all.
			r.padding, r.err = n, io.EOF
			return true
		}
		if err == io.EOF {
			r.padding, r.err = n, io.EOF
			return true
		}
		if err != nil {
			r.ioError(err)
			return true
		}
	}
}

const zeroChunk = 64 << 10

var zeros [zeroChunk]byte

func allZero(b []byte) bool {
	for len(b) > 0 {
		n := min(len(b), zeroChunk)
		if !bytes.Equal(b[:n], zeros[:n]) {
			return false
		}
		b = b[n:]
	}
	return true
}

// damaged decides what an invalid events frame at r.off is: a torn write
// if no valid synced frame follows it, else corruption. Bytes that are all
// zero to the end of the file are the end of the log.
func (r *Reader) damaged(reason string) {
	if r.zeroToEnd() {
		return
	}
	// A frame whose header checks out holds its declared length: what lies
	// inside is its payload (an event's data may look like anything, a
	// synced frame included), so the search starts after it.
	from := 1
	if reason == payloadMismatch {
		from = len(r.buf)
	}
	at, found, size, err := r.scanSynced(from)
	if err != nil {
		r.ioError(err)
		return
	}
	if found {
		r.corrupt("%s; a synced frame follows at byte %d", reason, at)
		return
	}
	r.tear(reason+"; no synced frame follows", size)
}
