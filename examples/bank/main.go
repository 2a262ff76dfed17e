// Command bank is the example application: a bank whose accounts live in
// memory and whose every transfer is journaled by prevayler on the local
// store. Run it twice: the second run starts from the state the first one
// left.
//
//	go run ./examples/bank                      # journal in ./bank-data
//	go run ./examples/bank -transfers 100000 -writers 64
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/examples/bank/model"
	"github.com/prevayler-go/prevayler/localstore"
)

func main() {
	dir := flag.String("dir", "bank-data", "directory of the journal")
	accounts := flag.Int("accounts", 10_000, "number of accounts of a new bank")
	transfers := flag.Int("transfers", 20_000, "transfers to make in this run")
	writers := flag.Int("writers", 64, "concurrent callers")
	buffered := flag.Bool("buffered", false, "Buffered durability instead of Durable")
	verbose := flag.Bool("v", false, "log the library's debug output")
	flag.Parse()

	var logger *slog.Logger
	if *verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	durability := prevayler.Durable
	if *buffered {
		durability = prevayler.Buffered
	}
	ctx := context.Background()
	start := time.Now()
	p, err := prevayler.Open(ctx, model.Handle, prevayler.Options[model.Bank]{
		Store:        localstore.New(filepath.Join(*dir, "journal")),
		InitialState: model.New(*accounts, 1000),
		Durability:   durability,
		Logger:       logger,
	})
	if err != nil {
		log.Fatalf("bank: %v", err)
	}
	s := p.State()
	fmt.Printf("recovered in %v: %d accounts, %d transfers so far, total balance %d\n",
		time.Since(start).Round(time.Millisecond), s.Accounts(), s.Transfers, s.Total())

	var done, refused atomic.Int64
	var wg sync.WaitGroup
	start = time.Now()
	for w := 0; w < *writers; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(time.Now().UnixNano())))
			n := s.Accounts()
			for done.Add(1) <= int64(*transfers) {
				t := model.Transfer{From: rng.IntN(n), To: rng.IntN(n), Amount: 1 + rng.Int64N(100)}
				_, err := p.Handle(ctx, t)
				switch {
				case errors.Is(err, model.ErrInsufficient):
					refused.Add(1)
				case err != nil:
					log.Fatalf("bank: transfer: %v", err)
				}
			}
		}(uint64(w))
	}
	wg.Wait()
	elapsed := time.Since(start)
	n := int64(*transfers)
	fmt.Printf("made %d transfers (%d refused for insufficient funds) with %d writers, %s, in %v: %.0f transfers/s\n",
		n, refused.Load(), *writers, durability, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())

	if err := p.Snapshot(ctx); err != nil {
		log.Fatalf("bank: snapshot: %v", err)
	}
	s = p.State()
	if err := p.Close(); err != nil {
		log.Fatalf("bank: close: %v", err)
	}
	fmt.Printf("closed: %d transfers in all, total balance %d (unchanged by transfers)\n", s.Transfers, s.Total())
	fmt.Printf("journal files in %s; run again to see the state recovered\n", *dir)
}
