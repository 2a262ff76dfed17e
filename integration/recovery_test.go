package integration

import (
	"errors"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/store"
)

// TestRecoveryOnFreshMachine: the state comes back from S3 alone: a new
// process, a new store, an empty working directory that stays empty.
func TestRecoveryOnFreshMachine(t *testing.T) {
	e := newEnv(t)
	t.Chdir(t.TempDir())
	p := e.open(prevayler.Options[account]{})
	var want int64
	for i := range 50 {
		want = handle(t, p, int64(i+1))
	}
	if _, err := p.Handle(t.Context(), op{Amount: -1 << 40}); err == nil {
		t.Fatal("a refused event succeeded")
	}
	closeOK(t, p)

	p2 := e.open(prevayler.Options[account]{})
	defer closeOK(t, p2)
	if got := p2.State(); got.Balance != want || got.Ops != 50 || got.Memo != "op 50" {
		t.Fatalf("recovered %+v, want balance %d after 50 operations", got, want)
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Fatalf("the working directory holds %d entries: the S3 store wrote to disk", len(entries))
	}
}

// TestKeyLayout: every object lives under the key, with the names of the
// local store's files.
func TestKeyLayout(t *testing.T) {
	e := newEnv(t)
	p := e.open(prevayler.Options[account]{})
	handle(t, p, 10)
	if err := p.Snapshot(t.Context()); err != nil {
		t.Fatal(err)
	}
	handle(t, p, 5)
	closeOK(t, p)

	var names []string
	archives, segments := 0, 0
	for k := range e.objects() {
		switch {
		case strings.HasPrefix(k, store.ArchivePrefix):
			archives++
		case strings.HasPrefix(k, ".g/"):
			segments++
		case k == store.Journal, k == store.Backup, k == ".lock":
		default:
			t.Errorf("unexpected object %q under the key", k)
		}
		if !strings.HasPrefix(k, ".g/") {
			names = append(names, "<key>"+k)
		}
	}
	sort.Strings(names)
	if archives < 1 || segments < 2 {
		t.Fatalf("%d archives and %d segments after a snapshot, want at least 1 and 2", archives, segments)
	}
	t.Logf("markers: %s; %d segment objects under <key>.g/", strings.Join(names, " "), segments)

	p2 := e.open(prevayler.Options[account]{})
	defer closeOK(t, p2)
	if got := p2.State().Balance; got != 15 {
		t.Fatalf("recovered balance %d, want 15", got)
	}
}

// TestDurableAcksSurviveAbandonedWriter: a writer acknowledges events from
// many goroutines and is abandoned without Close (its process froze); a
// new writer takes over with every acknowledged event, and the old one is
// fenced from then on.
func TestDurableAcksSurviveAbandonedWriter(t *testing.T) {
	e := newEnv(t)
	old := e.open(prevayler.Options[account]{})
	var wg sync.WaitGroup
	const writers, each = 8, 10
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := old.Handle(t.Context(), op{Amount: 1}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	taker := e.open(prevayler.Options[account]{})
	defer closeOK(t, taker)
	if got := taker.State().Balance; got != writers*each {
		t.Fatalf("the new writer recovered balance %d, want %d acknowledged deposits", got, writers*each)
	}

	_, err := old.Handle(t.Context(), op{Amount: 1000})
	if !errors.Is(err, prevayler.ErrFenced) {
		t.Fatalf("Handle on the fenced writer: %v, want ErrFenced", err)
	}
	if _, err := old.Handle(t.Context(), op{Amount: 1}); err == nil {
		t.Fatal("the fenced writer accepted another event")
	}
	old.Close()

	handle(t, taker, 1)
	if got := taker.State().Balance; got != writers*each+1 {
		t.Fatalf("balance %d after the takeover, want %d: the fenced event must not count", got, writers*each+1)
	}
}
