package crashfs_test

import (
	"context"
	"fmt"
	"io"

	"github.com/prevayler-go/prevayler/internal/reliability/crashfs"
	"github.com/prevayler-go/prevayler/localstore"
)

// A localstore on crashfs: bytes written but not synced are gone after a
// power loss, synced ones stay. The file reserves space 16 bytes at a
// time: the reserve, durable since the Sync, reads as zeros where the
// lost bytes were.
func Example() {
	ctx := context.Background()
	fs := crashfs.New()
	st := localstore.NewWithOptions("/data/journal", localstore.Options{FS: fs, Preallocate: 16})
	st.Lock(ctx)
	w, _ := st.Create(ctx, ".tmp-1")
	w.Write([]byte("synced "))
	w.Sync(ctx) // fsyncs the file, then its directory
	w.Write([]byte("lost"))

	fs.Crash(crashfs.CrashOptions{}) // power loss: nothing unsynced survives

	st = localstore.NewWithOptions("/data/journal", localstore.Options{FS: fs})
	r, _ := st.Open(ctx, ".tmp-1")
	b, _ := io.ReadAll(r)
	fmt.Printf("%q\n", b)
	// Output: "synced \x00\x00\x00\x00\x00\x00\x00\x00\x00"
}
