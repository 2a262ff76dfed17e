package suite

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/localstore"
)

// The allocation workload: what one caller's Handle allocates per event
// with a handler that allocates nothing, so that all of it is the
// library's and the codec's: gob, and the Binary codec with an event that
// appends itself.

// allocEvents is how many events each point measures.
const allocEvents = 2000

// BinTransfer is a transfer that encodes itself for prevayler.Binary.
type BinTransfer struct {
	From, To int32
	Amount   int64
}

func (t BinTransfer) AppendBinary(b []byte) ([]byte, error) {
	b = binary.LittleEndian.AppendUint32(b, uint32(t.From))
	b = binary.LittleEndian.AppendUint32(b, uint32(t.To))
	return binary.LittleEndian.AppendUint64(b, uint64(t.Amount)), nil
}

func (t *BinTransfer) UnmarshalBinary(b []byte) error {
	if len(b) != 16 {
		return errors.New("BinTransfer: not 16 bytes")
	}
	t.From, t.To = int32(binary.LittleEndian.Uint32(b)), int32(binary.LittleEndian.Uint32(b[4:]))
	t.Amount = int64(binary.LittleEndian.Uint64(b[8:]))
	return nil
}

func countBin(c Counter, _ BinTransfer, _ time.Time) (Counter, int64, error) {
	c.Transfers++
	return c, c.Transfers, nil
}

func (r *runner) runAllocs(ctx context.Context) {
	for _, durable := range []bool{true, false} {
		for _, c := range []prevayler.Codec{prevayler.Gob, prevayler.Binary} {
			mode := Buffered
			if durable {
				mode = Durable
			}
			name := fmt.Sprintf("allocs/%s/%s", mode, c.Name())
			if !r.o.selected(name) {
				continue
			}
			a, err := r.allocsOne(ctx, durable, c)
			if err != nil {
				r.fail(name, err)
				continue
			}
			a.Mode = mode
			r.res.Allocs = append(r.res.Allocs, a)
			r.log.Info("allocs", "mode", mode, "codec", c.Name(), "allocs_per_event", a.AllocsPerEvent, "bytes_per_event", a.BytesPerEvent)
		}
	}
}

func (r *runner) allocsOne(ctx context.Context, durable bool, c prevayler.Codec) (Allocs, error) {
	dir, err := os.MkdirTemp(r.o.Dir, "allocs-")
	if err != nil {
		return Allocs{}, err
	}
	defer os.RemoveAll(dir)
	d := prevayler.Buffered
	if durable {
		d = prevayler.Durable
	}
	p, err := prevayler.Open(ctx, countBin, prevayler.Options[Counter]{
		Store: localstore.New(filepath.Join(dir, "journal")), Durability: d, Codec: c,
	})
	if err != nil {
		return Allocs{}, err
	}
	defer p.Close()
	ev := BinTransfer{From: 1, To: 2, Amount: 3}
	for range 100 { // the codec's type information, the buffers
		if _, err := p.Handle(ctx, ev); err != nil {
			return Allocs{}, err
		}
	}
	// No runtime.GC here: it empties the library's pools, which the
	// first events would then fill again.
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	for i := range allocEvents {
		ev.From = int32(i)
		if _, err := p.Handle(ctx, ev); err != nil {
			return Allocs{}, err
		}
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&m1)
	return Allocs{
		Codec:          c.Name(),
		Events:         allocEvents,
		AllocsPerEvent: float64(m1.Mallocs-m0.Mallocs) / allocEvents,
		BytesPerEvent:  float64(m1.TotalAlloc-m0.TotalAlloc) / allocEvents,
		EventsPerSec:   allocEvents / elapsed.Seconds(),
	}, p.Close()
}
