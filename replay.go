package prevayler

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store"
)

// replayed is what replaying a journal file leaves besides the state.
type replayed struct {
	seq    uint64    // sequence number of the last event
	at     time.Time // its time (zero if none, ever)
	fileID [16]byte
	closed bool     // the file ended with a closed seal
	chain  []string // archives a continuation needed, oldest first
}

// replay rebuilds the state from one journal file, streaming it. A
// continuation is replayed after its predecessor, found among archives.
func (p *Prevayler[S, E, R]) replay(ctx context.Context, name string, size int64, initial S, archives []store.FileInfo) (S, replayed, error) {
	var info replayed
	label := "journal" + name
	rc, err := p.st.Open(ctx, name)
	if err != nil {
		return initial, info, fmt.Errorf("prevayler: open %s: %w", label, err)
	}
	defer rc.Close()
	counted := &countingReader{r: rc}
	jr, err := journal.NewReader(bufio.NewReaderSize(counted, 1<<20), label, p.aead)
	if err != nil {
		return initial, info, fmt.Errorf("prevayler: read %s: %w", label, err)
	}
	hdr := jr.Header()
	if got := hdr.Codec; got != p.codec.Name() {
		return initial, info, fmt.Errorf("prevayler: %s was written with codec %q, Options.Codec is %q", label, got, p.codec.Name())
	}
	info.fileID = hdr.FileID
	if hdr.Continuation {
		return p.replayContinuation(ctx, jr, label, size, counted, initial, archives)
	}
	state, err := p.decodeSnapshot(jr, label, hdr.Chunked, size)
	if err != nil {
		return initial, info, err
	}
	return p.replayEvents(jr, label, size, counted, state, info)
}

// replayContinuation replays the predecessor of the continuation jr, then
// jr's events.
func (p *Prevayler[S, E, R]) replayContinuation(ctx context.Context, jr *journal.Reader, label string, size int64, counted *countingReader, initial S, archives []store.FileInfo) (S, replayed, error) {
	hdr := jr.Header()
	info := replayed{fileID: hdr.FileID}
	prev, rest, err := p.findArchive(ctx, hdr.PrevFileID, archives)
	if err != nil {
		return initial, info, fmt.Errorf("prevayler: %s continues a journal without a snapshot: %w", label, err)
	}
	state, before, err := p.replay(ctx, prev.Name, prev.Size, initial, rest)
	if err != nil {
		return initial, info, err
	}
	if before.seq != hdr.BaseSeq {
		return initial, info, fmt.Errorf("prevayler: %s continues %s after event %d, which ends at event %d: %w",
			label, "journal"+prev.Name, hdr.BaseSeq, before.seq, store.ErrCorrupt)
	}
	info.chain = append(before.chain, prev.Name)
	return p.replayEvents(jr, label, size, counted, state, info)
}

// findArchive returns the archive whose file id is id, and the archives
// older than it. It reads the header of each, newest first.
func (p *Prevayler[S, E, R]) findArchive(ctx context.Context, id [16]byte, archives []store.FileInfo) (store.FileInfo, []store.FileInfo, error) {
	for i := len(archives) - 1; i >= 0; i-- {
		a := archives[i]
		rc, err := p.st.Open(ctx, a.Name)
		if err != nil {
			return a, nil, fmt.Errorf("open %s: %w", a.Name, err)
		}
		jr, err := journal.NewReader(rc, "journal"+a.Name, p.aead)
		rc.Close()
		if err != nil {
			continue // not this one; its own damage matters only if it is needed
		}
		if jr.Header().FileID == id {
			return a, archives[:i], nil
		}
	}
	return store.FileInfo{}, nil, fmt.Errorf("its predecessor (file id %x) is not among the archives; was it pruned? %w", id, store.ErrCorrupt)
}

