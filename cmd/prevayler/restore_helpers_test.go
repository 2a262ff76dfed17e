package main

import (
	"bytes"
	"context"
	"crypto/cipher"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// ledger is the state of the restore tests: a tally, and values of a type
// gob does not know, which make it unencodable while they are there (a
// start then writes a journal that continues the last one).
type ledger struct {
	N, Sum int
	Odd    []any
}

// oddValue is never registered with gob.
type oddValue struct{ N int }

// book adds e; -1 adds an odd value, 0 drops the odd values.
func book(s ledger, e int, _ time.Time) (ledger, int, error) {
	s.N++
	s.Odd = slices.Clip(s.Odd)
	switch e {
	case -1:
		s.Odd = append(s.Odd, oddValue{s.N})
	case 0:
		s.Odd = nil
	default:
		s.Sum += e
	}
	return s, s.Sum, nil
}

// summary is what the tests compare of a ledger.
func (s ledger) summary() string { return fmt.Sprintf("N=%d Sum=%d odd=%d", s.N, s.Sum, len(s.Odd)) }

// timeline is a journal written for the restore tests: its events and
// their times, in order, numbered from 1.
type timeline struct {
	t      *testing.T
	url    string
	aead   cipher.AEAD
	events []int
	times  []time.Time
	now    time.Time
}

var restoreEpoch = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func newTimeline(t *testing.T, rawURL string, aead cipher.AEAD) *timeline {
	return &timeline{t: t, url: rawURL, aead: aead, now: restoreEpoch}
}

// session opens the journal as an application does and handles events;
// a "snap" in events takes a snapshot there. Times advance one second per
// event, across sessions.
func (h *timeline) session(events ...any) {
	h.t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, h.url)
	if err != nil {
		h.t.Fatal(err)
	}
	clock := func() time.Time {
		h.now = h.now.Add(time.Second)
		h.times = append(h.times, h.now)
		return h.now
	}
	p, err := prevayler.Open(ctx, book, prevayler.Options[ledger]{Store: s, Clock: clock, Encryption: h.aead})
	if err != nil {
		h.t.Fatalf("open %s: %v", h.url, err)
	}
	defer p.Close()
	for _, e := range events {
		switch e := e.(type) {
		case int:
			if _, err := p.Handle(ctx, e); err != nil {
				h.t.Fatal(err)
			}
			h.events = append(h.events, e)
		case string:
			if e != "snap" {
				h.t.Fatalf("unknown step %q", e)
			}
			if err := p.Snapshot(ctx); err != nil {
				h.t.Fatal(err)
			}
		}
	}
	if got, want := p.Seq(), uint64(len(h.events)); got != want {
		h.t.Fatalf("writer at seq %d, want %d", got, want)
	}
	if err := p.Close(); err != nil {
		h.t.Fatal(err)
	}
}

// want returns the state after the first n events, by the handler.
func (h *timeline) want(n int) ledger {
	var s ledger
	for _, e := range h.events[:n] {
		s, _, _ = book(s, e, time.Time{})
	}
	return s
}

// recoverLedger opens the journal at rawURL as an application does and
// returns its state and sequence number.
func recoverLedger(t *testing.T, rawURL string, aead cipher.AEAD) (ledger, uint64) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, rawURL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := prevayler.Open(ctx, book, prevayler.Options[ledger]{Store: s, Encryption: aead})
	if err != nil {
		t.Fatalf("recover %s: %v", rawURL, err)
	}
	st, seq := p.StateSeq()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	return st, seq
}

// restoreErr runs the restore command in process and returns its error.
func restoreErr(t *testing.T, args ...string) error {
	t.Helper()
	var out, errb bytes.Buffer
	err := runRestore(context.Background(), &cli{stdout: &out, stderr: &errb}, args)
	t.Logf("restore %q: %v\n%s", args, err, out.String())
	return err
}

// Memory stores for the tests, by URL: memtest://NAME names one store,
// and each Open returns a new handle on it, as a new process would get.
var (
	memMu     sync.Mutex
	memStores = map[string]*memstore.Store{}
)

func init() {
	store.Register("memtest", func(_ context.Context, u *url.URL) (store.Store, error) {
		memMu.Lock()
		defer memMu.Unlock()
		s, ok := memStores[u.Host]
		if !ok {
			s = memstore.New()
			memStores[u.Host] = s
		}
		return s.Reopen(), nil
	})
}

// memURL returns the URL of a new, empty memory store.
func memURL(t *testing.T) string {
	memMu.Lock()
	defer memMu.Unlock()
	name := fmt.Sprintf("m%d", len(memStores))
	memStores[name] = memstore.New()
	return "memtest://" + name
}
