package prevayler

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store"
)

// tailState is what a follower has made of the journal: the state after
// event seq, the decoder of the events stream it reads, and where in
// which file the next events are. A reload builds a new one and replaces
// the follower's only once complete.
type tailState[S any] struct {
	state S
	seq   uint64
	dec   Decoder
	feed  *entryReader // what dec reads from
	pos   journal.Position
}

// stopError marks an error that stops the follower: retrying cannot help.
type stopError struct{ err error }

func (e *stopError) Error() string { return e.err.Error() }
func (e *stopError) Unwrap() error { return e.err }

func stop(err error) error { return &stopError{err} }

func isStop(err error) bool {
	var se *stopError
	return errors.As(err, &se) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrDiverged) || errors.Is(err, ErrKey)
}

// recover builds the starting state from the file Open would recover
// from; an empty store gives initial, before any journal.
func (f *Follower[S, E, R]) recover(ctx context.Context, initial S) error {
	f.initial = initial
	f.ts = tailState[S]{state: initial, feed: &entryReader{}}
	var err error
	for range pollAttempts {
		if err = f.recoverOnce(ctx, initial); !errors.Is(err, store.ErrNotExist) {
			return err
		}
	}
	return err
}

func (f *Follower[S, E, R]) recoverOnce(ctx context.Context, initial S) error {
	listing, err := f.p.st.List(ctx)
	if err != nil {
		return fmt.Errorf("prevayler: follow: list journal files: %w", err)
	}
	name := store.Journal
	if cur := store.Classify(listing).Current(); cur != nil {
		name = cur.Name
	}
	// A listing is not atomic: a rotation renaming files while it runs
	// can hide both the journal and the backup, so the journal is opened
	// even when the listing does not show it.
	ts, err := f.load(ctx, name, initial)
	if errors.Is(err, store.ErrNotExist) && name == store.Journal {
		rc, lerr := f.tail.OpenAt(ctx, store.Backup, 0)
		if errors.Is(lerr, store.ErrNotExist) {
			return nil // an empty store
		}
		if lerr == nil {
			rc.Close()
		}
	}
	if err != nil {
		return err
	}
	f.ts = ts
	return nil
}

// pollAttempts bounds how often one check looks at the store again when
// a rotation moved files under it.
const pollAttempts = 4

// poll applies what the store holds beyond f.ts: the rest of the current
// journal, or the journals that replaced it.
//
// A writer that rotates again at every look (snapshots back to back) can
// move a file under each attempt: that is no failure of the follower, and
// the next check looks again.
func (f *Follower[S, E, R]) poll(ctx context.Context) error {
	var err error
	for i := range pollAttempts {
		if err = f.pollOnce(ctx, i == pollAttempts-1); !errors.Is(err, store.ErrNotExist) {
			return err
		}
	}
	if errors.Is(err, errMoved) {
		f.p.log.Debug("prevayler: follow: journal files moved at every look; looking again at the next check", "err", err)
		return nil
	}
	return err
}

func (f *Follower[S, E, R]) pollOnce(ctx context.Context, last bool) error {
	rc, err := f.tail.OpenAt(ctx, store.Journal, 0)
	if errors.Is(err, store.ErrNotExist) {
		// No journal yet, or between the two renames of a rotation, or a
		// writer stopped between them: the backup may hold the rest of the
		// file the follower reads.
		return f.pollBackup(ctx)
	}
	if err != nil {
		return fmt.Errorf("prevayler: follow: %w", err)
	}
	defer rc.Close()
	hdr, n, err := journal.ReadHeader(rc, "journal", f.p.aead)
	if err != nil {
		return fmt.Errorf("prevayler: follow: %w", err)
	}
	if !f.ts.pos.Valid() || hdr.FileID != f.ts.pos.FileID() {
		rc.Close()
		return f.rotate(ctx, hdr, last)
	}
	if f.ts.pos.Closed() {
		return nil // the writer closed it; a new writer will replace it
	}
	return f.tailFile(ctx, store.Journal, rc, n)
}

// pollBackup applies the rest of the file the follower reads if it is
// now the backup. A missing backup, or another file, is nothing new.
func (f *Follower[S, E, R]) pollBackup(ctx context.Context) error {
	if !f.ts.pos.Valid() || f.ts.pos.Closed() {
		return nil
	}
	rc, err := f.tail.OpenAt(ctx, store.Backup, 0)
	if errors.Is(err, store.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("prevayler: follow: %w", err)
	}
	defer rc.Close()
	hdr, n, err := journal.ReadHeader(rc, "journal"+store.Backup, f.p.aead)
	if err != nil {
		return fmt.Errorf("prevayler: follow: %w", err)
	}
	if hdr.FileID != f.ts.pos.FileID() {
		return nil
	}
	return f.tailFile(ctx, store.Backup, rc, n)
}

// tailFile applies the events of file name after f.ts.pos; rc is the
// file read up to byte n, its header.
func (f *Follower[S, E, R]) tailFile(ctx context.Context, name string, rc io.ReadCloser, n int64) error {
	src, err := f.seek(ctx, rc, name, n, f.ts.pos.Offset())
	if err != nil {
		return err
	}
	if src != rc {
		defer src.Close()
	}
	label := "journal" + name
	return f.readEvents(journal.Resume(src, label, f.p.aead, f.ts.pos), label, &f.ts, true)
}

