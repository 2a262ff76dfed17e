package localstore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
)

// The protocol of package store on disk: write a new journal under a
// temporary name, sync it, rename it into place, and keep appending.
func Example() {
	dir, err := os.MkdirTemp("", "localstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s := localstore.New(filepath.Join(dir, "data", "journal"))
	if err := s.Lock(ctx); err != nil {
		log.Fatal(err)
	}
	w, err := s.Create(ctx, store.TempPrefix+"1")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := w.Write([]byte("snapshot;")); err != nil {
		log.Fatal(err)
	}
	if err := w.Sync(ctx); err != nil { // the data and the file's creation are durable
		log.Fatal(err)
	}
	if err := s.Rename(ctx, store.TempPrefix+"1", store.Journal); err != nil { // durable on return
		log.Fatal(err)
	}
	if _, err := w.Write([]byte("event;")); err != nil { // the writer follows the rename
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	// A second writer of the same journal is refused.
	other := localstore.New(filepath.Join(dir, "data", "journal"))
	fmt.Println("second lock:", errors.Is(other.Lock(ctx), store.ErrLocked))
	if err := s.Close(); err != nil {
		log.Fatal(err)
	}

	r, err := other.Open(ctx, store.Journal)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("journal: %s\n", b)
	entries, _ := os.ReadDir(filepath.Join(dir, "data"))
	for _, e := range entries {
		fmt.Println(e.Name())
	}
	// Output:
	// second lock: true
	// journal: snapshot;event;
	// journal
	// journal.lock
}
