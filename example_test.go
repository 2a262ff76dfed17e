package prevayler_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/localstore"
)

// A counter whose events say how much to add.
func count(total int, delta int, _ time.Time) (int, int, error) {
	if delta <= 0 {
		return total, total, fmt.Errorf("delta %d: must be positive", delta)
	}
	return total + delta, total + delta, nil
}

func Example() {
	dir, _ := os.MkdirTemp("", "prevayler-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	opts := prevayler.Options[int]{Store: localstore.New(filepath.Join(dir, "journal"))}

	p, err := prevayler.Open(ctx, count, opts)
	if err != nil {
		panic(err)
	}
	p.Handle(ctx, 5)
	total, _ := p.Handle(ctx, 10)
	_, err = p.Handle(ctx, -1)
	fmt.Println(total, err)
	p.Close()

	// Next time, the state is recovered from the journal.
	opts.Store = localstore.New(filepath.Join(dir, "journal"))
	p, err = prevayler.Open(ctx, count, opts)
	if err != nil {
		panic(err)
	}
	defer p.Close()
	fmt.Println(p.State())
	// Output:
	// 15 delta -1: must be positive
	// 15
}

func ExampleNewTransient() {
	p := prevayler.NewTransient(count, 100)
	p.Handle(context.Background(), 1)
	fmt.Println(p.State())
	// Output: 101
}

// Interface-typed events work with the default gob codec once their
// concrete types are registered.
type command interface {
	apply(map[string]int) map[string]int
}

type setKey struct {
	Key   string
	Value int
}

func (s setKey) apply(m map[string]int) map[string]int {
	next := make(map[string]int, len(m)+1) // copy on write: readers may hold m
	for k, v := range m {
		next[k] = v
	}
	next[s.Key] = s.Value
	return next
}

func Example_interfaceEvents() {
	gobRegister(setKey{})
	dir, _ := os.MkdirTemp("", "prevayler-example")
	defer os.RemoveAll(dir)
	handle := func(m map[string]int, c command, _ time.Time) (map[string]int, struct{}, error) {
		return c.apply(m), struct{}{}, nil
	}
	open := func() *prevayler.Prevayler[map[string]int, command, struct{}] {
		p, err := prevayler.Open(context.Background(), handle, prevayler.Options[map[string]int]{
			Store:        localstore.New(filepath.Join(dir, "journal")),
			InitialState: map[string]int{},
		})
		if err != nil {
			panic(err)
		}
		return p
	}
	p := open()
	p.Handle(context.Background(), setKey{"a", 1})
	p.Handle(context.Background(), setKey{"b", 2})
	p.Close()
	p = open()
	defer p.Close()
	fmt.Println(p.State())
	// Output: map[a:1 b:2]
}
