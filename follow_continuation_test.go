package prevayler_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/localstore"
)

// TestFollowContinuations follows a journal whose state cannot be
// encoded, so that every start writes a continuation without a snapshot:
// a late follower recovers through the archives the continuation needs,
// then follows the next starts' continuations.
func TestFollowContinuations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	opts := prevayler.Options[itemBag]{KeepArchives: 1}
	open := func() *bagSystemEv { return openItemBag(t, path, opts) }
	handle := func(p *bagSystemEv, e putEv) { handleItem(t, p, e) }
	p := open()
	handle(p, putEv{N: 1})
	handle(p, putEv{N: 2, Odd: true})
	p.Close()
	p = open() // a continuation
	handle(p, putEv{N: 3})

	f, err := prevayler.Follow(context.Background(), putItemEv, prevayler.Options[itemBag]{Store: localstore.New(path), FollowInterval: time.Hour})
	if err != nil {
		t.Fatalf("Follow: %v", err)
	}
	defer f.Close()
	if s, seq := f.StateSeq(); seq != 3 || len(s.Items) != 3 {
		t.Fatalf("late follower: %d items at seq %d, want 3 and 3", len(s.Items), seq)
	}
	for round := range 2 {
		p.Close()
		p = open()
		handle(p, putEv{N: 10 + round})
		if err := f.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := p.Seq()
		if s, seq := f.StateSeq(); seq != want || len(s.Items) != int(want) {
			t.Fatalf("round %d: %d items at seq %d, want %d", round, len(s.Items), seq, want)
		}
	}
	p.Close()
	if st := f.Stats(); st.Reloads != 0 || st.Rotations != 2 {
		t.Fatalf("stats %+v: want 2 rotations, no reload", st)
	}
}