// seek moves rc, read up to byte at, to byte off of file name, or opens
// the file there if rc cannot seek.
func (f *Follower[S, E, R]) seek(ctx context.Context, rc io.ReadCloser, name string, at, off int64) (io.ReadCloser, error) {
	if sk, ok := rc.(io.Seeker); ok {
		if _, err := sk.Seek(off, io.SeekStart); err != nil {
			return nil, fmt.Errorf("prevayler: follow: seek journal%s to byte %d: %w", name, off, err)
		}
		return rc, nil
	}
	if off-at < 1<<20 {
		if _, err := io.CopyN(io.Discard, rc, off-at); err != nil {
			return nil, fmt.Errorf("prevayler: follow: read journal%s up to byte %d: %w", name, off, err)
		}
		return rc, nil
	}
	// Frames checksummed with the file id tell another file apart, should
	// this one be replaced meanwhile.
	src, err := f.tail.OpenAt(ctx, name, off)
	if err != nil {
		return nil, fmt.Errorf("prevayler: follow: %w", err)
	}
	return src, nil
}

// load rebuilds a state from the file name, as a start-up does: the
// snapshot (or, for a continuation, the journals it continues) then its
// events. initial is the state a continuation chain starts from.
func (f *Follower[S, E, R]) load(ctx context.Context, name string, initial S) (tailState[S], error) {
	ts := tailState[S]{feed: &entryReader{}}
	label := "journal" + name
	rc, err := f.p.st.Open(ctx, name)
	if err != nil {
		return ts, fmt.Errorf("prevayler: follow: open %s: %w", label, err)
	}
	defer rc.Close()
	jr, err := journal.NewReader(bufio.NewReaderSize(rc, 1<<20), label, f.p.aead)
	if err != nil {
		return ts, fmt.Errorf("prevayler: follow: read %s: %w", label, err)
	}
	hdr := jr.Header()
	if err := f.checkCodec(hdr, label); err != nil {
		return ts, err
	}
	if hdr.Continuation {
		listing, err := f.p.st.List(ctx)
		if err != nil {
			return ts, fmt.Errorf("prevayler: follow: list journal files: %w", err)
		}
		archives := store.Classify(listing).Archives
		prev, rest, err := f.p.findArchive(ctx, hdr.PrevFileID, archives)
		if err != nil {
			return ts, fmt.Errorf("prevayler: follow: %s continues a journal without a snapshot: %w", label, err)
		}
		state, before, err := f.p.replay(ctx, prev.Name, prev.Size, initial, rest)
		if err != nil {
			return ts, err
		}
		if before.seq != hdr.BaseSeq {
			return ts, fmt.Errorf("prevayler: follow: %s continues journal%s after event %d, which ends at event %d: %w",
				label, prev.Name, hdr.BaseSeq, before.seq, ErrCorrupt)
		}
		ts.state = state
	} else {
		if ts.state, err = f.p.decodeSnapshot(jr, label, hdr.Chunked, 0); err != nil {
			if errors.Is(err, ErrCorrupt) {
				return ts, err
			}
			return ts, stop(err)
		}
	}
	ts.seq = hdr.BaseSeq
	if err := f.readEvents(jr, label, &ts, false); err != nil {
		return ts, err
	}
	if !ts.pos.Valid() {
		return ts, fmt.Errorf("prevayler: follow: %s: no position after its events", label)
	}
	return ts, nil
}

func (f *Follower[S, E, R]) checkCodec(hdr journal.Header, label string) error {
	if got := hdr.Codec; got != f.p.codec.Name() {
		return stop(fmt.Errorf("prevayler: follow: %s was written with codec %q, Options.Codec is %q", label, got, f.p.codec.Name()))
	}
	return nil
}

// readEvents applies to ts the events of jr numbered after ts.seq and
// decodes the others (a stream codec needs them), then records where jr
// stopped. live says ts is the follower's own, published as it goes.
func (f *Follower[S, E, R]) readEvents(jr *journal.Reader, label string, ts *tailState[S], live bool) error {
	var applied uint64
	defer func() {
		if pos, ok := jr.Position(); ok {
			ts.pos = pos
		}
		if live && applied > 0 {
			f.mu.Lock()
			f.stats.Events += applied
			f.mu.Unlock()
		}
	}()
	for {
		ev, err := jr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("prevayler: follow: read %s: %w", label, err)
		}
		if ev.Reset {
			ts.dec = nil
		}
		ts.feed.b = ev.Data
		var e E
		if err := decodeSafely(&ts.dec, func() Decoder { return f.p.codec.NewDecoder(ts.feed) }, &e); err != nil || len(ts.feed.b) > 0 {
			if err == nil {
				err = fmt.Errorf("%d bytes left after the event", len(ts.feed.b))
			}
			ts.dec = nil // its stream is lost: only a reset can follow
			return stop(fmt.Errorf("prevayler: follow: decode event %d of %s (frame at byte %d; event type changed?): %w", ev.Seq, label, ev.FrameOffset, err))
		}
		if ev.Seq <= ts.seq {
			continue // already applied: the events a snapshot's journal repeats
		}
		if ev.Seq != ts.seq+1 {
			return stop(fmt.Errorf("prevayler: follow: %s holds event %d next, the follower has applied %d: %w", label, ev.Seq, ts.seq, ErrDiverged))
		}
		next, _, err := f.p.apply(ts.state, e, ev.At)
		if err != nil {
			return stop(fmt.Errorf("prevayler: follow: event %d of %s (frame at byte %d): the handler failed on an event its writer accepted; is it deterministic? %w", ev.Seq, label, ev.FrameOffset, err))
		}
		ts.state, ts.seq = next, ev.Seq
		applied++
		if live {
			if applied%replayBatch == 0 {
				f.publish(time.Time{})
			}
		}
	}
	return nil
}
