package prevayler

import (
	"fmt"
	"runtime/debug"

	"github.com/prevayler-go/prevayler/internal/journal"
)

// encodeEventLocked encodes the event into encBuf. On error, a panic of the
// codec included, the codec stream restarts with the next event, since a
// failed Encode may have emitted type information. The caller holds the
// apply lock.
func (p *Prevayler[S, E, R]) encodeEventLocked(event *E) (err error) {
	// Deferred first: a codec may panic in NewEncoder too, and the caller
	// holds the apply lock.
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("prevayler: encode event: %w", &PanicError{Value: v, Stack: debug.Stack()})
		}
		if err != nil {
			p.reset = true
		}
	}()
	if p.reset || p.enc == nil {
		p.enc = nil
		p.enc = p.codec.NewEncoder(&p.encBuf)
		p.reset = true
	}
	p.encBuf.Reset()
	if err := p.enc.Encode(event); err != nil {
		return fmt.Errorf("prevayler: encode event: %w", err)
	}
	if p.encBuf.Len() > journal.MaxEventSize {
		return fmt.Errorf("prevayler: encoded event is %d bytes, more than the %d allowed", p.encBuf.Len(), journal.MaxEventSize)
	}
	return nil
}
