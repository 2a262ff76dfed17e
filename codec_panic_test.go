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

// brittleCodec is gob, except that NewEncoder or NewDecoder panics while
// armed, as a codec with a bug in its set-up might.
type brittleCodec struct {
	encPanics, decPanics *atomic.Bool
}

func (c brittleCodec) Name() string { return prevayler.Gob.Name() }

func (c brittleCodec) NewEncoder(w io.Writer) prevayler.Encoder {
	if c.encPanics.Load() {
		panic("new encoder boom")
	}
	return prevayler.Gob.NewEncoder(w)
}

func (c brittleCodec) NewDecoder(r io.Reader) prevayler.Decoder {
	if c.decPanics.Load() {
		panic("new decoder boom")
	}
	return prevayler.Gob.NewDecoder(r)
}

func addInt(s int, e int, _ time.Time) (int, int, error) { return s + e, s + e, nil }

func TestCodecPanicInNewEncoderLeavesTheSystemUsable(t *testing.T) {
	ctx := context.Background()
	c := brittleCodec{new(atomic.Bool), new(atomic.Bool)}
	st := memstore.New()
	p, err := prevayler.Open(ctx, addInt, prevayler.Options[int]{Store: st, Codec: c})
	if err != nil {
		t.Fatal(err)
	}
	c.encPanics.Store(true)
	_, err = p.Handle(ctx, 1)
	var pe *prevayler.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("Handle with a panicking NewEncoder = %v, want a *PanicError", err)
	}
	if err := p.Snapshot(ctx); !errors.As(err, &pe) {
		t.Fatalf("Snapshot with a panicking NewEncoder = %v, want a *PanicError", err)
	}
	c.encPanics.Store(false)
	done := make(chan error, 1)
	go func() {
		_, err := p.Handle(ctx, 2)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Handle after the panic: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Handle after a panic in NewEncoder hangs: the apply lock was left held")
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	c.decPanics.Store(true)
	if _, err := prevayler.Open(ctx, addInt, prevayler.Options[int]{Store: st.Reopen(), Codec: c}); !errors.As(err, &pe) {
		t.Fatalf("Open with a panicking NewDecoder = %v, want a *PanicError", err)
	}
	c.decPanics.Store(false)
	p, err = prevayler.Open(ctx, addInt, prevayler.Options[int]{Store: st.Reopen(), Codec: c})
	if err != nil {
		t.Fatalf("Open after the failed one: %v", err)
	}
	defer p.Close()
	if got := p.State(); got != 2 {
		t.Fatalf("recovered state %d, want 2", got)
	}
}
