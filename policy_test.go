package prevayler_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/store"
)

func archives(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, n := range dirNames(t, dir) {
		if strings.HasPrefix(n, "journal.backup-") {
			out = append(out, n)
		}
	}
	return out
}

// waitFor polls cond for up to 10 s: the policy runs in the background.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSnapshotPolicies(t *testing.T) {
	cases := []struct {
		name string
		opts prevayler.Options[ledger]
	}{
		{"every 10 events", prevayler.Options[ledger]{SnapshotEvery: 10}},
		{"every 500 bytes", prevayler.Options[ledger]{SnapshotBytes: 500}},
		{"every 50ms", prevayler.Options[ledger]{SnapshotInterval: 50 * time.Millisecond}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			open, _ := localStore(t)
			p := mustOpen(t, open(), c.opts)
			if got := p.Stats().Snapshots; got != 1 {
				t.Fatalf("snapshots after Open: %d, want 1 (start-up writes one)", got)
			}
			for v := int64(20); v < 45; v++ {
				mustHandle(t, p, v)
			}
			waitFor(t, "an automatic snapshot", func() bool { return p.Stats().Snapshots >= 2 })
			want := p.State()
			mustClose(t, p)
			p = mustOpen(t, open(), prevayler.Options[ledger]{})
			defer p.Close()
			if got := p.State(); len(got.Seen) != len(want.Seen) || got.Sum != want.Sum {
				t.Fatalf("recovered %v, want %v", got.Seen, want.Seen)
			}
		})
	}
}

func TestNoSnapshotWithoutEvents(t *testing.T) {
	open, _ := localStore(t)
	p := mustOpen(t, open(), prevayler.Options[ledger]{SnapshotInterval: 10 * time.Millisecond})
	defer p.Close()
	time.Sleep(100 * time.Millisecond)
	if got := p.Stats().Snapshots; got != 1 {
		t.Fatalf("%d snapshots of an idle system, want only start-up's", got)
	}
}

func TestKeepArchives(t *testing.T) {
	open, path := localStore(t)
	dir := filepath.Dir(path)
	p := mustOpen(t, open(), prevayler.Options[ledger]{KeepArchives: 2})
	for i := 0; i < 5; i++ {
		mustHandle(t, p, int64(20+i))
		if err := p.Snapshot(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// Pruning runs in the background: the newest 2 remain, eventually.
	waitFor(t, "2 archives", func() bool { return len(archives(t, dir)) == 2 })
	got := archives(t, dir)
	mustClose(t, p)
	p = mustOpen(t, open(), prevayler.Options[ledger]{KeepArchives: 1})
	defer p.Close()
	waitFor(t, "1 archive", func() bool { return len(archives(t, dir)) == 1 })
	after := archives(t, dir)
	if len(after) != 1 || after[0] <= got[1] {
		t.Fatalf("after a start-up keeping 1: %v (before: %v)", after, got)
	}
	if len(p.State().Seen) != 5 {
		t.Fatalf("state %v", p.State().Seen)
	}
}

func TestStats(t *testing.T) {
	open, _ := localStore(t)
	p := mustOpen(t, open(), prevayler.Options[ledger]{})
	for v := int64(20); v < 30; v++ {
		mustHandle(t, p, v)
	}
	p.Handle(context.Background(), add{V: -1})
	s := p.Stats()
	if s.Events != 10 || s.Refused != 1 || s.Writes < 1 || s.Writes > 10 || s.Syncs < s.Writes || s.Bytes <= 10*24 || s.MaxBatch < 1 || s.LastError != nil {
		t.Fatalf("stats %+v", s)
	}
	mustClose(t, p)
}

func TestRecoveryLogsProgress(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the progress line needs a replay of over 2 s")
	}
	open, _ := localStore(t)
	var slowReplay atomic.Bool
	slow := func(s int, e int, _ time.Time) (int, int, error) {
		if slowReplay.Load() {
			time.Sleep(time.Millisecond) // a replay that takes seconds
		}
		return s + 1, s + 1, nil
	}
	p, err := prevayler.Open(context.Background(), slow, prevayler.Options[int]{Store: open(), Durability: prevayler.Buffered})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3000; i++ {
		p.Handle(context.Background(), -1)
	}
	p.Close()
	slowReplay.Store(true)
	var logs bytes.Buffer
	p, err = prevayler.Open(context.Background(), slow, prevayler.Options[int]{
		Store: open(), Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	if !strings.Contains(logs.String(), "replaying journal") || !strings.Contains(logs.String(), "events=") {
		t.Fatalf("no progress logged:\n%s", logs.String())
	}
}

// TestKeepArchivesFor: the age rule removes the archives retired longer
// ago than KeepArchivesFor, keeps the recent ones, and with KeepArchives
// beside it an archive stays while either rule keeps it.
func TestKeepArchivesFor(t *testing.T) {
	for _, tc := range []struct {
		name    string
		keep    int
		keepFor time.Duration
		want    []int // ages in hours of the dated archives left
	}{
		{"age alone", 0, 24 * time.Hour, []int{10, 1}},
		{"age and a count of 4", 4, 24 * time.Hour, []int{30, 10, 1}},
		{"a count of 1 and age", 1, 24 * time.Hour, []int{10, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			open, path := localStore(t)
			dir := filepath.Dir(path)
			p := mustOpen(t, open(), prevayler.Options[ledger]{})
			mustHandle(t, p, 20)
			mustClose(t, p)
			now := time.Now()
			ages := []int{100, 50, 30, 10, 1}
			for _, h := range ages {
				name := filepath.Join(dir, filepath.Base(path)+store.ArchiveName(now.Add(-time.Duration(h)*time.Hour)))
				if err := os.WriteFile(name, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			p = mustOpen(t, open(), prevayler.Options[ledger]{KeepArchives: tc.keep, KeepArchivesFor: tc.keepFor})
			defer p.Close()
			// The start-up archived the journal it found (retired now): one
			// more, the newest, which every rule keeps.
			want := len(tc.want) + 1
			waitFor(t, fmt.Sprintf("%d archives", want), func() bool { return len(archives(t, dir)) == want })
			got := archives(t, dir)
			for i, h := range tc.want {
				if name := filepath.Base(path) + store.ArchiveName(now.Add(-time.Duration(h)*time.Hour)); got[i] != name {
					t.Errorf("archive %d is %s, want the one %d hours old (%s); all: %v", i, got[i], h, name, got)
				}
			}
		})
	}
}
