package journal

import (
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
	return Event{
		At:          time.Unix(e.sec, int64(e.nsec)).UTC(),
		Reset:       e.reset,
		Data:        r.payload[e.start:e.end:e.end],
		FrameOffset: r.frameOff,
	}, nil
}

// loadEventsFrame reads the next events frame into r.entries, or sets
// r.err. See "What a reader does with damage" in docs/FORMAT.md.
func (r *Reader) loadEventsFrame() {
	r.entries, r.next = r.entries[:0], 0
	st, reason, err := r.readFrame()
	if err != nil {
		return
	}
	switch st {
	case frameEnd:
		r.err = io.EOF
		return
	case frameShort:
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
	if kind := Kind(r.buf[offKind]); kind != KindEvents {
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
}

// damaged decides what an invalid events frame at r.off is: a torn write
// if no valid synced frame follows it, else corruption.
func (r *Reader) damaged(reason string) {
	at, found, size, err := r.scanSynced()
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
