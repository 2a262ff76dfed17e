package prevayler_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
)

func TestHandleAndRecover(t *testing.T) {
	for _, d := range []prevayler.Durability{prevayler.Durable, prevayler.Buffered} {
		t.Run(d.String(), func(t *testing.T) {
			open, _ := localStore(t)
			p := mustOpen(t, open(), prevayler.Options[ledger]{Durability: d})
			for i := int64(1); i <= 5; i++ {
				if got := mustHandle(t, p, i); got != int(i) {
					t.Fatalf("result %d, want %d", got, i)
				}
			}
			want := p.State()
			mustClose(t, p)

			p = mustOpen(t, open(), prevayler.Options[ledger]{Durability: d})
			defer p.Close()
			if got := p.State(); !slices.Equal(got.Seen, want.Seen) || got.Sum != 15 || !got.LastAt.Equal(want.LastAt) {
				t.Fatalf("recovered %+v, want %+v", got, want)
			}
			mustHandle(t, p, 6)
			if got := p.State().Seen; !slices.Equal(got, []int64{1, 2, 3, 4, 5, 6}) {
				t.Fatalf("after recovery and one more event: %v", got)
			}
		})
	}
}

func TestInitialStateWhenNoJournal(t *testing.T) {
	open, path := localStore(t)
	p := mustOpen(t, open(), prevayler.Options[ledger]{InitialState: ledger{Seen: []int64{42}, Sum: 42}})
	mustHandle(t, p, 1)
	mustClose(t, p)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("journal file: %v", err)
	}
	p = mustOpen(t, open(), prevayler.Options[ledger]{InitialState: ledger{Sum: -1}})
	defer p.Close()
	if got := p.State(); got.Sum != 43 {
		t.Fatalf("state %+v: the journal must win over a new InitialState", got)
	}
}

func TestHandlerErrorAndPanicChangeNothing(t *testing.T) {
	open, _ := localStore(t)
	p := mustOpen(t, open(), prevayler.Options[ledger]{})
	mustHandle(t, p, 1)

	if _, err := p.Handle(context.Background(), add{V: -1}); !errors.Is(err, errNegative) {
		t.Fatalf("handler error: got %v", err)
	}
	_, err := p.Handle(context.Background(), add{V: 13})
	var pe *prevayler.PanicError
	if !errors.As(err, &pe) || pe.Value != "unlucky" || len(pe.Stack) == 0 {
		t.Fatalf("panic: got %v", err)
	}
	mustHandle(t, p, 2)
	mustClose(t, p)

	p = mustOpen(t, open(), prevayler.Options[ledger]{})
	defer p.Close()
	if got := p.State().Seen; !slices.Equal(got, []int64{1, 2}) {
		t.Fatalf("recovered %v: failed events must not be journaled", got)
	}
}

// unencodable fails to encode on demand, to show that an event the codec
// refuses changes nothing.
type unencodable struct{ Bad bool }

func (u unencodable) GobEncode() ([]byte, error) {
	if u.Bad {
		return nil, errors.New("cannot encode")
	}
	return []byte{0}, nil
}

func (u *unencodable) GobDecode([]byte) error { return nil }

