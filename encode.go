package prevayler

import (
	"encoding"
	"fmt"
	"reflect"
	"runtime/debug"

	"github.com/prevayler-go/prevayler/internal/journal"
)

// encodeEventLocked encodes the event into encBuf. On error, a panic of the
// codec included, the codec stream restarts with the next event, since a
// failed Encode may have emitted type information. The caller holds the
// apply lock.
//
// The event is copied into a slot of the system's own, so that handing it
// to the codec as an interface does not move it to the heap: one
// allocation per event less. With Binary and an event that appends
// itself, the codec is skipped: AppendBinary appends into encBuf.
func (p *Prevayler[S, E, R]) encodeEventLocked(event E) (err error) {
	if p.ev == nil {
		p.ev = new(E)
		if _, ok := p.codec.(binaryCodec); ok && appendsItself(reflect.TypeFor[E]()) {
			p.evAppender = any(p.ev).(encoding.BinaryAppender)
		}
	}
	*p.ev = event
	// Deferred first: a codec may panic in NewEncoder too, and the caller
	// holds the apply lock.
	defer func() {
		var zero E
		*p.ev = zero // let the event's memory go
		if v := recover(); v != nil {
			err = fmt.Errorf("prevayler: encode event: %w", &PanicError{Value: v, Stack: debug.Stack()})
		}
		if err != nil {
			p.reset = true
		}
	}()
	p.encBuf.Reset()
	if p.evAppender != nil {
		b, err := p.evAppender.AppendBinary(p.encBuf.AvailableBuffer())
		if err != nil {
			return fmt.Errorf("prevayler: encode event: %w", err)
		}
		p.encBuf.Write(b) // in place unless AppendBinary outgrew the buffer
	} else {
		if p.reset || p.enc == nil {
			p.enc = nil
			p.enc = p.codec.NewEncoder(&p.encBuf)
			p.reset = true
		}
		if err := p.enc.Encode(p.ev); err != nil {
			return fmt.Errorf("prevayler: encode event: %w", err)
		}
	}
	if p.encBuf.Len() > journal.MaxEventSize {
		return fmt.Errorf("prevayler: encoded event is %d bytes, more than the %d allowed", p.encBuf.Len(), journal.MaxEventSize)
	}
	return nil
}
