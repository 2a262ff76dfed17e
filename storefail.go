package prevayler

import (
	"fmt"

	"github.com/prevayler-go/prevayler/store"
)

// setFailer remembers the journal writer's background failure report
// (store.Failer), if it has one.
func (p *Prevayler[S, E, R]) setFailer(w store.Writer) {
	if f, ok := w.(store.Failer); ok {
		p.failer.Store(&f)
	} else {
		p.failer.Store(nil)
	}
}

// storeFailure returns the failure for good of the journal writer's
// background uploads (S3: refused uploads, or uploads failing past the
// store's bound), failing the instance the first time it is seen: Handle
// refuses new events, Stats().LastError reports it, and it is logged as
// an error. A Buffered journal would otherwise acknowledge events that
// can never become durable. Called without p.mu held.
func (p *Prevayler[S, E, R]) storeFailure() error {
	f := p.failer.Load()
	if f == nil {
		return nil
	}
	err := (*f).Err()
	if err == nil {
		return nil
	}
	p.fail(err)
	return fmt.Errorf("prevayler: journal failed, Close and Open again to recover: %w", err)
}
