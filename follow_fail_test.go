package prevayler_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// TestFollowCorrupt: damage before a synced frame stops the follower with
// ErrCorrupt, returned by Refresh, Err, WaitFor and Close.
func TestFollowCorrupt(t *testing.T) {
	newStore, path := exactLocalStore(t)
	p := mustOpenTally(t, newStore(), prevayler.Options[ledger]{})
	defer p.Close()
	for v := int64(1); v <= 5; v++ {
		mustHandle(t, p, v)
	}
	f := mustFollow(t, newStore(), time.Hour)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	for v := int64(6); v <= 8; v++ {
		mustHandle(t, p, v)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[fi.Size()+2] ^= 0x40 // the length of event 6's frame
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := f.Refresh(context.Background()); !errors.Is(err, prevayler.ErrCorrupt) {
		t.Fatalf("Refresh: %v, want ErrCorrupt", err)
	}
	if f.Seq() != 5 {
		t.Fatalf("seq %d after the damage, want 5", f.Seq())
	}
	if err := f.Err(); !errors.Is(err, prevayler.ErrCorrupt) {
		t.Fatalf("Err: %v", err)
	}
	if err := f.WaitFor(context.Background(), 6); !errors.Is(err, prevayler.ErrCorrupt) {
		t.Fatalf("WaitFor: %v", err)
	}
	if st := f.Stats(); !errors.Is(st.LastError, prevayler.ErrCorrupt) {
		t.Fatalf("stats %+v", st)
	}
	if err := f.Close(); !errors.Is(err, prevayler.ErrCorrupt) {
		t.Fatalf("Close: %v", err)
	}
}

// TestFollowDiverged: a journal copied over the one the follower follows,
// which does not extend its state, stops it with ErrDiverged.
func TestFollowDiverged(t *testing.T) {
	newStore, path := localStore(t)
	p := mustOpenTally(t, newStore(), prevayler.Options[ledger]{})
	for v := int64(1); v <= 10; v++ {
		mustHandle(t, p, v)
	}
	mustClose(t, p)
	f := mustFollow(t, newStore(), time.Hour)

	other := filepath.Join(t.TempDir(), "journal")
	q := mustOpenTally(t, localstore.New(other), prevayler.Options[ledger]{})
	for v := int64(1); v <= 20; v++ {
		mustHandle(t, q, v*100)
	}
	mustClose(t, q)
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	if err := f.Refresh(context.Background()); !errors.Is(err, prevayler.ErrDiverged) {
		t.Fatalf("Refresh: %v, want ErrDiverged", err)
	}
	if s, seq := f.StateSeq(); seq != 10 || checkPrefix(s, seq) != nil {
		t.Fatalf("a diverged follower changed its state: at %d, %v", seq, s.Seen)
	}
	if err := f.Close(); !errors.Is(err, prevayler.ErrDiverged) {
		t.Fatalf("Close: %v", err)
	}
}

// plainStore hides the Tailer of the store it wraps.
type plainStore struct{ store.Store }

func TestFollowNeedsTailer(t *testing.T) {
	_, err := prevayler.Follow(context.Background(), followTally, prevayler.Options[ledger]{Store: plainStore{memstore.New()}})
	if err == nil || !strings.Contains(err.Error(), "store.Tailer") {
		t.Fatalf("Follow on a store without Tailer: %v", err)
	}
	_, err = prevayler.Follow(context.Background(), followTally, prevayler.Options[ledger]{Store: memstore.New(), FollowInterval: -1})
	if err == nil {
		t.Fatal("negative FollowInterval accepted")
	}
}

// TestFollowClosed: after Close, WaitFor for an event not yet applied and
// Refresh return ErrClosed; WaitFor for an applied one still succeeds.
func TestFollowClosed(t *testing.T) {
	st := memstore.New()
	p := mustOpenTally(t, st, prevayler.Options[ledger]{})
	defer p.Close()
	mustHandle(t, p, 1)
	f := mustFollow(t, st.Reopen(), time.Hour)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := f.WaitFor(ctx, 2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFor past the deadline: %v", err)
	}
	waited := make(chan error, 1)
	go func() { waited <- f.WaitFor(context.Background(), 2) }()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-waited; !errors.Is(err, prevayler.ErrClosed) {
		t.Fatalf("WaitFor across Close: %v", err)
	}
	if err := f.WaitFor(context.Background(), 2); !errors.Is(err, prevayler.ErrClosed) {
		t.Fatalf("WaitFor after Close: %v", err)
	}
	if err := f.WaitFor(context.Background(), 1); err != nil {
		t.Fatalf("WaitFor an applied event after Close: %v", err)
	}
	if err := f.Refresh(context.Background()); !errors.Is(err, prevayler.ErrClosed) {
		t.Fatalf("Refresh after Close: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestFollowEncrypted follows an encrypted journal in a memory store.
func TestFollowEncrypted(t *testing.T) {
	st := memstore.New()
	aead := newAEAD(t, 7)
	p := mustOpenTally(t, st, prevayler.Options[ledger]{Encryption: aead})
	defer p.Close()
	mustHandle(t, p, 1)
	f, err := prevayler.Follow(context.Background(), followTally, prevayler.Options[ledger]{Store: st.Reopen(), Encryption: aead})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for v := int64(2); v <= 40; v++ {
		mustHandle(t, p, v)
		if v == 20 {
			if err := p.Snapshot(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	followerAt(t, f, 40)
	if s, seq := f.StateSeq(); checkPrefix(s, seq) != nil {
		t.Fatalf("follower at %d: %v", seq, s.Seen)
	}
	if _, err := prevayler.Follow(context.Background(), followTally, prevayler.Options[ledger]{Store: st.Reopen()}); !errors.Is(err, prevayler.ErrKey) {
		t.Fatalf("Follow without the key: %v", err)
	}
}

// TestFollowTakeover: a second writer takes the journal over (the memory
// store behaving like S3) while the first still runs; the follower goes
// on from the first writer's events to the second's, and never applies
// an event the fenced writer could not journal.
func TestFollowTakeover(t *testing.T) {
	st := memstore.NewWithOptions(memstore.Options{Takeover: true})
	first := mustOpenTally(t, st, prevayler.Options[ledger]{})
	f := mustFollow(t, st.Reopen(), time.Millisecond)
	for v := int64(1); v <= 10; v++ {
		mustHandle(t, first, v)
	}
	second := mustOpenTally(t, st.Reopen(), prevayler.Options[ledger]{})
	defer second.Close()
	if _, err := first.Handle(context.Background(), add{V: 999}); err == nil {
		t.Fatal("the fenced writer journaled an event")
	}
	first.Close()
	for v := int64(11); v <= 20; v++ {
		mustHandle(t, second, v)
	}
	followerAt(t, f, 20)
	if s, seq := f.StateSeq(); checkPrefix(s, seq) != nil || seq != 20 {
		t.Fatalf("follower at %d: %v", seq, s.Seen)
	}
}

// blindList is a memory store whose next List calls miss every file, as a
// directory listing racing the renames of a rotation can miss both the
// journal and the backup.
type blindList struct {
	*memstore.Store
	blind int
}

func (s *blindList) List(ctx context.Context) ([]store.FileInfo, error) {
	if s.blind > 0 {
		s.blind--
		return nil, nil
	}
	return s.Store.List(ctx)
}

// TestFollowListingMissesJournal: a listing that shows no journal does
// not make the follower start from the initial state when there is one.
func TestFollowListingMissesJournal(t *testing.T) {
	st := memstore.New()
	p := mustOpenTally(t, st, prevayler.Options[ledger]{})
	defer p.Close()
	for v := int64(1); v <= 3; v++ {
		mustHandle(t, p, v)
	}
	f := mustFollow(t, &blindList{Store: st.Reopen(), blind: 1}, time.Hour)
	if s, seq := f.StateSeq(); seq != 3 || checkPrefix(s, seq) != nil {
		t.Fatalf("follower at %d after a blind listing, want 3", seq)
	}
}
