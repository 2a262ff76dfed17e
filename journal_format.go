package prevayler

import (
	"crypto/cipher"
	"strings"

	"github.com/prevayler-go/prevayler/internal/journal"
)

// What the library writes in and reads from a journal's header besides
// what internal/journal handles itself.

// chunkedSuffix marks a chunked snapshot in the codec name of a format
// version 1 header, which has no flag for it; format version 2 says it
// with its header's chunked flag, and the suffix goes with version 1.
const chunkedSuffix = "+chunked"

// newJournalFramer starts a journal file whose snapshot the codec writes
// as one value, or, if chunked, as a sequence of chunks, one per frame.
func newJournalFramer(codec string, aead cipher.AEAD, chunked bool) (*journal.Framer, error) {
	if chunked {
		codec += chunkedSuffix
	}
	return journal.NewFramer(codec, aead)
}

// headerFormat returns the name of the codec that wrote a journal, and
// whether its snapshot is chunked.
func headerFormat(h journal.Header) (codec string, chunked bool) {
	if c, ok := strings.CutSuffix(h.Codec, chunkedSuffix); ok {
		return c, true
	}
	return h.Codec, false
}
