// Command reliability runs the library's reliability harness and prints
// its figures as a Markdown table: crash points enumerated on crashfs and
// on the memory store, I/O faults, flipped bytes, SIGKILL rounds, S3
// faults, fuzz executions and the soak test, each with the acknowledged
// events lost and the wrong recoveries seen.
//
// From the module's root:
//
//	go run ./internal/reliability/cmd/reliability          # bounded, about 3 minutes
//	go run ./internal/reliability/cmd/reliability -full    # thousands of rounds, longer fuzzing
//
// It exits with status 1 if any acknowledged event was lost, any recovery
// was wrong or any step failed. PREVAYLER_S3_ENDPOINT, when set, puts the
// S3 rows on that server instead of the in-process one.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/prevayler-go/prevayler/internal/reliability"
)

func main() {
	var cfg reliability.Config
	flag.BoolVar(&cfg.Full, "full", false, "run the long version: larger workloads, 1000 SIGKILL rounds, 2m soak, 1m per fuzz target")
	flag.IntVar(&cfg.KillRounds, "kill-rounds", 0, "SIGKILL rounds (default 24, or 1000 with -full)")
	flag.DurationVar(&cfg.Soak, "soak", 0, "soak test length (default 10s, or 2m with -full)")
	flag.DurationVar(&cfg.FuzzTime, "fuzztime", 0, "time per fuzz target (default 5s, or 1m with -full)")
	quiet := flag.Bool("q", false, "print only the table")
	flag.Parse()
	if !*quiet {
		cfg.Log = os.Stderr
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	figs, err := reliability.Run(ctx, cfg)
	fmt.Print(reliability.Table(figs))
	lost, wrong := reliability.Totals(figs)
	fmt.Printf("\nIn all: acknowledged events lost: %d, wrong recoveries: %d (%v, %s)\n", lost, wrong, time.Since(start).Round(time.Second), mode(cfg.Full))
	if err != nil {
		fmt.Fprintln(os.Stderr, "reliability:", err)
		os.Exit(2)
	}
	if lost > 0 || wrong > 0 {
		os.Exit(1)
	}
}

func mode(full bool) string {
	if full {
		return "full run"
	}
	return "bounded run"
}
