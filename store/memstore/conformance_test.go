package memstore_test

import (
	"testing"

	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/memstore"
	"github.com/prevayler-go/prevayler/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) func() store.Store {
			var first *memstore.Store
			return func() store.Store {
				if first == nil {
					first = memstore.New()
					return first
				}
				return first.Reopen()
			}
		},
	})
}

func TestConformanceTakeover(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		Takeover: true,
		New: func(t *testing.T) func() store.Store {
			first := memstore.NewWithOptions(memstore.Options{Takeover: true})
			used := false
			return func() store.Store {
				if !used {
					used = true
					return first
				}
				return first.Reopen()
			}
		},
	})
}