// replayEvents applies the events of jr to state.
func (p *Prevayler[S, E, R]) replayEvents(jr *journal.Reader, label string, size int64, counted *countingReader, state S, info replayed) (S, replayed, error) {
	initial := state
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
				return initial, info, fmt.Errorf("prevayler: replay event %d of %s (frame at byte %d): the handler failed on an event it once accepted; is it deterministic? %w", count+1, label, d.offset, err)
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
		return initial, info, events.err
	}
	info.seq, info.closed = jr.Seq(), jr.Closed()
	// The decoding goroutine has read every event applied: the reader's
	// last time is the last applied event's, or the header's base time.
	info.at = jr.LastTime()
	if t := jr.Torn(); t != nil {
		p.log.Warn("prevayler: dropped a torn last write (from a crash before it was acknowledged)",
			"file", label, "offset", t.Offset, "bytes", t.Bytes, "reason", t.Reason)
	}
	p.log.Debug("prevayler: replayed journal", "file", label, "events", count, "last_seq", info.seq,
		"closed", info.closed, "elapsed", time.Since(start))
	return state, info, nil
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

// replayBatch is how many decoded events travel together from the decoding
// goroutine to the one applying them: enough to make the hand-over cheap,
// few enough to keep memory bounded by the state, not the journal.
const replayBatch = 512

type decodedEvent[E any] struct {
	event  E
	at     time.Time
	offset int64
}

// eventDecoder reads and decodes a journal's events in its own goroutine
// while the caller applies them: replay then uses both halves of the work
// in parallel. The caller ranges over out, then checks err.
type eventDecoder[E any] struct {
	out  chan []decodedEvent[E]
	free chan []decodedEvent[E]
	quit chan struct{}
	done chan struct{}
	err  error // set before out is closed
}

func (p *Prevayler[S, E, R]) decodeEvents(jr *journal.Reader, label string) *eventDecoder[E] {
	d := &eventDecoder[E]{
		out:  make(chan []decodedEvent[E], 4),
		free: make(chan []decodedEvent[E], 6),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
	go func() {
		defer close(d.done)
		defer close(d.out)
		d.err = p.decodeAll(jr, label, d)
	}()
	return d
}

func (p *Prevayler[S, E, R]) decodeAll(jr *journal.Reader, label string, d *eventDecoder[E]) error {
	var (
		dec   Decoder
		feed  entryReader
		count uint64
	)
	batch := d.batch()
	for {
		ev, err := jr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("prevayler: read %s: %w", label, err)
		}
		if ev.Reset {
			dec = nil
		}
		feed.b = ev.Data
		batch = append(batch, decodedEvent[E]{at: ev.At, offset: ev.FrameOffset})
		if err := decodeSafely(&dec, func() Decoder { return p.codec.NewDecoder(&feed) }, &batch[len(batch)-1].event); err != nil || len(feed.b) > 0 {
			if err == nil {
				err = fmt.Errorf("%d bytes left after the event", len(feed.b))
			}
			return fmt.Errorf("prevayler: decode event %d of %s (frame at byte %d; event type changed?): %w", count+1, label, ev.FrameOffset, err)
		}
		count++
		if len(batch) == replayBatch {
			if !d.send(batch) {
				return nil
			}
			batch = d.batch()
		}
	}
	if len(batch) > 0 {
		d.send(batch)
	}
	return nil
}

func (d *eventDecoder[E]) batch() []decodedEvent[E] {
	select {
	case b := <-d.free:
		return b[:0]
	default:
		return make([]decodedEvent[E], 0, replayBatch)
	}
}

func (d *eventDecoder[E]) send(b []decodedEvent[E]) bool {
	select {
	case d.out <- b:
		return true
	case <-d.quit:
		return false
	}
}

func (d *eventDecoder[E]) recycle(b []decodedEvent[E]) {
	select {
	case d.free <- b:
	default:
	}
}

// stop ends the decoding goroutine, if the caller gave up early, and
// waits for it.
func (d *eventDecoder[E]) stop() {
	close(d.quit)
	<-d.done
}
