package main

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store"
)

// restored is what a restore wrote.
type restored struct {
	lastSeq uint64
	lastAt  time.Time // zero: no event, ever
	events  int64
	files   int   // files read
	bytes   int64 // bytes written
}

// writeRestore writes the new journal of plan at dst, up to pt, under a
// temporary name, makes it durable with a closed seal, and renames it into
// place. On failure it removes the temporary file.
func (c *cli) writeRestore(ctx context.Context, src *location, plan restorePlan, pt point, dst *location, aead cipher.AEAD) (res restored, err error) {
	base := plan.files[0].hdr
	// The new file starts a history of its own: no predecessor, since its
	// events would otherwise be expected to continue one at DST.
	framer, err := journal.NewFramer(base.Codec, aead, journal.FileInfo{
		BaseSeq: base.BaseSeq, BaseTime: base.BaseTime, Chunked: base.Chunked,
	})
	if err != nil {
		return res, err
	}
	tmp := tempNameFor("restore")
	w, err := dst.s.Create(ctx, tmp)
	if err != nil {
		return res, fmt.Errorf("create %s: %w", dst.name(tmp), err)
	}
	defer func() {
		if err != nil {
			w.Close()
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			dst.s.Remove(rctx, tmp)
		}
	}()
	out := &restoreOut{ctx: ctx, w: w, name: dst.name(tmp)}
	out.throttle, _ = w.(store.Throttle)
	if _, err := out.Write(framer.AppendHeader(nil)); err != nil {
		return res, err
	}
	res = restored{lastSeq: base.BaseSeq, lastAt: base.BaseTime}
	ev := &eventCopier{framer: framer, out: out}
	for i, f := range plan.files {
		// Events of a file that its successor does not continue were
		// written after the successor read it (a fenced writer's) and are
		// not part of the history.
		limit := ^uint64(0)
		if i+1 < len(plan.files) {
			limit = plan.files[i+1].hdr.BaseSeq
		}
		done, err := c.copyFileEvents(ctx, src, f, aead, i == 0, plan.unsure, pt, limit, ev, &res)
		res.files++
		if err != nil {
			return res, err
		}
		if done {
			break
		}
		if i+1 < len(plan.files) && res.lastSeq != limit {
			next := plan.files[i+1]
			return res, fmt.Errorf("%s ends at event %d, and %s continues it after event %d: a gap in the history: %w",
				src.name(f.info.Name), res.lastSeq, src.name(next.info.Name), limit, store.ErrCorrupt)
		}
	}
	if pt.bySeq && res.lastSeq < pt.seq {
		return res, fmt.Errorf("%v: the journal at %s ends at event %d: %w", pt, src.url, res.lastSeq, errAfterEnd)
	}
	if err := ev.flush(); err != nil {
		return res, err
	}
	// The closed seal goes after a sync that no write follows, as the
	// library's Close does: everything before it is then durable.
	if err := w.Sync(ctx); err != nil {
		return res, fmt.Errorf("sync %s: %w", dst.name(tmp), err)
	}
	seal, err := framer.AppendSeal(nil, res.lastSeq, res.lastAt, true)
	if err != nil {
		return res, err
	}
	if _, err := out.Write(seal); err != nil {
		return res, err
	}
	if err := w.Sync(ctx); err != nil {
		return res, fmt.Errorf("sync %s: %w", dst.name(tmp), err)
	}
	if err := w.Close(); err != nil {
		return res, fmt.Errorf("close %s: %w", dst.name(tmp), err)
	}
	if err := dst.s.Rename(ctx, tmp, store.Journal); err != nil {
		return res, fmt.Errorf("rename %s to %s: %w", dst.name(tmp), dst.name(store.Journal), err)
	}
	res.bytes = out.n
	return res, nil
}

