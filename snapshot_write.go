package prevayler

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"runtime/debug"
	"time"

	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store"
)

// writeSnapshot writes a new journal holding state under a temporary name
// and syncs it. The writer stays open for the events that follow. info
// places it in the journal's history; for a continuation (info says so)
// the state is not written.
func (p *Prevayler[S, E, R]) writeSnapshot(ctx context.Context, state S, info journal.FileInfo) (string, store.Writer, *journal.Framer, error) {
	var how snapshotHow
	if !info.Continuation {
		how = p.snapshotHow(&state)
	}
	info.Chunked = how.chunked()
	framer, err := journal.NewFramer(p.codec.Name(), p.aead, info)
	if err != nil {
		return "", nil, nil, fmt.Errorf("prevayler: new journal: %w", err)
	}
	tmp := store.TempPrefix + randomID()
	w, err := p.st.Create(ctx, tmp)
	if err != nil {
		return "", nil, nil, fmt.Errorf("prevayler: create %q: %w", tmp, err)
	}
	if info.Continuation {
		_, err = w.Write(framer.AppendHeader(nil))
	} else {
		err = p.encodeSnapshot(ctx, w, framer, &state, how)
	}
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

// snapshotHow says how a state's snapshot is written.
type snapshotHow struct {
	byState bool        // by the state's EncodeChunks
	split   *splitState // else by the library's pieces, if not nil
}

func (h snapshotHow) chunked() bool { return h.byState || h.split != nil }

func (p *Prevayler[S, E, R]) snapshotHow(state *S) snapshotHow {
	if chunksItself(reflect.TypeFor[S]()) {
		return snapshotHow{byState: true}
	}
	return snapshotHow{split: planSplit(p.codec, state)}
}

func (p *Prevayler[S, E, R]) encodeSnapshot(ctx context.Context, w store.Writer, framer *journal.Framer, state *S, how snapshotHow) error {
	if _, err := w.Write(framer.AppendHeader(nil)); err != nil {
		return err
	}
	var out io.Writer = w
	th, remote := w.(store.Throttle)
	if remote {
		out = throttledWriter{ctx: ctx, w: w, th: th}
	}
	// A local disk is shared with the journal's syncs; a remote store's
	// uploads are paced by its own buffer.
	out = &syncingWriter{ctx: ctx, w: w, out: out, pace: !remote}
	rec := &writeRecorder{w: out}
	sw := journal.NewSnapshotWriter(rec, framer, 0)
	var err error
	if how.chunked() {
		err = p.encodeChunks(sw, state, how)
	} else {
		err = encodeSafely(func() Encoder { return p.codec.NewEncoder(sw) }, state)
	}
	if err != nil {
		if rec.err == nil { // the codec's or the state's own failure, not the store's
			return unencodable(err)
		}
		return fmt.Errorf("encode state: %w", err)
	}
	return sw.Close()
}

// encodeChunks writes the chunks of a chunked snapshot: the plan, then
// those of the state's EncodeChunks or of the library's split.
func (p *Prevayler[S, E, R]) encodeChunks(sw *journal.SnapshotWriter, state *S, how snapshotHow) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	sink := newChunkSink(p.codec, sw)
	plan := chunkPlan{ByState: how.byState}
	if how.split != nil {
		plan = how.split.plan()
	}
	if err := sink.put(&plan); err != nil {
		return err
	}
	if how.byState {
		err = any(*state).(ChunkEncoder).EncodeChunks(sink.put)
	} else {
		err = how.split.encode(sink)
	}
	if err == nil {
		err = sink.err // put failed, and EncodeChunks went on regardless
	}
	return err
}

// encodeSafely and decodeSafely turn a panic of the codec (or of a type's
// own GobEncode, MarshalJSON...) into an error. They make the encoder or
// decoder themselves, since a codec may panic there too.
func encodeSafely(newEnc func() Encoder, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return newEnc().Encode(v)
}

func decodeSafely(d *Decoder, newDec func() Decoder, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	if *d == nil {
		*d = newDec()
	}
	return (*d).Decode(v)
}

// writeRecorder keeps the first error of its writer, so that an encoding
// error can be told from a failure of the store underneath.
type writeRecorder struct {
	w   io.Writer
	err error
}

func (r *writeRecorder) Write(b []byte) (int, error) {
	n, err := r.w.Write(b)
	if err != nil && r.err == nil {
		r.err = err
	}
	return n, err
}

// snapshotSyncEvery is how many bytes of a snapshot are written between
// syncs. One sync of a whole large snapshot at the end would hold the
// file system's journal, and with it the fsyncs of the writers going on
// beside it, for as long as it takes to write it all.
const snapshotSyncEvery = 256 << 10

// syncingWriter syncs a store writer every snapshotSyncEvery bytes. If
// pace is set and the sync took time (a disk), it then rests as long as
// the piece took to encode, write and sync: the disk is then idle half of
// the time for the writers' syncs, at the cost of a snapshot taking about
// twice as long.
type syncingWriter struct {
	ctx   context.Context
	w     store.Writer
	out   io.Writer
	n     int
	pace  bool
	since time.Time
}

func (s *syncingWriter) Write(b []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	if s.pace && s.since.IsZero() {
		s.since = time.Now()
	}
	n, err := s.out.Write(b)
	s.n += n
	if err == nil && s.n >= snapshotSyncEvery {
		s.n = 0
		synced := time.Now()
		err = s.w.Sync(s.ctx)
		// A sync that returns at once touched no device (a store in
		// memory): nothing to make room for.
		if err == nil && s.pace && time.Since(synced) >= paceMinSync {
			err = rest(s.ctx, time.Since(s.since))
		}
		s.since = time.Now()
	}
	return n, err
}

// paceMinSync is the shortest sync of a snapshot's piece that makes it
// rest: below it the store has no disk to share.
const paceMinSync = 50 * time.Microsecond

// rest waits d, or until ctx ends.
func rest(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
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
