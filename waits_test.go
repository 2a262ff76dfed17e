package prevayler_test

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// A Sync whose context can end, racing Close, returns when the close has
// made everything durable, not when its context ends: the writer's
// goroutine may stop with the Sync's request still queued.
func TestSyncRacingCloseReturnsWithTheClose(t *testing.T) {
	for i := 0; i < 300; i++ {
		p := mustOpen(t, memstore.New(), prevayler.Options[ledger]{Durability: prevayler.Buffered})
		mustHandle(t, p, 1)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		took := make(chan time.Duration)
		go func() {
			start := time.Now()
			err := p.Sync(ctx)
			if err != nil && !errors.Is(err, prevayler.ErrClosed) {
				t.Errorf("Sync racing Close: %v", err)
			}
			took <- time.Since(start)
		}()
		time.Sleep(time.Duration(i%20) * time.Microsecond) // vary the interleaving
		mustClose(t, p)
		d := <-took
		cancel()
		if d > time.Second {
			t.Fatalf("iteration %d: Sync returned %v after it started, Close long done", i, d.Round(time.Millisecond))
		}
	}
}

// gatedCodec is gob, except that encoding the state waits for gate while
// armed, as a large snapshot would take its time.
type gatedCodec struct {
	armed   *atomic.Bool
	entered chan struct{}
	gate    chan struct{}
}

func (c gatedCodec) Name() string { return prevayler.Gob.Name() }

func (c gatedCodec) NewEncoder(w io.Writer) prevayler.Encoder {
	return gatedEncoder{c, prevayler.Gob.NewEncoder(w)}
}

func (c gatedCodec) NewDecoder(r io.Reader) prevayler.Decoder { return prevayler.Gob.NewDecoder(r) }

type gatedEncoder struct {
	c   gatedCodec
	enc prevayler.Encoder
}

func (e gatedEncoder) Encode(v any) error {
	if _, ok := v.(*ledger); ok && e.c.armed.Load() {
		e.c.entered <- struct{}{}
		<-e.c.gate
	}
	return e.enc.Encode(v)
}

// A Snapshot waiting for another one honours its context.
func TestSnapshotWaitingForAnotherHonoursItsContext(t *testing.T) {
	c := gatedCodec{armed: new(atomic.Bool), entered: make(chan struct{}, 1), gate: make(chan struct{})}
	p := mustOpen(t, memstore.New(), prevayler.Options[ledger]{Codec: c})
	defer p.Close()
	mustHandle(t, p, 1)
	c.armed.Store(true)
	first := make(chan error, 1)
	go func() { first <- p.Snapshot(context.Background()) }()
	<-c.entered
	defer close(c.gate)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	second := make(chan error, 1)
	go func() { second <- p.Snapshot(ctx) }()
	select {
	case err := <-second:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("second Snapshot: %v, want its deadline", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("second Snapshot still waiting for the first, its deadline long past")
	}
	c.armed.Store(false)
	c.gate <- struct{}{}
	if err := <-first; err != nil {
		t.Fatalf("first Snapshot: %v", err)
	}
}
