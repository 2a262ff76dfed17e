package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/localstore"
)

func TestPrune(t *testing.T) {
	path := journalPath(t)
	var want tally
	for range 5 {
		want = writeJournal(t, path, 2, journalOptions{})
	}
	all := archives(t, path)
	if len(all) != 4 {
		t.Fatalf("%d archives, want 4", len(all))
	}

	r := runCmd(t, "prune", path, "--keep", "2", "--dry-run")
	if r.code != exitOK || strings.Count(r.stdout, "would remove "+path) != 2 {
		t.Errorf("--dry-run: exit %d, stdout %q", r.code, r.stdout)
	}
	if n := len(archives(t, path)); n != 4 {
		t.Errorf("--dry-run removed archives: %d left", n)
	}

	r = runCmd(t, "prune", "--keep", "2", path)
	if r.code != exitOK || !strings.Contains(r.stdout, "removed 2 of 4 archives") {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
	if got := archives(t, path); !slices.Equal(got, all[2:]) {
		t.Errorf("kept %q, want the newest two %q", got, all[2:])
	}
	if r := runCmd(t, "prune", "--keep", "5", path); r.code != exitOK || !strings.Contains(r.stdout, "nothing to remove") {
		t.Errorf("--keep 5: exit %d, stdout %q", r.code, r.stdout)
	}
	if r := runCmd(t, "prune", "--keep=0", path); r.code != exitOK || len(archives(t, path)) != 0 {
		t.Errorf("--keep 0: exit %d, %d archives left", r.code, len(archives(t, path)))
	}
	if got := recoverJournal(t, path, nil); got != want {
		t.Errorf("recovered %+v after pruning, want %+v", got, want)
	}
}

func TestPruneLocked(t *testing.T) {
	path := journalPath(t)
	writeJournal(t, path, 1, journalOptions{})
	p, err := prevayler.Open(context.Background(), add, prevayler.Options[tally]{Store: localstore.New(path)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	r := runCmd(t, "prune", "--keep", "0", path)
	if r.code != exitFail || !strings.Contains(r.stderr, "in use by a running application") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if len(archives(t, path)) != 1 {
		t.Errorf("a refused prune removed archives")
	}
	if r := runCmd(t, "prune", "--keep", "0", "--dry-run", path); r.code != exitOK {
		t.Errorf("--dry-run beside a running application: exit %d", r.code)
	}
}

// TestPruneKeepFor: --keep-for removes the archives retired longer ago
// than the duration, and with --keep an archive stays while either rule
// keeps it.
func TestPruneKeepFor(t *testing.T) {
	path := journalPath(t)
	var want tally
	for range 4 {
		want = writeJournal(t, path, 2, journalOptions{})
	}
	all := archives(t, path)
	if len(all) != 3 {
		t.Fatalf("%d archives, want 3", len(all))
	}
	if r := runCmd(t, "prune", "--keep-for", "1h", path); r.code != exitOK || !strings.Contains(r.stdout, "nothing to remove") {
		t.Errorf("--keep-for 1h: exit %d, stdout %q", r.code, r.stdout)
	}
	if r := runCmd(t, "prune", "--keep-for", "1ns", "--keep", "1", path); r.code != exitOK || !strings.Contains(r.stdout, "removed 2 of 3 archives") {
		t.Errorf("--keep-for 1ns --keep 1: exit %d, stdout %q", r.code, r.stdout)
	}
	if got := archives(t, path); !slices.Equal(got, all[2:]) {
		t.Errorf("kept %q, want the newest %q", got, all[2:])
	}
	if r := runCmd(t, "prune", "--keep-for", "1ns", path); r.code != exitOK || len(archives(t, path)) != 0 {
		t.Errorf("--keep-for 1ns: exit %d, %d archives left", r.code, len(archives(t, path)))
	}
	if got := recoverJournal(t, path, nil); got != want {
		t.Errorf("recovered %+v after pruning, want %+v", got, want)
	}
}
