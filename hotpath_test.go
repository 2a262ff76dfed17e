package prevayler_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// binMove is an event that encodes itself for the Binary codec.
type binMove struct {
	From, To int32
	Amount   int64
}

var errBadMove = errors.New("binMove: not 16 bytes")

func (m binMove) AppendBinary(b []byte) ([]byte, error) {
	if m.Amount == -99 {
		return b, errors.New("binMove: -99 cannot be encoded")
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(m.From))
	b = binary.LittleEndian.AppendUint32(b, uint32(m.To))
	return binary.LittleEndian.AppendUint64(b, uint64(m.Amount)), nil
}

func (m *binMove) UnmarshalBinary(b []byte) error {
	if len(b) != 16 {
		return errBadMove
	}
	m.From = int32(binary.LittleEndian.Uint32(b))
	m.To = int32(binary.LittleEndian.Uint32(b[4:]))
	m.Amount = int64(binary.LittleEndian.Uint64(b[8:]))
	return nil
}

// tally is a state of counters.
type tally struct {
	Events int64
	Sum    int64
	Big    []int64 // large in one test, to check the split with Binary
}

func countMove(s tally, m binMove, _ time.Time) (tally, int64, error) {
	if m.Amount < 0 {
		return s, 0, errNegative
	}
	s.Events++
	s.Sum += int64(m.From)*1000 + int64(m.To) + m.Amount
	return s, s.Sum, nil
}

func TestBinaryCodec(t *testing.T) {
	ctx := context.Background()
	for _, big := range []int{0, 300_000} {
		t.Run(fmt.Sprintf("state of %d values", big), func(t *testing.T) {
			mem := memstore.New()
			opts := prevayler.Options[tally]{Store: mem, Codec: prevayler.Binary, InitialState: tally{Big: make([]int64, big)}}
			p, err := prevayler.Open(ctx, countMove, opts)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 1000 {
				if _, err := p.Handle(ctx, binMove{From: int32(i), To: int32(-i), Amount: int64(i % 7)}); err != nil {
					t.Fatal(err)
				}
				if i == 500 {
					if err := p.Snapshot(ctx); err != nil {
						t.Fatal(err)
					}
				}
			}
			// Refusals leave nothing behind: an encoding error, a handler error.
			if _, err := p.Handle(ctx, binMove{Amount: -99}); err == nil {
				t.Fatal("an event that cannot be encoded was accepted")
			}
			if _, err := p.Handle(ctx, binMove{Amount: -1}); !errors.Is(err, errNegative) {
				t.Fatalf("Handle: %v, want %v", err, errNegative)
			}
			want := p.State()
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			opts.Store, opts.InitialState = mem.Reopen(), tally{}
			p, err = prevayler.Open(ctx, countMove, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if got := p.State(); got.Events != want.Events || got.Sum != want.Sum || len(got.Big) != big {
				t.Fatalf("replayed %d events, sum %d, %d values; want %d, %d, %d", got.Events, got.Sum, len(got.Big), want.Events, want.Sum, big)
			}
			if _, err := prevayler.Open(ctx, countMove, prevayler.Options[tally]{Store: mem.Reopen()}); err == nil {
				t.Fatal("a journal of the Binary codec opened with Gob")
			}
		})
	}
}

// badMove fails to decode what it encoded.
type badMove struct{ binMove }

func (m *badMove) UnmarshalBinary([]byte) error { return errBadMove }

func TestBinaryDecodeError(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New()
	h := func(s tally, m badMove, at time.Time) (tally, int64, error) { return countMove(s, m.binMove, at) }
	opts := prevayler.Options[tally]{Store: mem, Codec: prevayler.Binary}
	p, err := prevayler.Open(ctx, h, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Handle(ctx, badMove{binMove{Amount: 1}}); err != nil {
		t.Fatal(err)
	}
	p.Close()
	opts.Store = mem.Reopen()
	if _, err := prevayler.Open(ctx, h, opts); !errors.Is(err, errBadMove) {
		t.Fatalf("Open: %v, want %v", err, errBadMove)
	}
}

// Handle allocates nothing per event itself: the event is not moved to
// the heap, the group of callers is reused and made no channel when the
// caller writes itself, and the published state's box comes in slabs. What
// is left is the codec's: nothing for gob here, nothing for Binary.
func TestHandleAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: fsyncs a few hundred events")
	}
	if raceEnabled {
		t.Skip("skipped under the race detector: it makes sync.Pool drop objects on purpose, and allocates itself")
	}
	cancellable, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, d := range []prevayler.Durability{prevayler.Durable, prevayler.Buffered} {
		for _, c := range []prevayler.Codec{prevayler.Gob, prevayler.Binary} {
			for _, ctx := range []context.Context{context.Background(), cancellable} {
				name := d.String() + "/" + c.Name()
				if ctx.Done() != nil {
					name += "/cancellable" // waits for the writer's goroutine
				}
				t.Run(name, func(t *testing.T) { handleAllocations(t, ctx, d, c) })
			}
		}
	}
}

func handleAllocations(t *testing.T, ctx context.Context, d prevayler.Durability, c prevayler.Codec) {
	p, err := prevayler.Open(context.Background(), countMove, prevayler.Options[tally]{
		Store: localstore.New(filepath.Join(t.TempDir(), "journal")), Durability: d, Codec: c,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	move := binMove{From: 1, To: 2, Amount: 3}
	for range 50 { // warm up: gob's type information, buffers
		p.Handle(ctx, move)
	}
	// No runtime.GC here: it would empty the pools of groups and
	// channels, and the first events would allocate them again.
	const n = 1000
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for range n {
		if _, err := p.Handle(ctx, move); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&m1)
	if per := float64(m1.Mallocs-m0.Mallocs) / n; per > 0.15 {
		t.Fatalf("%.2f allocations per event, want none (but one per slab of 16 published states)", per)
	}
}
