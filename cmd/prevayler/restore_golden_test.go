package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store"
)

// golden copies the test journals of package journal (see its testdata
// README) into a new store: the last as the journal, the others as
// archives, oldest first.
func golden(t *testing.T, names ...string) string {
	t.Helper()
	path := journalPath(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		b, err := os.ReadFile(filepath.Join("..", "..", "internal", "journal", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		to := path
		if i < len(names)-1 {
			to += store.ArchiveName(time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC))
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// readBack returns the snapshot and the events of the journal at path,
// and its header, checking that it ends with a closed seal.
func readBack(t *testing.T, path string) (journal.Header, []byte, []journal.Event) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := journal.NewReader(f, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := io.ReadAll(r.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	var evs []journal.Event
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		e.Data = bytes.Clone(e.Data)
		evs = append(evs, e)
	}
	if !r.Closed() {
		t.Error("the restored journal does not end with a closed seal")
	}
	return r.Header(), snap, evs
}

// TestRestoreBytes checks the restored bytes themselves, on the format's
// test journals: the snapshot and the events are those of the source,
// for a version 1 journal (events counted from its snapshot, times
// unknown before its first event) and for a version 2 one continued
// without a snapshot.
func TestRestoreBytes(t *testing.T) {
	v1 := golden(t, "v1/plain.jnl")
	at := func(n int) time.Time { // the n-th event's time (README)
		return time.Unix(1_700_000_000, 0).Add(time.Duration(n) * 1001 * time.Microsecond)
	}
	for _, tt := range []struct {
		args   []string
		events int
	}{
		{[]string{"--seq", "0"}, 0},
		{[]string{"--seq", "4"}, 4},
		{[]string{"--at", at(2).Format(time.RFC3339Nano)}, 3},
		{[]string{"--at", at(2).Add(time.Microsecond).Format(time.RFC3339Nano)}, 3},
		{[]string{"--at", at(9).Format(time.RFC3339Nano)}, 6},
	} {
		dst := journalPath(t)
		if err := restoreErr(t, append(tt.args, v1, dst)...); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		hdr, snap, evs := readBack(t, dst)
		if string(snap) != "golden state, in three chunks" || hdr.Codec != "test" || hdr.Version != journal.Version || hdr.BaseSeq != 0 {
			t.Errorf("%v: snapshot %q, header %+v", tt.args, snap, hdr)
		}
		if len(evs) != tt.events {
			t.Fatalf("%v: %d events, want %d", tt.args, len(evs), tt.events)
		}
		for i, e := range evs {
			if string(e.Data) != "event-"+strconv.Itoa(i) || !e.At.Equal(at(i)) || e.Seq != uint64(i+1) || e.Reset != (i == 0) {
				t.Errorf("%v: event %d is %q at %v, seq %d, reset %v", tt.args, i, e.Data, e.At, e.Seq, e.Reset)
			}
		}
	}
	// Format 1 records no snapshot time: a point before the first event
	// cannot be shown to be after the snapshot.
	if err := restoreErr(t, "--at", at(0).Add(-time.Microsecond).Format(time.RFC3339Nano), v1, journalPath(t)); !errors.Is(err, errBeforeHistory) {
		t.Errorf("before the first event of a format 1 journal: %v, want errBeforeHistory", err)
	}

	cont := golden(t, "sealed.jnl", "continuation.jnl")
	dst := journalPath(t)
	if err := restoreErr(t, "--seq", "49", cont, dst); err != nil {
		t.Fatal(err)
	}
	hdr, snap, evs := readBack(t, dst)
	if hdr.BaseSeq != 41 || hdr.Continuation || len(snap) == 0 || len(evs) != 8 || evs[0].Seq != 42 || evs[7].Seq != 49 {
		t.Errorf("through a continuation: header %+v, %d snapshot bytes, %d events", hdr, len(snap), len(evs))
	}
	if !evs[6].Reset || evs[5].Reset {
		t.Error("the continuation's first event lost its reset flag, or another gained one")
	}
	if err := restoreErr(t, "--seq", "40", cont, journalPath(t)); !errors.Is(err, errBeforeHistory) {
		t.Errorf("before the first snapshot: %v, want errBeforeHistory", err)
	}
	// Without the archive, the continuation has nothing to start from.
	if err := restoreErr(t, "--seq", "49", golden(t, "continuation.jnl"), journalPath(t)); !errors.Is(err, errPruned) {
		t.Errorf("a continuation whose predecessor is gone: %v, want errPruned", err)
	}
}