func TestEncodeErrorChangesNothing(t *testing.T) {
	open, _ := localStore(t)
	h := func(s int, e unencodable, _ time.Time) (int, int, error) { return s + 1, s + 1, nil }
	p, err := prevayler.Open(context.Background(), h, prevayler.Options[int]{Store: open()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Handle(context.Background(), unencodable{}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Handle(context.Background(), unencodable{Bad: true}); err == nil {
		t.Fatal("an event that cannot be encoded was accepted")
	}
	if _, err := p.Handle(context.Background(), unencodable{}); err != nil {
		t.Fatalf("after an encode error: %v", err)
	}
	if got := p.State(); got != 2 {
		t.Fatalf("state %d, want 2", got)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	p, err = prevayler.Open(context.Background(), h, prevayler.Options[int]{Store: open()})
	if err != nil {
		t.Fatalf("reopen after an encode error: %v", err)
	}
	defer p.Close()
	if got := p.State(); got != 2 {
		t.Fatalf("recovered %d, want 2", got)
	}
}

func TestClose(t *testing.T) {
	open, _ := localStore(t)
	p := mustOpen(t, open(), prevayler.Options[ledger]{Durability: prevayler.Buffered})
	mustHandle(t, p, 7)
	mustClose(t, p)
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := p.Handle(context.Background(), add{V: 1}); !errors.Is(err, prevayler.ErrClosed) {
		t.Fatalf("Handle after Close: %v", err)
	}
	if err := p.Snapshot(context.Background()); !errors.Is(err, prevayler.ErrClosed) {
		t.Fatalf("Snapshot after Close: %v", err)
	}
	if err := p.Sync(context.Background()); !errors.Is(err, prevayler.ErrClosed) {
		t.Fatalf("Sync after Close: %v", err)
	}
	if got := p.State().Seen; !slices.Equal(got, []int64{7}) {
		t.Fatalf("State after Close: %v", got)
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	open, _ := localStore(t)
	p := mustOpen(t, open(), prevayler.Options[ledger]{})
	_, err := prevayler.Open(context.Background(), record, prevayler.Options[ledger]{Store: open()})
	if !errors.Is(err, prevayler.ErrLocked) {
		t.Fatalf("second Open: %v, want ErrLocked", err)
	}
	mustClose(t, p)
	p = mustOpen(t, open(), prevayler.Options[ledger]{})
	mustClose(t, p)
}

func TestConcurrentHandleIsSerialAndRecovered(t *testing.T) {
	for _, d := range []prevayler.Durability{prevayler.Durable, prevayler.Buffered} {
		t.Run(d.String(), func(t *testing.T) {
			open, _ := localStore(t)
			p := mustOpen(t, open(), prevayler.Options[ledger]{Durability: d})
			const writers, each = 16, 50
			var wg sync.WaitGroup
			results := make(chan int, writers*each)
			stopReaders := make(chan struct{})
			var readers sync.WaitGroup
			for r := 0; r < 2; r++ {
				readers.Add(1)
				go func() {
					defer readers.Done()
					last := 0
					for {
						select {
						case <-stopReaders:
							return
						default:
						}
						s := p.State()
						if len(s.Seen) < last {
							t.Errorf("State went back from %d to %d events", last, len(s.Seen))
							return
						}
						last = len(s.Seen)
						var sum int64
						for _, v := range s.Seen {
							sum += v
						}
						if sum != s.Sum {
							t.Errorf("State torn: sum %d of %v", s.Sum, s.Seen)
							return
						}
					}
				}()
			}
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := 0; i < each; i++ {
						r, err := p.Handle(context.Background(), add{V: int64(1000*w + i + 14)})
						if err != nil {
							t.Errorf("Handle: %v", err)
							return
						}
						results <- r
					}
				}(w)
			}
			wg.Wait()
			close(stopReaders)
			readers.Wait()
			close(results)
			var got []int
			for r := range results {
				got = append(got, r)
			}
			slices.Sort(got)
			for i, r := range got {
				if r != i+1 {
					t.Fatalf("results are not a permutation of 1..%d: %v", writers*each, got[:i+1])
				}
			}
			live := p.State()
			mustClose(t, p)
			p = mustOpen(t, open(), prevayler.Options[ledger]{Durability: d})
			defer p.Close()
			if got := p.State(); !slices.Equal(got.Seen, live.Seen) {
				t.Fatalf("recovered order differs from the live order")
			}
		})
	}
}

func TestDeterministicTime(t *testing.T) {
	open, _ := localStore(t)
	at := time.Date(2031, 3, 4, 5, 6, 7, 123456789, time.FixedZone("X", 3*3600))
	clock := func() time.Time { return at }
	p := mustOpen(t, open(), prevayler.Options[ledger]{Clock: clock})
	mustHandle(t, p, 1)
	live := p.State().LastAt
	mustClose(t, p)
	if live != at.UTC() {
		t.Fatalf("handler saw %v, want %v in UTC", live, at)
	}
	p = mustOpen(t, open(), prevayler.Options[ledger]{Clock: func() time.Time { return time.Unix(0, 0) }})
	defer p.Close()
	if got := p.State().LastAt; got != live {
		t.Fatalf("replayed time %v, want exactly %v", got, live)
	}
}

func TestTransient(t *testing.T) {
	p := prevayler.NewTransient(record, ledger{})
	for i := int64(1); i <= 3; i++ {
		mustHandle(t, p, i)
	}
	if _, err := p.Handle(context.Background(), add{V: 13}); err == nil {
		t.Fatal("panic not reported")
	}
	if got := p.State().Seen; !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("state %v", got)
	}
	if err := p.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustClose(t, p)
	if _, err := p.Handle(context.Background(), add{V: 1}); !errors.Is(err, prevayler.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestHandleHonoursContext(t *testing.T) {
	p := prevayler.NewTransient(record, ledger{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Handle(ctx, add{V: 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if len(p.State().Seen) != 0 {
		t.Fatal("an event with a cancelled context was applied")
	}
}

func TestInvalidDurability(t *testing.T) {
	open, _ := localStore(t)
	_, err := prevayler.Open(context.Background(), record, prevayler.Options[ledger]{Store: open(), Durability: 7})
	if err == nil {
		t.Fatal("invalid durability accepted")
	}
}
