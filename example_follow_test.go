package prevayler_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/localstore"
)

// A follower serves reads from its own copy of the state, in this process
// or another; a client reads its own write by waiting for the writer's
// sequence number.
func ExampleFollow() {
	dir, _ := os.MkdirTemp("", "prevayler-follow")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	path := filepath.Join(dir, "journal")

	writer, err := prevayler.Open(ctx, count, prevayler.Options[int]{Store: localstore.New(path)})
	if err != nil {
		panic(err)
	}
	defer writer.Close()
	writer.Handle(ctx, 5)

	follower, err := prevayler.Follow(ctx, count, prevayler.Options[int]{Store: localstore.New(path)})
	if err != nil {
		panic(err)
	}
	defer follower.Close()
	fmt.Println(follower.State(), follower.Seq())

	writer.Handle(ctx, 10)
	if err := follower.WaitFor(ctx, writer.Seq()); err != nil {
		panic(err)
	}
	fmt.Println(follower.State(), follower.Seq())
	// Output:
	// 5 1
	// 15 2
}
