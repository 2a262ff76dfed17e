package faultstore_test

import (
	"context"
	"fmt"

	"github.com/prevayler-go/prevayler/internal/reliability/faultstore"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// publish writes a journal under a temporary name and renames it into
// place, as the prevalent system does.
func publish(ctx context.Context, s store.Store) error {
	if err := s.Lock(ctx); err != nil {
		return err
	}
	w, err := s.Create(ctx, store.TempPrefix+"1")
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte("state")); err != nil {
		return err
	}
	if err := w.Sync(ctx); err != nil {
		return err
	}
	return s.Rename(ctx, store.TempPrefix+"1", store.Journal)
}

// Fail each operation of a workload in turn, crash, and look at what
// survived.
func Example() {
	ctx := context.Background()
	var rec faultstore.Recorder
	if err := publish(ctx, faultstore.New(memstore.New(), rec.Hook)); err != nil {
		panic(err)
	}
	for _, op := range rec.Ops() {
		mem := memstore.New()
		err := publish(ctx, faultstore.New(mem, faultstore.FailAt(op.N, faultstore.ErrInjected)))
		mem.Crash(memstore.CrashOptions{})
		fmt.Printf("%v\n\tsurvived: %q\n", err, mem.Files())
	}
	// Output:
	// faultstore: #1 Lock: injected fault
	// 	survived: map[]
	// faultstore: #2 Create ".tmp-1": injected fault
	// 	survived: map[]
	// faultstore: #3 Write ".tmp-1": injected fault
	// 	survived: map[]
	// faultstore: #4 Sync ".tmp-1": injected fault
	// 	survived: map[]
	// faultstore: #5 Rename ".tmp-1" to "": injected fault
	// 	survived: map[".tmp-1":"state"]
}
