package prevayler_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
)

// sizes returns the journal's size after each of n events: the end of
// each event's frame when every Handle writes one.
func handleSizes(t *testing.T, p *testPrevayler, path string, from, n int) []int64 {
	t.Helper()
	var ends []int64
	for i := from; i < from+n; i++ {
		mustHandle(t, p, int64(1000+i)) // never 13, which the handler refuses
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		ends = append(ends, fi.Size())
	}
	return ends
}

// openBytes opens a copy of a journal's bytes in a directory of its own.
func openBytes(t *testing.T, data []byte, opts prevayler.Options[ledger]) (*testPrevayler, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	opts.Store = exactStore(path)
	return prevayler.Open(context.Background(), record, opts)
}

// Item 1: a Buffered journal, closed cleanly, with one byte of event 11's
// frame flipped, used to open with 10 events and a warning.
func TestBufferedMidFileDamageIsCorrupt(t *testing.T) {
	for _, enc := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "encrypted"}[enc], func(t *testing.T) {
			opts := prevayler.Options[ledger]{Durability: prevayler.Buffered}
			if enc {
				opts.Encryption = newAEAD(t, 3)
			}
			open, path := exactLocalStore(t)
			p := mustOpen(t, open(), opts)
			ends := handleSizes(t, p, path, 1, 100)
			mustClose(t, p)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			data[ends[9]+30] ^= 0x10 // inside the frame of event 11
			q, err := openBytes(t, data, opts)
			if !errors.Is(err, prevayler.ErrCorrupt) {
				if q != nil {
					t.Fatalf("Open: %v with %d events, want ErrCorrupt", err, len(q.State().Seen))
				}
				t.Fatalf("Open: %v, want ErrCorrupt", err)
			}
		})
	}
}