// copyFileEvents copies, from the file f of src, the snapshot if first,
// then the events up to pt and limit. It reports whether the point was
// reached.
func (c *cli) copyFileEvents(ctx context.Context, src *location, f histFile, aead cipher.AEAD, first, unsure bool, pt point,
	limit uint64, ev *eventCopier, res *restored) (bool, error) {
	framer := ev.framer
	name := src.name(f.info.Name)
	if f.hdr.Codec != framer.Header().Codec {
		return false, fmt.Errorf("%s was written with codec %q, the snapshot with %q", name, f.hdr.Codec, framer.Header().Codec)
	}
	rc, err := src.s.Open(ctx, f.info.Name)
	if errors.Is(err, store.ErrNotExist) {
		// Renamed by a rotation since the listing.
		return false, fmt.Errorf("open %s: %w: %w", name, err, errConcurrentChange)
	}
	if err != nil {
		return false, fmt.Errorf("open %s: %w", name, err)
	}
	defer rc.Close()
	m := c.meter("read "+name, f.info.Size)
	defer m.Stop()
	r, err := journal.NewReader(m.reader(rc), name, aead)
	if err != nil {
		return false, err
	}
	if r.Header().FileID != f.hdr.FileID {
		return false, fmt.Errorf("%s changed while it was read (another file id): %w", name, errConcurrentChange)
	}
	if first {
		if err := copySnapshot(r, ev.out, framer); err != nil {
			return false, err
		}
	}
	for {
		e, err := r.Next()
		if err == io.EOF {
			if first && unsure && res.events == 0 {
				return false, fmt.Errorf("%v: the oldest snapshot, of %s, is in format 1, which records no time, and no event after it tells it is within the point: %w",
					pt, name, errBeforeHistory)
			}
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if e.Seq > limit {
			return false, nil
		}
		if !pt.includes(e.Seq, e.At) {
			if first && unsure && res.events == 0 {
				return false, fmt.Errorf("%v: the oldest snapshot, of %s, is in format 1, which records no time, and its first event is later: %w",
					pt, name, errBeforeHistory)
			}
			return true, nil
		}
		if err := ev.add(e); err != nil {
			return false, err
		}
		res.lastSeq, res.lastAt = e.Seq, e.At
		res.events++
		if n := m.events.Add(1); n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return false, err
			}
		}
		if pt.bySeq && e.Seq == pt.seq {
			return true, nil
		}
	}
}

// copySnapshot copies the snapshot of r chunk by chunk, so that a chunked
// snapshot keeps its chunks.
func copySnapshot(r *journal.Reader, out io.Writer, framer *journal.Framer) error {
	sw := journal.NewSnapshotWriter(out, framer, 0)
	for {
		p, err := r.SnapshotChunk()
		if err == io.EOF {
			return sw.Close()
		}
		if err != nil {
			return err
		}
		if err := sw.WriteChunk(p); err != nil {
			return err
		}
	}
}

// eventCopier gathers event entries into events frames of about
// journal.EventFrameTarget bytes.
type eventCopier struct {
	framer  *journal.Framer
	out     *restoreOut
	entries []byte
	frames  []byte
}

// add appends e as it was journaled: time, reset flag and bytes, so that
// the codec's decoder sees the same stream.
func (c *eventCopier) add(e journal.Event) error {
	c.entries = journal.AppendEvent(c.entries, e.At, e.Reset, e.Data)
	if len(c.entries) >= journal.EventFrameTarget {
		return c.flush()
	}
	return nil
}

func (c *eventCopier) flush() error {
	if len(c.entries) == 0 {
		return nil
	}
	var err error
	if c.frames, err = journal.AppendEventFrames(c.frames[:0], c.framer, 0, c.entries); err != nil {
		return err
	}
	c.entries = c.entries[:0]
	_, err = c.out.Write(c.frames)
	return err
}

// restoreOut writes to the new file, waiting for a bounded store's buffer.
type restoreOut struct {
	ctx      context.Context
	w        store.Writer
	throttle store.Throttle
	name     string
	n        int64
}

func (o *restoreOut) Write(p []byte) (int, error) {
	if o.throttle != nil {
		if err := o.throttle.Wait(o.ctx); err != nil {
			return 0, err
		}
	}
	n, err := o.w.Write(p)
	o.n += int64(n)
	if err != nil {
		return n, fmt.Errorf("write %s: %w", o.name, err)
	}
	return n, nil
}
