package memstore_test

import (
	"context"
	"fmt"

	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// A power loss keeps synced bytes only; a torn write can be simulated
// with KeepUnsynced.
func ExampleStore_Crash() {
	ctx := context.Background()
	mem := memstore.New()
	if err := mem.Lock(ctx); err != nil {
		panic(err)
	}
	w, err := mem.Create(ctx, store.Journal)
	if err != nil {
		panic(err)
	}
	w.Write([]byte("durable;"))
	w.Sync(ctx)
	w.Write([]byte("in the page cache;"))

	mem.Crash(memstore.CrashOptions{
		KeepUnsynced: func(name string, unsynced []byte) []byte { return unsynced[:5] },
	})
	fmt.Printf("%q\n", mem.Files()[store.Journal])

	_, err = w.Write([]byte("too late"))
	fmt.Println(err)

	next := mem.Reopen()
	fmt.Println(next.Lock(ctx))
	// Output:
	// "durable;in th"
	// memstore: write "": closed
	// <nil>
}