// Item 1, crash: a Buffered journal is synced in the background; what was
// written before the latest background sync is protected even though the
// process dies without Sync or Close.
func TestBufferedBackgroundSyncProtects(t *testing.T) {
	open, path := exactLocalStore(t)
	opts := prevayler.Options[ledger]{Durability: prevayler.Buffered, SyncInterval: 5 * time.Millisecond}
	p := mustOpen(t, open(), opts)
	defer p.Close()
	ends := handleSizes(t, p, path, 1, 40)
	deadline := time.Now().Add(5 * time.Second)
	for p.Stats().Syncs == 0 || !sealedSince(t, path, ends[len(ends)-1]) {
		if time.Now().After(deadline) {
			t.Fatalf("no background sync and seal within 5 s (syncs %d)", p.Stats().Syncs)
		}
		time.Sleep(5 * time.Millisecond)
	}
	handleSizes(t, p, path, 41, 10)
	crashed, err := os.ReadFile(path) // what a crash of the process leaves
	if err != nil {
		t.Fatal(err)
	}
	damaged := bytes.Clone(crashed)
	damaged[ends[10]+30] ^= 0x10
	if _, err := openBytes(t, damaged, opts); !errors.Is(err, prevayler.ErrCorrupt) {
		t.Fatalf("Open after damage before the background sync: %v, want ErrCorrupt", err)
	}
	q, err := openBytes(t, crashed, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if n := len(q.State().Seen); n != 50 {
		t.Fatalf("recovered %d events, want 50", n)
	}
}

// sealedSince reports whether the journal grew past size by a seal frame
// (24 + 21 bytes) at least.
func sealedSince(t *testing.T, path string, size int64) bool {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size() >= size+45
}

// Item 2: a cleanly closed journal whose last event frame is damaged used
// to recover all but its last event without an error.
func TestClosedJournalLastFrameDamaged(t *testing.T) {
	for _, d := range []prevayler.Durability{prevayler.Durable, prevayler.Buffered} {
		open, path := exactLocalStore(t)
		opts := prevayler.Options[ledger]{Durability: d}
		p := mustOpen(t, open(), opts)
		ends := handleSizes(t, p, path, 1, 100)
		mustClose(t, p)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		data[ends[98]+30] ^= 0x01 // inside event 100's frame
		if _, err := openBytes(t, data, opts); !errors.Is(err, prevayler.ErrCorrupt) {
			t.Fatalf("%v: Open: %v, want ErrCorrupt", d, err)
		}
	}
}

type blob struct{ B []byte }

type files struct{ Blobs [][]byte }

func keepBlob(s files, e blob, _ time.Time) (files, int, error) {
	return files{Blobs: append(slices.Clip(s.Blobs), e.B)}, len(s.Blobs), nil
}

// Item 3: an event carrying another journal's bytes (synced frames and
// all), torn by a power cut, used to brick the next start with
// ErrCorrupt; the same tear without those bytes is a clean torn tail.
func TestTornWriteOfEventHoldingAJournal(t *testing.T) {
	dir := t.TempDir()
	innerPath := filepath.Join(dir, "inner", "journal")
	inner, err := prevayler.Open(context.Background(), record, prevayler.Options[ledger]{Store: exactStore(innerPath)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		mustHandle(t, inner, int64(100+i))
	}
	mustClose(t, inner)
	innerBytes, err := os.ReadFile(innerPath)
	if err != nil {
		t.Fatal(err)
	}

	for _, tear := range []struct {
		name       string
		start, end int // zeroed, relative to the frame of the torn event
	}{
		{"payload start unwritten", 24, 40},
		{"frame start unwritten", 0, 40},
	} {
		t.Run(tear.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal")
			p, err := prevayler.Open(context.Background(), keepBlob, prevayler.Options[files]{Store: exactStore(path)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.Handle(context.Background(), blob{B: []byte("first")}); err != nil {
				t.Fatal(err)
			}
			fi, _ := os.Stat(path)
			start := fi.Size()
			if _, err := p.Handle(context.Background(), blob{B: innerBytes}); err != nil {
				t.Fatal(err)
			}
			fi, _ = os.Stat(path)
			end := fi.Size()
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			torn := data[:end] // the power cut came before the seal
			clear(torn[start+int64(tear.start) : start+int64(tear.end)])
			if err := os.WriteFile(path, torn, 0o644); err != nil {
				t.Fatal(err)
			}
			q, err := prevayler.Open(context.Background(), keepBlob, prevayler.Options[files]{Store: exactStore(path)})
			if err != nil {
				t.Fatalf("Open after the torn write: %v, want the first event and a dropped torn write", err)
			}
			defer q.Close()
			if got := q.State().Blobs; len(got) != 1 || string(got[0]) != "first" {
				t.Fatalf("recovered %d blobs, want only the first", len(got))
			}
		})
	}
}

// Item 4: a journal cut at a frame boundary cannot be told from a crash;
// the start says that the journal was not closed cleanly.
func TestCutJournalSaysNotClosed(t *testing.T) {
	open, path := exactLocalStore(t)
	opts := prevayler.Options[ledger]{Encryption: newAEAD(t, 5)}
	p := mustOpen(t, open(), opts)
	ends := handleSizes(t, p, path, 1, 10)
	mustClose(t, p)
	data, _ := os.ReadFile(path)
	for _, c := range []struct {
		data   []byte
		events int
		clean  bool
	}{{data, 10, true}, {data[:ends[7]], 8, false}} {
		var logs bytes.Buffer
		opts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
		q, err := openBytes(t, c.data, opts)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(q.State().Seen); n != c.events {
			t.Fatalf("recovered %d events, want %d", n, c.events)
		}
		q.Close()
		if said := strings.Contains(logs.String(), "not closed cleanly"); said == c.clean {
			t.Fatalf("%d events: logged %q; want a note that it was not closed cleanly: %v", c.events, logs.String(), !c.clean)
		}
	}
}

// Item 7: the time of the first event after a restart is never before
// the last journaled one, also when no event followed the snapshot.
func TestTimeAfterRestartWithoutEvents(t *testing.T) {
	open, _ := exactLocalStore(t)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	p := mustOpen(t, open(), prevayler.Options[ledger]{Clock: clock})
	mustHandle(t, p, 1)
	mustClose(t, p)
	mustClose(t, mustOpen(t, open(), prevayler.Options[ledger]{Clock: clock})) // a snapshot, no event
	now = now.Add(-time.Hour)                                                  // the clock steps back
	q := mustOpen(t, open(), prevayler.Options[ledger]{Clock: clock})
	defer q.Close()
	mustHandle(t, q, 2)
	if got, want := q.State().LastAt, now.Add(time.Hour); got.Before(want) {
		t.Fatalf("event time %v, before the last journaled %v", got, want)
	}
}

// Sequence numbers survive snapshots and restarts.
func TestSeqAcrossRestarts(t *testing.T) {
	open, _ := exactLocalStore(t)
	p := mustOpen(t, open(), prevayler.Options[ledger]{})
	for i := range 3 {
		mustHandle(t, p, int64(i))
	}
	if err := p.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustHandle(t, p, 3)
	if s := p.Seq(); s != 4 {
		t.Fatalf("Seq %d, want 4", s)
	}
	mustClose(t, p)
	q := mustOpen(t, open(), prevayler.Options[ledger]{})
	defer q.Close()
	if st, s := q.StateSeq(); s != 4 || len(st.Seen) != 4 {
		t.Fatalf("after restart: Seq %d with %d events, want 4 and 4", s, len(st.Seen))
	}
	mustHandle(t, q, 4)
	if s := q.Seq(); s != 5 {
		t.Fatalf("Seq %d, want 5", s)
	}
}

// unregistered is never given to gob.Register.
type unregistered struct{ N int }

type itemBag struct{ Items []any }

type putEv struct {
	N   int
	Odd bool
}

func putItemEv(s itemBag, e putEv, _ time.Time) (itemBag, int, error) {
	if e.Odd {
		return itemBag{Items: append(slices.Clip(s.Items), unregistered{e.N})}, len(s.Items), nil
	}
	return itemBag{Items: append(slices.Clip(s.Items), e.N)}, len(s.Items), nil
}

func init() { gob.Register(0) }

// Item 5: an accepted event putEv into the state a value gob cannot
// encode; the next Open used to fail writing its snapshot, for ever.
func TestOpenWithUnencodableState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	var logs bytes.Buffer
	opts := prevayler.Options[itemBag]{
		Store:        exactStore(path),
		KeepArchives: 1,
		Logger:       slog.New(slog.NewTextHandler(&logs, nil)),
	}
	openBag := func() *bagSystemEv { return openItemBag(t, path, opts) }
	handle := func(p *bagSystemEv, e putEv) { handleItem(t, p, e) }
	p := openBag()
	handle(p, putEv{N: 1})
	handle(p, putEv{N: 2, Odd: true})
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for round := range 3 { // each start continues the journal before it
		p = openBag()
		if n := len(p.State().Items); n != 2+round {
			t.Fatalf("round %d: %d items, want %d", round, n, 2+round)
		}
		if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "unregistered") {
			t.Fatalf("round %d: the log does not name the type: %s", round, logs.String())
		}
		logs.Reset()
		handle(p, putEv{N: 10 + round})
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// KeepArchives 1 kept every archive the continuations need.
	p = openBag()
	defer p.Close()
	if n, s := len(p.State().Items), p.Seq(); n != 5 || s != 5 {
		t.Fatalf("%d items at seq %d, want 5 and 5", n, s)
	}
}

type bagSystemEv = prevayler.Prevayler[itemBag, putEv, int]

// openItemBag opens the journal at path with opts and a store of its own.
func openItemBag(t *testing.T, path string, opts prevayler.Options[itemBag]) *bagSystemEv {
	t.Helper()
	opts.Store = exactStore(path)
	p, err := prevayler.Open(context.Background(), putItemEv, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return p
}

func handleItem(t *testing.T, p *bagSystemEv, e putEv) {
	t.Helper()
	if _, err := p.Handle(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}
