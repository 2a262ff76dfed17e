package prevayler_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/reliability/faultstore"
	"github.com/prevayler-go/prevayler/internal/testutil"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// bag is a state holding values of any type: one never passed to
// gob.Register makes it unencodable, although every event is fine.
type bag struct{ Items []any }

// secret is never registered with gob.
type secret struct{ N int }

// fill stores a secret for "secret", an int for "int"; "drop" removes the
// secrets again.
func fill(s bag, e string, _ time.Time) (bag, int, error) {
	items := slices.Clip(s.Items)
	switch e {
	case "secret":
		items = append(items, secret{len(items)})
	case "int":
		items = append(items, len(items))
	case "drop":
		items = slices.DeleteFunc(slices.Clone(items), func(v any) bool { _, ok := v.(secret); return ok })
	}
	return bag{Items: items}, len(items), nil
}

type bagSystem = prevayler.Prevayler[bag, string, int]

func openBag(t *testing.T, opts prevayler.Options[bag]) *bagSystem {
	t.Helper()
	if opts.Store == nil {
		opts.Store = memstore.New()
	}
	p, err := prevayler.Open(context.Background(), fill, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return p
}

func handleBag(t *testing.T, p *bagSystem, e string) {
	t.Helper()
	if _, err := p.Handle(context.Background(), e); err != nil {
		t.Fatalf("Handle(%q): %v", e, err)
	}
}

func TestUnencodableStateFailsSnapshotsOnly(t *testing.T) {
	var logs testutil.SyncBuffer
	p := openBag(t, prevayler.Options[bag]{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	defer p.Close()
	handleBag(t, p, "int")
	handleBag(t, p, "secret") // accepted: the event itself encodes

	err := p.Snapshot(context.Background())
	if !errors.Is(err, prevayler.ErrUnencodable) || !strings.Contains(err.Error(), "prevayler_test.secret") {
		t.Fatalf("Snapshot of an unencodable state: %v, want ErrUnencodable naming the type", err)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "type=prevayler_test.secret") {
		t.Fatalf("no ERROR naming the type was logged:\n%s", logs.String())
	}
	s := p.Stats()
	if !errors.Is(s.SnapshotError, prevayler.ErrUnencodable) || s.SnapshotFailures != 1 || s.LastError != nil {
		t.Fatalf("stats after the failed snapshot: SnapshotError %v, SnapshotFailures %d, LastError %v",
			s.SnapshotError, s.SnapshotFailures, s.LastError)
	}

	// The system goes on, and a snapshot works again once the state can be
	// encoded.
	handleBag(t, p, "int")
	handleBag(t, p, "drop")
	if err := p.Snapshot(context.Background()); err != nil {
		t.Fatalf("Snapshot once the secrets are gone: %v", err)
	}
	if s := p.Stats(); s.SnapshotError != nil || s.SnapshotFailures != 1 {
		t.Fatalf("after a good snapshot: SnapshotError %v, SnapshotFailures %d", s.SnapshotError, s.SnapshotFailures)
	}
	if got := p.State().Items; !slices.Equal(got, []any{0, 2}) {
		t.Fatalf("state %v", got)
	}
}

// countingCodec is gob, counting how many times the state is encoded.
type countingCodec struct{ states *atomic.Int64 }

func (c countingCodec) Name() string { return prevayler.Gob.Name() }

func (c countingCodec) NewEncoder(w io.Writer) prevayler.Encoder {
	return countingEncoder{c.states, prevayler.Gob.NewEncoder(w)}
}

func (c countingCodec) NewDecoder(r io.Reader) prevayler.Decoder { return prevayler.Gob.NewDecoder(r) }

type countingEncoder struct {
	states *atomic.Int64
	enc    prevayler.Encoder
}

func (e countingEncoder) Encode(v any) error {
	if _, ok := v.(*bag); ok {
		e.states.Add(1)
	}
	return e.enc.Encode(v)
}

// The snapshot policy does not encode an unencodable state after every
// write: it waits a second after a failure, then longer each time.
func TestSnapshotPolicyBacksOffAfterAFailure(t *testing.T) {
	var states atomic.Int64
	var logs testutil.SyncBuffer
	p := openBag(t, prevayler.Options[bag]{
		Codec:         countingCodec{&states},
		SnapshotEvery: 1,
		Logger:        slog.New(slog.NewTextHandler(&logs, nil)),
	})
	defer p.Close()
	states.Store(0) // the start-up's snapshot
	handleBag(t, p, "secret")
	waitFor(t, "the first automatic snapshot to fail", func() bool { return p.Stats().SnapshotFailures >= 1 })
	deadline := time.Now().Add(1500 * time.Millisecond)
	writes := 0
	for time.Now().Before(deadline) {
		handleBag(t, p, "int")
		writes++
		time.Sleep(5 * time.Millisecond)
	}
	// Failures at about 0 s and 1 s; the next is due at 3 s.
	if n := states.Load(); n > 3 {
		t.Fatalf("the state was encoded %d times during %d writes in 1.5 s, want at most 3 (back-off from 1 s)", n, writes)
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n < 1 || n > 3 {
		t.Fatalf("%d ERRORs logged, want one per attempt:\n%s", n, logs.String())
	}
	if s := p.Stats(); s.LastError != nil || s.Events != uint64(writes+1) {
		t.Fatalf("events %d (want %d), LastError %v: the instance must go on", s.Events, writes+1, s.LastError)
	}
}

// A store that fails while the snapshot is written is not an unencodable
// state.
func TestSnapshotStoreFailureIsNotUnencodable(t *testing.T) {
	var failWrites atomic.Bool
	hook := func(op faultstore.Op) error {
		if op.Kind == faultstore.Write && failWrites.Load() {
			return faultstore.ErrInjected
		}
		return nil
	}
	p := openBag(t, prevayler.Options[bag]{Store: faultstore.New(memstore.New(), hook), Durability: prevayler.Buffered})
	defer p.Close()
	handleBag(t, p, "int")
	failWrites.Store(true)
	err := p.Snapshot(context.Background())
	failWrites.Store(false)
	if err == nil || errors.Is(err, prevayler.ErrUnencodable) || !errors.Is(err, faultstore.ErrInjected) {
		t.Fatalf("Snapshot whose writes fail: %v, want the store's error, not ErrUnencodable", err)
	}
	if s := p.Stats(); !errors.Is(s.SnapshotError, faultstore.ErrInjected) || s.SnapshotFailures != 1 {
		t.Fatalf("SnapshotError %v, SnapshotFailures %d", s.SnapshotError, s.SnapshotFailures)
	}
}
