package prevayler

import (
	"fmt"
	"io"
	"time"

	"github.com/prevayler-go/prevayler/internal/journal"
)

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
		if ev.Reset || dec == nil {
			dec = p.codec.NewDecoder(&feed)
		}
		feed.b = ev.Data
		batch = append(batch, decodedEvent[E]{at: ev.At, offset: ev.FrameOffset})
		if err := decodeSafely(dec, &batch[len(batch)-1].event); err != nil || len(feed.b) > 0 {
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
