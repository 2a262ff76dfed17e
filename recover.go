package prevayler

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store"
)

// recover runs the start-up protocol (see package store): replay the
// backup if there is one, else the journal; write the recovered state to a
// new journal; retire the old one as an archive. The state is replayed
// before anything is renamed, so a journal that cannot be read (corrupt,
// wrong key) is left exactly as it was.
func (p *Prevayler[S, E, R]) recover(ctx context.Context, initial S) (S, error) {
	files, err := p.st.List(ctx)
	if err != nil {
		return initial, fmt.Errorf("prevayler: list journal files: %w", err)
	}
	var hasJournal, hasBackup bool
	size := map[string]int64{}
	for _, f := range files {
		size[f.Name] = f.Size
		switch {
		case f.Name == store.Journal:
			hasJournal = true
		case f.Name == store.Backup:
			hasBackup = true
		case strings.HasPrefix(f.Name, store.ArchivePrefix):
			if t, err := time.Parse(store.ArchiveTimeFormat, strings.TrimPrefix(f.Name, store.ArchivePrefix)); err == nil && t.After(p.lastArchive) {
				p.lastArchive = t
			}
		case strings.HasPrefix(f.Name, store.TempPrefix):
			// An unfinished rewrite from a crash: never read, safe to drop.
			if err := p.st.Remove(ctx, f.Name); err != nil && !errors.Is(err, store.ErrNotExist) {
				return initial, fmt.Errorf("prevayler: remove leftover %q: %w", f.Name, err)
			}
		}
	}

	state := initial
	src := ""
	switch {
	case hasBackup:
		// The journal beside a backup is an unfinished rewrite.
		src = store.Backup
	case hasJournal:
		src = store.Journal
	}
	if hasBackup || hasJournal {
		if state, err = p.replay(ctx, src, size[src], initial); err != nil {
			return initial, err
		}
	}

	tmp, w, framer, err := p.writeSnapshot(ctx, state)
	if err != nil {
		return initial, err
	}
	if err := p.install(ctx, tmp, hasBackup || hasJournal, !hasBackup); err != nil {
		w.Close()
		return initial, err
	}
	p.w.start(w, framer)
	p.stats.snapshotted(time.Now())
	p.pruneArchives(ctx)
	return state, nil
}

// install puts the synced temporary journal tmp in place: the current
// journal (if any) becomes the backup, tmp becomes the journal, the backup
// becomes an archive. A crash between any two steps is recovered by the
// next start: the backup, while it exists, takes precedence.
func (p *Prevayler[S, E, R]) install(ctx context.Context, tmp string, retire, journalToBackup bool) error {
	if retire && journalToBackup {
		if err := p.st.Rename(ctx, store.Journal, store.Backup); err != nil {
			return fmt.Errorf("prevayler: rename journal to backup: %w", err)
		}
	}
	if err := p.st.Rename(ctx, tmp, store.Journal); err != nil {
		return fmt.Errorf("prevayler: rename new journal into place: %w", err)
	}
	if retire {
		name := p.nextArchiveName()
		if err := p.st.Rename(ctx, store.Backup, name); err != nil {
			return fmt.Errorf("prevayler: archive backup as %q: %w", name, err)
		}
	}
	return nil
}

// nextArchiveName returns an archive name later than every one seen, even
// within one clock tick.
func (p *Prevayler[S, E, R]) nextArchiveName() string {
	t := time.Now().UTC()
	if !t.After(p.lastArchive) {
		t = p.lastArchive.Add(time.Nanosecond)
	}
	p.lastArchive = t
	return store.ArchiveName(t)
}

// writeSnapshot writes a new journal holding state under a temporary name
// and syncs it. The writer stays open for the events that follow.
func (p *Prevayler[S, E, R]) writeSnapshot(ctx context.Context, state S) (string, store.Writer, *journal.Framer, error) {
	framer, err := journal.NewFramer(p.codec.Name(), p.aead)
	if err != nil {
		return "", nil, nil, fmt.Errorf("prevayler: new journal: %w", err)
	}
	tmp := store.TempPrefix + randomID()
	w, err := p.st.Create(ctx, tmp)
	if err != nil {
		return "", nil, nil, fmt.Errorf("prevayler: create %q: %w", tmp, err)
	}
	err = p.encodeSnapshot(ctx, w, framer, state)
	if err == nil {
		err = w.Sync(ctx)
	}
	if err != nil {
		w.Close()
		p.removeQuietly(tmp)
		return "", nil, nil, fmt.Errorf("prevayler: write snapshot: %w", err)
	}
	return tmp, w, framer, nil
}

func (p *Prevayler[S, E, R]) encodeSnapshot(ctx context.Context, w store.Writer, framer *journal.Framer, state S) error {
	if _, err := w.Write(framer.AppendHeader(nil)); err != nil {
		return err
	}
	var out io.Writer = w
	if th, ok := w.(store.Throttle); ok {
		out = throttledWriter{ctx: ctx, w: w, th: th}
	}
	out = &syncingWriter{ctx: ctx, w: w, out: out}
	sw := journal.NewSnapshotWriter(out, framer, 0)
	if err := encodeSafely(p.codec.NewEncoder(sw), &state); err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	return sw.Close()
}

