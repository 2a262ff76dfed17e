package journal

import (
	"fmt"

	"github.com/prevayler-go/prevayler/store"
)

// CorruptError reports bytes that are invalid somewhere other than a torn
// last write. It matches store.ErrCorrupt with errors.Is.
type CorruptError struct {
	Name   string // the file, as given to NewReader
	Offset int64  // byte offset of the header field or frame at fault
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("journal: %s: corrupt at byte %d: %s", e.Name, e.Offset, e.Reason)
}

// Unwrap returns store.ErrCorrupt.
func (e *CorruptError) Unwrap() error { return store.ErrCorrupt }

// Torn describes a torn last write that a Reader dropped: from Offset to
// the end of the file, Bytes long.
type Torn struct {
	Offset int64
	Bytes  int64
	Reason string
}

func keyError(name, detail string) error {
	return fmt.Errorf("journal: %s: %s: %w", name, detail, store.ErrKey)
}
