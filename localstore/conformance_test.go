package localstore_test

import (
	"path/filepath"
	"testing"

	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) func() store.Store {
			// A subdirectory that does not exist yet: Lock creates it.
			path := filepath.Join(t.TempDir(), "data", "journal")
			return func() store.Store { return localstore.New(path) }
		},
		ZeroTail: true, // preallocation is on by default
	})
}

func TestConformanceNoPreallocate(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) func() store.Store {
			path := filepath.Join(t.TempDir(), "data", "journal")
			return func() store.Store {
				return localstore.NewWithOptions(path, localstore.Options{Preallocate: localstore.NoPreallocate})
			}
		},
	})
}
