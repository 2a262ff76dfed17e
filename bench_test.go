package prevayler_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/examples/bank/model"
	"github.com/prevayler-go/prevayler/localstore"
)

// These benchmarks give the library's own figures; bench/ compares them
// with other stores in the same run.

func openBank(b *testing.B, d prevayler.Durability) *prevayler.Prevayler[model.Bank, model.Transfer, model.Receipt] {
	b.Helper()
	p, err := prevayler.Open(context.Background(), model.Handle, prevayler.Options[model.Bank]{
		Store:        localstore.New(filepath.Join(b.TempDir(), "journal")),
		InitialState: model.New(10_000, 1_000_000),
		Durability:   d,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	return p
}

// BenchmarkTransfer runs bank transfers from a fixed number of concurrent
// callers (a closed loop), reporting transfers per second.
func BenchmarkTransfer(b *testing.B) {
	for _, d := range []prevayler.Durability{prevayler.Durable, prevayler.Buffered} {
		for _, writers := range []int{1, 16, 64, 256} {
			b.Run(fmt.Sprintf("%s/writers=%d", d, writers), func(b *testing.B) {
				p := openBank(b, d)
				var next atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				for w := 0; w < writers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := next.Add(1)
							if i > int64(b.N) {
								return
							}
							t := model.Transfer{From: int(i*7919) % 10_000, To: int(i*104729) % 10_000, Amount: 1}
							if _, err := p.Handle(context.Background(), t); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transfers/s")
				st := p.Stats()
				b.ReportMetric(float64(st.Events)/float64(max(st.Writes, 1)), "events/write")
				if st.Syncs > 0 {
					b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(st.Syncs), "µs/sync")
				}
			})
		}
	}
}

func BenchmarkState(b *testing.B) {
	p := openBank(b, prevayler.Durable)
	var sink int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, _ := p.State().Balance(i % 10_000)
		sink += v
	}
	if sink == 0 {
		b.Fatal("no balance read")
	}
}

// BenchmarkReplay measures start-up: replaying b.N journaled transfers
// into the bank of examples/bank/model.
func BenchmarkReplay(b *testing.B) {
	benchReplay(b, model.Handle, model.New(10_000, 1_000_000), func(s model.Bank) int64 { return s.Transfers })
}

// counter is a state that only counts transfers: replaying it leaves the
// library's own cost, reading, checking and decoding the journal.
type counter struct{ Transfers int64 }

// BenchmarkReplayCounter is BenchmarkReplay without the business logic.
func BenchmarkReplayCounter(b *testing.B) {
	count := func(c counter, _ model.Transfer, _ time.Time) (counter, model.Receipt, error) {
		c.Transfers++
		return c, model.Receipt{}, nil
	}
	benchReplay(b, count, counter{}, func(c counter) int64 { return c.Transfers })
}

func benchReplay[S any](b *testing.B, h prevayler.Handler[S, model.Transfer, model.Receipt], initial S, transfers func(S) int64) {
	dir := b.TempDir()
	open := func() *prevayler.Prevayler[S, model.Transfer, model.Receipt] {
		p, err := prevayler.Open(context.Background(), h, prevayler.Options[S]{
			Store:        localstore.New(filepath.Join(dir, "journal")),
			InitialState: initial,
			Durability:   prevayler.Buffered,
		})
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	p := open()
	for i := 0; i < b.N; i++ {
		if _, err := p.Handle(context.Background(), model.Transfer{From: i % 10_000, To: (i * 31) % 10_000, Amount: 1}); err != nil {
			b.Fatal(err)
		}
	}
	p.Close()
	b.ResetTimer()
	p = open()
	b.StopTimer()
	if got := transfers(p.State()); got != int64(b.N) {
		b.Fatalf("replayed %d transfers, want %d", got, b.N)
	}
	p.Close()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkHandleCodec is one caller's Handle with a trivial handler, for
// each codec: run with -benchmem, it shows what the library allocates per
// event (nothing but a slab of published states now and then) beside what
// the codec costs.
func BenchmarkHandleCodec(b *testing.B) {
	for _, d := range []prevayler.Durability{prevayler.Durable, prevayler.Buffered} {
		for _, c := range []prevayler.Codec{prevayler.Gob, prevayler.Binary} {
			b.Run(d.String()+"/"+c.Name(), func(b *testing.B) {
				p, err := prevayler.Open(context.Background(), countMove, prevayler.Options[tally]{
					Store: localstore.New(filepath.Join(b.TempDir(), "journal")), Durability: d, Codec: c,
				})
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close()
				ctx := context.Background()
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					if _, err := p.Handle(ctx, binMove{From: int32(i), To: int32(i + 1), Amount: 1}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}
