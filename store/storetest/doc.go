// Package storetest is the conformance suite of store.Store: one call of
// Run checks that a store keeps every promise written in package store,
// so the prevalent system can rely on it.
//
// A store's test needs a Harness whose New gives a fresh journal
// location for each subtest and a function that opens a handle on it;
// each call of that function stands for another process:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Harness{
//			New: func(t *testing.T) func() store.Store {
//				path := filepath.Join(t.TempDir(), "journal")
//				return func() store.Store { return localstore.New(path) }
//			},
//		})
//	}
//
// The subtests are named after the promise they check (Lock/Exclusive,
// Rename/WriterFollows, Close/StoreErrClosed, ...), so a failure says
// which promise broke. A store that supports takeover (S3) sets
// Harness.Takeover; the suite then checks fencing instead of ErrLocked.
//
// Beyond the letter of package store, the suite expects what every store
// of this module does: Create, Rename and Remove fail before Lock, and a
// call with a canceled context fails with an error matching
// context.Canceled. With testing.Short, the big round trip writes 1 MiB
// instead of 5 MiB.
package storetest
