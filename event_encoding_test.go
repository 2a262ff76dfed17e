package prevayler_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// Handle encodes an event before the handler sees it: a handler that
// changes the event (here it sorts the event's slice in place, which it
// should not) cannot change what the journal holds, so a replay applies
// the event as it was handed to Handle.
type batchEvent struct{ Vals []int }

func TestEventIsJournaledAsHandled(t *testing.T) {
	h := func(s []int, e batchEvent, _ time.Time) ([]int, int, error) {
		first := e.Vals[0]
		slices.Sort(e.Vals)
		return append(slices.Clip(s), first), first, nil
	}
	mem := memstore.New()
	p, err := prevayler.Open(context.Background(), h, prevayler.Options[[]int]{Store: mem.Reopen()})
	if err != nil {
		t.Fatal(err)
	}
	p.Handle(context.Background(), batchEvent{Vals: []int{3, 1, 2}})
	live := p.State()
	p.Close()
	p, err = prevayler.Open(context.Background(), h, prevayler.Options[[]int]{Store: mem.Reopen()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if got := p.State(); !slices.Equal(got, live) {
		t.Fatalf("replayed %v, live was %v", got, live)
	}
}
