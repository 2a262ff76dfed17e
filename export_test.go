package prevayler

import "github.com/prevayler-go/prevayler/internal/journal"

// SnapshotChunked says a journal's snapshot is chunked, for the tests of
// package prevayler_test.
func SnapshotChunked(h journal.Header) bool {
	_, chunked := headerFormat(h)
	return chunked
}
