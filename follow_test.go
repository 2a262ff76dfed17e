package prevayler_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/store"
)

type testFollower = prevayler.Follower[ledger, add, int]

// followTally is record without its refusals: every value is accepted.
func followTally(s ledger, e add, at time.Time) (ledger, int, error) {
	return ledger{Seen: append(slices.Clip(s.Seen), e.V), Sum: s.Sum + e.V, LastAt: at}, len(s.Seen) + 1, nil
}

func mustOpenTally(t *testing.T, st store.Store, opts prevayler.Options[ledger]) *testPrevayler {
	t.Helper()
	opts.Store = st
	p, err := prevayler.Open(context.Background(), followTally, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return p
}

func mustFollow(t *testing.T, st store.Store, interval time.Duration) *testFollower {
	t.Helper()
	f, err := prevayler.Follow(context.Background(), followTally, prevayler.Options[ledger]{Store: st, FollowInterval: interval})
	if err != nil {
		t.Fatalf("Follow: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// checkPrefix fails unless s is the state after events 1..seq of a
// writer that handled the values 1, 2, 3...: nothing skipped, repeated or
// out of order.
func checkPrefix(s ledger, seq uint64) error {
	if uint64(len(s.Seen)) != seq {
		return errors.New("state and sequence number disagree")
	}
	for i, v := range s.Seen {
		if v != int64(i+1) {
			return errors.New("an event skipped, repeated or out of order")
		}
	}
	return nil
}

func followerAt(t *testing.T, f *testFollower, seq uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.WaitFor(ctx, seq); err != nil {
		t.Fatalf("WaitFor(%d): %v (stats %+v)", seq, err, f.Stats())
	}
}

// TestFollowWriter runs a writer and a follower in one process while the
// writer snapshots and restarts: the follower's state is at every moment
// the writer's after some prefix of its events, its Seq never decreases,
// and it catches up with the writer's every acknowledged event.
func TestFollowWriter(t *testing.T) {
	for _, d := range []prevayler.Durability{prevayler.Durable, prevayler.Buffered} {
		t.Run(d.String(), func(t *testing.T) {
			newStore, _ := localStore(t)
			opts := prevayler.Options[ledger]{Durability: d, SyncInterval: 5 * time.Millisecond}
			p := mustOpenTally(t, newStore(), opts)
			f := mustFollow(t, newStore(), 2*time.Millisecond)

			var stopWatch atomic.Bool
			var watch sync.WaitGroup
			var bad atomic.Value
			watch.Add(1)
			go func() {
				defer watch.Done()
				var last uint64
				for !stopWatch.Load() {
					s, seq := f.StateSeq()
					if err := checkPrefix(s, seq); err != nil {
						bad.Store(err.Error())
						return
					}
					if seq < last {
						bad.Store("Seq decreased")
						return
					}
					last = seq
					time.Sleep(100 * time.Microsecond)
				}
			}()

			const n = 300
			for v := int64(1); v <= n; v++ {
				mustHandle(t, p, v)
				switch {
				case v%70 == 0:
					if err := p.Snapshot(context.Background()); err != nil {
						t.Fatal(err)
					}
				case v == 150:
					mustClose(t, p)
					p = mustOpenTally(t, newStore(), opts)
				case v%40 == 0:
					if err := p.Sync(context.Background()); err != nil {
						t.Fatal(err)
					}
					followerAt(t, f, p.Seq()) // read your writes
				}
			}
			mustClose(t, p)
			followerAt(t, f, n)
			stopWatch.Store(true)
			watch.Wait()
			if msg := bad.Load(); msg != nil {
				t.Fatal(msg)
			}
			s, seq := f.StateSeq()
			if err := checkPrefix(s, seq); err != nil || seq != n {
				t.Fatalf("follower at %d: %v", seq, err)
			}
			st := f.Stats()
			if st.Seq != n || st.Rotations < 5 || st.Reloads != 0 || st.LastError != nil || st.CaughtUpAt.IsZero() {
				t.Fatalf("stats %+v: want seq %d, at least 5 rotations (4 snapshots, 1 restart), no reload, no error", st, n)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestFollowLate: a follower started after snapshots and restarts
// recovers the writer's state at once, then follows.
func TestFollowLate(t *testing.T) {
	newStore, _ := localStore(t)
	p := mustOpenTally(t, newStore(), prevayler.Options[ledger]{})
	for v := int64(1); v <= 50; v++ {
		mustHandle(t, p, v)
		if v%20 == 0 {
			if err := p.Snapshot(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	f := mustFollow(t, newStore(), time.Hour)
	if s, seq := f.StateSeq(); seq != 50 || checkPrefix(s, seq) != nil {
		t.Fatalf("late follower at %d", seq)
	}
	mustHandle(t, p, 51)
	if err := f.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.Seq() != 51 {
		t.Fatalf("after Refresh at %d, want 51", f.Seq())
	}
	mustClose(t, p)
}

// TestFollowEmptyStore: a follower of a store without a journal has the
// initial state until the first writer starts.
func TestFollowEmptyStore(t *testing.T) {
	newStore, _ := localStore(t)
	f := mustFollow(t, newStore(), time.Hour)
	if err := f.Refresh(context.Background()); err != nil || f.Seq() != 0 {
		t.Fatalf("Refresh %v, seq %d", err, f.Seq())
	}
	p := mustOpenTally(t, newStore(), prevayler.Options[ledger]{})
	mustHandle(t, p, 1)
	mustHandle(t, p, 2)
	if err := f.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s, seq := f.StateSeq(); seq != 2 || checkPrefix(s, seq) != nil {
		t.Fatalf("follower at %d, %v", seq, s.Seen)
	}
	mustClose(t, p)
}

// TestFollowPrunedHistory: when the journal the follower was reading has
// been archived and pruned, it reloads from the live journal's snapshot:
// Seq jumps forward, and the state is still the writer's.
func TestFollowPrunedHistory(t *testing.T) {
	newStore, _ := localStore(t)
	p := mustOpenTally(t, newStore(), prevayler.Options[ledger]{KeepArchives: 1})
	mustHandle(t, p, 1)
	f := mustFollow(t, newStore(), time.Hour)
	for v := int64(2); v <= 10; v++ {
		mustHandle(t, p, v)
		if v == 5 || v == 8 {
			if err := p.Snapshot(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s, seq := f.StateSeq(); seq != 10 || checkPrefix(s, seq) != nil {
		t.Fatalf("follower at %d, %v", seq, s.Seen)
	}
	if st := f.Stats(); st.Reloads != 1 {
		t.Fatalf("stats %+v, want one reload", st)
	}
	mustClose(t, p)
}

// TestFollowFinishesArchivedJournal: events journaled before a snapshot
// that the follower had not seen yet are read from the archive, without
// a reload.
func TestFollowFinishesArchivedJournal(t *testing.T) {
	newStore, _ := localStore(t)
	p := mustOpenTally(t, newStore(), prevayler.Options[ledger]{})
	mustHandle(t, p, 1)
	f := mustFollow(t, newStore(), time.Hour)
	for v := int64(2); v <= 10; v++ {
		mustHandle(t, p, v)
		if v%3 == 0 {
			if err := p.Snapshot(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := f.Stats()
	if s, seq := f.StateSeq(); seq != 10 || checkPrefix(s, seq) != nil || st.Reloads != 0 || st.Rotations != 3 || st.Events != 9 {
		t.Fatalf("follower at %d (%v), stats %+v: want every event applied once, 3 rotations", seq, s.Seen, st)
	}
	mustClose(t, p)
}

// TestFollowTornTail: the half-written last frame of a growing journal is
// not yet visible, and is applied once complete.
func TestFollowTornTail(t *testing.T) {
	newStore, path := exactLocalStore(t)
	p := mustOpenTally(t, newStore(), prevayler.Options[ledger]{})
	for v := int64(1); v <= 4; v++ {
		mustHandle(t, p, v)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	mustHandle(t, p, 5)
	mustClose(t, p)
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := fi.Size() + 10
	if err := os.WriteFile(path, full[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	f := mustFollow(t, newStore(), time.Hour)
	for range 2 {
		if err := f.Refresh(context.Background()); err != nil || f.Seq() != 4 {
			t.Fatalf("torn tail: Refresh %v, seq %d, want 4", err, f.Seq())
		}
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fh.Write(full[cut:]); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	if err := f.Refresh(context.Background()); err != nil || f.Seq() != 5 {
		t.Fatalf("completed tail: Refresh %v, seq %d, want 5", err, f.Seq())
	}
	if st := f.Stats(); st.LastError != nil || st.Failures != 0 {
		t.Fatalf("stats %+v: a torn tail is no error", st)
	}
}

// TestFollowConcurrentSnapshots takes snapshots while events keep coming:
// the new journals repeat events that the follower may have applied from
// the old ones, and it applies each once.
func TestFollowConcurrentSnapshots(t *testing.T) {
	newStore, _ := localStore(t)
	p := mustOpenTally(t, newStore(), prevayler.Options[ledger]{Durability: prevayler.Buffered})
	f := mustFollow(t, newStore(), time.Millisecond)
	const n = 3000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for v := int64(1); v <= n; v++ {
			if _, err := p.Handle(context.Background(), add{V: v}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	snapshots := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			if err := p.Snapshot(context.Background()); err != nil {
				t.Fatal(err)
			}
			snapshots++
			time.Sleep(time.Millisecond)
		}
	}
	mustClose(t, p)
	followerAt(t, f, n)
	if s, seq := f.StateSeq(); checkPrefix(s, seq) != nil || seq != n {
		t.Fatalf("follower at %d: %v", seq, checkPrefix(s, seq))
	}
	if st := f.Stats(); st.LastError != nil || st.Rotations == 0 {
		t.Fatalf("stats %+v after %d snapshots", st, snapshots)
	}
}

// TestFollowBackupOnly: a writer that stopped between the renames of a
// rotation leaves its journal as the backup with no journal beside it;
// the follower reads the rest of it there, then follows the next writer,
// which recovers from it.
func TestFollowBackupOnly(t *testing.T) {
	newStore, path := localStore(t)
	p := mustOpenTally(t, newStore(), prevayler.Options[ledger]{})
	for v := int64(1); v <= 5; v++ {
		mustHandle(t, p, v)
	}
	f := mustFollow(t, newStore(), time.Hour)
	for v := int64(6); v <= 8; v++ {
		mustHandle(t, p, v)
	}
	mustClose(t, p)
	if err := os.Rename(path, path+".backup"); err != nil {
		t.Fatal(err)
	}
	if err := f.Refresh(context.Background()); err != nil || f.Seq() != 8 {
		t.Fatalf("Refresh %v, seq %d, want 8 from the backup", err, f.Seq())
	}
	p = mustOpenTally(t, newStore(), prevayler.Options[ledger]{})
	mustHandle(t, p, 9)
	if err := f.Refresh(context.Background()); err != nil || f.Seq() != 9 {
		t.Fatalf("Refresh %v, seq %d, want 9", err, f.Seq())
	}
	if s, seq := f.StateSeq(); checkPrefix(s, seq) != nil {
		t.Fatalf("follower at %d: %v", seq, s.Seen)
	}
	if st := f.Stats(); st.Reloads != 0 {
		t.Fatalf("stats %+v: want no reload", st)
	}
	mustClose(t, p)
}
