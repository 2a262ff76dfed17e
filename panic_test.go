package prevayler_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// A codec that panics (a buggy GobEncode or GobDecode) makes the call
// that ran it fail with a *PanicError; the system stays usable.

// explosive panics in its own GobEncode or GobDecode on demand, as a
// buggy marshaller might.
type explosive struct{ OnEncode, OnDecode bool }

func (e explosive) GobEncode() ([]byte, error) {
	if e.OnEncode {
		panic("encode boom")
	}
	if e.OnDecode {
		return []byte{1}, nil
	}
	return []byte{0}, nil
}

func (e *explosive) GobDecode(b []byte) error {
	if len(b) == 1 && b[0] == 1 {
		panic("decode boom")
	}
	return nil
}

func countExplosive(s int, _ explosive, _ time.Time) (int, int, error) { return s + 1, s + 1, nil }

func TestCodecPanicInHandleIsAnErrorAndLeavesItUsable(t *testing.T) {
	p, err := prevayler.Open(context.Background(), countExplosive, prevayler.Options[int]{Store: memstore.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	_, err = p.Handle(context.Background(), explosive{OnEncode: true})
	var pe *prevayler.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("encoder panic: %v, want a *PanicError", err)
	}
	if _, err := p.Handle(context.Background(), explosive{}); err != nil {
		t.Fatalf("after an encoder panic: %v", err)
	}
	if p.State() != 1 {
		t.Fatalf("state %d, want 1", p.State())
	}
}

func TestCodecPanicInReplayFailsOpenAndReleasesTheLock(t *testing.T) {
	mem := memstore.New()
	p, err := prevayler.Open(context.Background(), countExplosive, prevayler.Options[int]{Store: mem.Reopen()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Handle(context.Background(), explosive{OnDecode: true}); err != nil {
		t.Fatal(err)
	}
	p.Close()
	for try := 0; try < 2; try++ {
		_, err := prevayler.Open(context.Background(), countExplosive, prevayler.Options[int]{Store: mem.Reopen()})
		var pe *prevayler.PanicError
		if !errors.As(err, &pe) {
			t.Fatalf("try %d: %v, want a *PanicError (and not ErrLocked)", try, err)
		}
	}
}

type explosiveState struct{ X explosive }

func TestSnapshotEncodePanicIsAnError(t *testing.T) {
	mem := memstore.New()
	h := func(s explosiveState, e int, _ time.Time) (explosiveState, int, error) {
		return explosiveState{X: explosive{OnEncode: e == 1}}, e, nil
	}
	p, err := prevayler.Open(context.Background(), h, prevayler.Options[explosiveState]{Store: mem.Reopen()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.Handle(context.Background(), 1)
	var pe *prevayler.PanicError
	if err := p.Snapshot(context.Background()); !errors.As(err, &pe) {
		t.Fatalf("Snapshot of a state that panics when encoded: %v", err)
	}
	for name := range mem.Files() {
		if strings.HasPrefix(name, ".tmp-") {
			t.Fatalf("the unfinished snapshot %q was left behind", name)
		}
	}
	if _, err := p.Handle(context.Background(), 2); err != nil {
		t.Fatalf("after a failed snapshot: %v", err)
	}
	if err := p.Snapshot(context.Background()); err != nil {
		t.Fatalf("a later snapshot: %v", err)
	}
}