// encodeSafely and decodeSafely turn a panic of the codec (or of a type's
// own GobEncode, MarshalJSON...) into an error.
func encodeSafely(e Encoder, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return e.Encode(v)
}

func decodeSafely(d Decoder, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return d.Decode(v)
}

// snapshotSyncEvery is how many bytes of a snapshot are written between
// syncs. One sync of a whole large snapshot at the end would hold the
// file system's journal, and with it the fsyncs of the writers going on
// beside it, for as long as it takes to write it all.
const snapshotSyncEvery = 4 << 20

// syncingWriter syncs a store writer every snapshotSyncEvery bytes.
type syncingWriter struct {
	ctx context.Context
	w   store.Writer
	out io.Writer
	n   int
}

func (s *syncingWriter) Write(b []byte) (int, error) {
	n, err := s.out.Write(b)
	s.n += n
	if err == nil && s.n >= snapshotSyncEvery {
		s.n = 0
		err = s.w.Sync(s.ctx)
	}
	return n, err
}

// throttledWriter waits for room in a bounded store buffer before each
// write, so a large snapshot does not fill memory.
type throttledWriter struct {
	ctx context.Context
	w   io.Writer
	th  store.Throttle
}

func (t throttledWriter) Write(b []byte) (int, error) {
	if err := t.th.Wait(t.ctx); err != nil {
		return 0, err
	}
	return t.w.Write(b)
}

func (p *Prevayler[S, E, R]) removeQuietly(name string) {
	if err := p.st.Remove(context.Background(), name); err != nil && !errors.Is(err, store.ErrNotExist) {
		p.log.Warn("prevayler: could not remove unfinished journal; the next start removes it", "file", name, "err", err)
	}
}

// replay rebuilds the state from one journal file, streaming it.
func (p *Prevayler[S, E, R]) replay(ctx context.Context, name string, size int64, initial S) (S, error) {
	label := "journal" + name
	rc, err := p.st.Open(ctx, name)
	if err != nil {
		return initial, fmt.Errorf("prevayler: open %s: %w", label, err)
	}
	defer rc.Close()
	counted := &countingReader{r: rc}
	jr, err := journal.NewReader(bufio.NewReaderSize(counted, 1<<20), label, p.aead)
	if err != nil {
		return initial, fmt.Errorf("prevayler: read %s: %w", label, err)
	}
	if got := jr.Header().Codec; got != p.codec.Name() {
		return initial, fmt.Errorf("prevayler: %s was written with codec %q, Options.Codec is %q", label, got, p.codec.Name())
	}
	var state S
	// A reader of our own, so that what the codec reads ahead is visible.
	snap := bufio.NewReader(jr.Snapshot())
	if err := decodeSafely(p.codec.NewDecoder(snap), &state); err != nil {
		if errors.Is(err, store.ErrCorrupt) {
			return initial, fmt.Errorf("prevayler: read %s: %w", label, err)
		}
		return initial, fmt.Errorf("prevayler: decode snapshot of %s (state type changed?): %w", label, err)
	}
	if n, err := io.Copy(io.Discard, snap); err != nil || n > 0 {
		if err == nil {
			err = fmt.Errorf("%d bytes left after the state", n)
		}
		return initial, fmt.Errorf("prevayler: snapshot of %s: %w", label, err)
	}

	start := time.Now()
	progress := newProgress(p.log, label, size, counted)
	events := p.decodeEvents(jr, label)
	defer events.stop()
	var count uint64
	for batch := range events.out {
		for i := range batch {
			d := &batch[i]
			next, _, err := p.apply(state, d.event, d.at)
			if err != nil {
				return initial, fmt.Errorf("prevayler: replay event %d of %s (frame at byte %d): the handler failed on an event it once accepted; is it deterministic? %w", count+1, label, d.offset, err)
			}
			state = next
			count++
			var zero E
			d.event = zero // let the event's memory go
		}
		events.recycle(batch)
		progress.maybeLog(count)
	}
	if events.err != nil {
		return initial, events.err
	}
	if t := jr.Torn(); t != nil {
		p.log.Warn("prevayler: dropped a torn last write (from a crash before it was acknowledged)",
			"file", label, "offset", t.Offset, "bytes", t.Bytes, "reason", t.Reason)
	}
	p.log.Debug("prevayler: replayed journal", "file", label, "events", count, "elapsed", time.Since(start))
	return state, nil
}

// entryReader yields one event's bytes, then io.EOF, so that a stream
// decoder can never read into the next event. It is an io.ByteReader so
// that gob does not add a read-ahead buffer.
type entryReader struct{ b []byte }

func (r *entryReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func (r *entryReader) ReadByte() (byte, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c, nil
}

func randomID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("prevayler: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}
