package integration

import (
	"errors"
	"testing"

	"github.com/prevayler-go/prevayler"
)

// TestZombieAfterSnapshotAndPrune: writer A handles an event and is
// frozen; B takes over with KeepArchives 1, handles an event and takes a
// snapshot, so that A's generation is archived and pruned. Thawed, A must
// get ErrFenced, and the next Open recovers both acknowledged events.
func TestZombieAfterSnapshotAndPrune(t *testing.T) {
	e := newEnv(t)
	a := e.open(prevayler.Options[account]{})
	handle(t, a, 1)
	b := e.open(prevayler.Options[account]{KeepArchives: 1})
	handle(t, b, 10)
	if err := b.Snapshot(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Handle(t.Context(), op{Amount: 100}); !errors.Is(err, prevayler.ErrFenced) {
		t.Fatalf("the fenced writer's Handle after its generation was pruned = %v, want ErrFenced", err)
	}
	a.Close()
	closeOK(t, b)
	c := e.open(prevayler.Options[account]{})
	defer closeOK(t, c)
	if got := c.State().Balance; got != 11 {
		t.Fatalf("recovered balance %d, want 11", got)
	}
}
