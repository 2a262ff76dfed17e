package prevayler

import (
	"fmt"

	"github.com/prevayler-go/prevayler/store"
)

// setFailer remembers the journal's background failure report
// (store.Failer), if it has one.
func (w *journalWriter) setFailer(jw store.Writer) {
	if f, ok := jw.(store.Failer); ok {
		w.failer.Store(&f)
	} else {
		w.failer.Store(nil)
	}
}

// storeFailure returns the failure for good of the journal's background
// uploads (S3: refused uploads, or uploads failing past the store's
// bound), failing the writer the first time it is seen: Handle refuses
// new events, Stats().LastError reports it, and it is logged as an error.
// A Buffered journal would otherwise acknowledge events that can never
// become durable.
func (w *journalWriter) storeFailure() error {
	f := w.failer.Load()
	if f == nil {
		return nil
	}
	err := (*f).Err()
	if err == nil {
		return nil
	}
	w.fail(err)
	return fmt.Errorf("prevayler: journal failed, Close and Open again to recover: %w", err)
}
