package prevayler_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/localstore"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestJournalFilesRotate(t *testing.T) {
	open, path := localStore(t)
	dir := filepath.Dir(path)
	p := mustOpen(t, open(), prevayler.Options[ledger]{})
	if got := dirNames(t, dir); !slices.Equal(got, []string{"journal", "journal.lock"}) {
		t.Fatalf("after the first Open: %v", got)
	}
	mustHandle(t, p, 1)
	if err := p.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustHandle(t, p, 2)
	if err := p.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustHandle(t, p, 3)
	mustClose(t, p)
	p = mustOpen(t, open(), prevayler.Options[ledger]{})
	defer p.Close()
	if got := p.State().Seen; !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("recovered %v", got)
	}
	names := dirNames(t, dir)
	var archives []string
	for _, n := range names {
		if strings.HasPrefix(n, "journal.backup-") {
			archives = append(archives, n)
		}
	}
	if len(archives) != 3 || len(names) != 5 {
		t.Fatalf("files %v: want journal, journal.lock and 3 archives", names)
	}
	if !sort.StringsAreSorted(archives) || archives[0] == archives[1] || archives[1] == archives[2] {
		t.Fatalf("archive names not unique and sorted: %v", archives)
	}
}

func TestBackupTakesPrecedence(t *testing.T) {
	open, path := localStore(t)
	p := mustOpen(t, open(), prevayler.Options[ledger]{})
	mustHandle(t, p, 1)
	mustHandle(t, p, 2)
	mustClose(t, p)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A crash during a rotation leaves a backup and an unfinished journal.
	if err := os.WriteFile(path+".backup", data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data[:len(data)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	p = mustOpen(t, open(), prevayler.Options[ledger]{})
	defer p.Close()
	if got := p.State().Seen; !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("recovered %v from the backup", got)
	}
	if _, err := os.Stat(path + ".backup"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("backup still there after recovery: %v", err)
	}
}

func TestTornTailAtEveryOffsetOfTheLastRecord(t *testing.T) {
	open, path := exactLocalStore(t)
	p := mustOpen(t, open(), prevayler.Options[ledger]{})
	mustHandle(t, p, 1)
	mustHandle(t, p, 2)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	lastStart := fi.Size()
	mustHandle(t, p, 3)
	if fi, err = os.Stat(path); err != nil {
		t.Fatal(err)
	}
	lastEnd := fi.Size() // then Close adds its seal
	mustClose(t, p)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for cut := lastStart; cut <= int64(len(data)); cut++ {
		dir := t.TempDir()
		jp := filepath.Join(dir, "journal")
		if err := os.WriteFile(jp, data[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := prevayler.Open(context.Background(), record, prevayler.Options[ledger]{Store: localstore.New(jp)})
		if err != nil {
			t.Fatalf("cut at %d of %d: %v", cut, len(data), err)
		}
		want := []int64{1, 2}
		if cut >= lastEnd { // a cut seal loses no event
			want = []int64{1, 2, 3}
		}
		if got := p.State().Seen; !slices.Equal(got, want) {
			t.Fatalf("cut at %d: recovered %v, want %v", cut, got, want)
		}
		mustClose(t, p)
	}
}

func TestCorruptJournalFailsAndStaysFailing(t *testing.T) {
	open, path := exactLocalStore(t)
	p := mustOpen(t, open(), prevayler.Options[ledger]{})
	fi, _ := os.Stat(path)
	snapEnd := fi.Size()
	mustHandle(t, p, 1)
	fi, _ = os.Stat(path)
	secondEvent := fi.Size()
	mustHandle(t, p, 2)
	mustHandle(t, p, 3)
	mustClose(t, p)
	data, _ := os.ReadFile(path)

	cases := map[string]func([]byte) []byte{
		"event payload": func(b []byte) []byte { b[secondEvent+30] ^= 0x40; return b },
		"length field":  func(b []byte) []byte { b[secondEvent] ^= 0x01; return b },
		"snapshot":      func(b []byte) []byte { b[snapEnd-30] ^= 0x01; return b },
		"header":        func(b []byte) []byte { b[3] ^= 0x01; return b },
		"cut snapshot":  func(b []byte) []byte { return b[:snapEnd-10] },
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			jp := filepath.Join(dir, "journal")
			bad := damage(slices.Clone(data))
			if err := os.WriteFile(jp, bad, 0o644); err != nil {
				t.Fatal(err)
			}
			for try := 0; try < 2; try++ {
				_, err := prevayler.Open(context.Background(), record, prevayler.Options[ledger]{Store: localstore.New(jp)})
				if !errors.Is(err, prevayler.ErrCorrupt) {
					t.Fatalf("try %d: got %v, want ErrCorrupt", try, err)
				}
				if !strings.Contains(err.Error(), "byte") {
					t.Fatalf("error %q does not name the offset", err)
				}
			}
			kept, err := os.ReadFile(jp)
			if err != nil || !slices.Equal(kept, bad) {
				t.Fatalf("the damaged journal was not kept as it was (%v)", err)
			}
			if got := dirNames(t, dir); !slices.Equal(got, []string{"journal", "journal.lock"}) {
				t.Fatalf("files after failed opens: %v", got)
			}
		})
	}
}

// TestSnapshotUnderLoad takes snapshots while writers go on, so that the
// events after each cut are copied into the new journal, and checks that
// the recovered state is exactly the live one.
func TestSnapshotUnderLoad(t *testing.T) {
	for _, d := range []prevayler.Durability{prevayler.Durable, prevayler.Buffered} {
		t.Run(d.String(), func(t *testing.T) {
			open, _ := localStore(t)
			p := mustOpen(t, open(), prevayler.Options[ledger]{Durability: d})
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for w := 0; w < 8; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						if _, err := p.Handle(context.Background(), add{V: int64(100_000*w + i + 14)}); err != nil {
							t.Errorf("Handle: %v", err)
							return
						}
					}
				}(w)
			}
			for i := 0; i < 10; i++ {
				if err := p.Snapshot(context.Background()); err != nil {
					t.Fatalf("Snapshot %d: %v", i, err)
				}
			}
			close(stop)
			wg.Wait()
			live := p.State()
			mustClose(t, p)
			p = mustOpen(t, open(), prevayler.Options[ledger]{Durability: d})
			defer p.Close()
			if got := p.State(); !slices.Equal(got.Seen, live.Seen) {
				t.Fatalf("recovered %d events, live had %d, or in another order", len(got.Seen), len(live.Seen))
			}
			t.Logf("%d events around 10 snapshots", len(live.Seen))
		})
	}
}
