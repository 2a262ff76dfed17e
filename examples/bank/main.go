package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/examples/bank/model"
	_ "github.com/prevayler-go/prevayler/s3store" // -store s3://...
	"github.com/prevayler-go/prevayler/store"
)

// config is the command line.
type config struct {
	store     string
	addr      string
	demo      bool
	accounts  int
	transfers int
	writers   int
	buffered  bool
	verbose   bool

	follow   string        // -follow: the journal to follow, read-only
	writer   string        // where writes go, named by a follower's 405
	interval time.Duration // FollowInterval
	wait     time.Duration // longest wait of a follower for ?seq=N
}

// bank is the prevalent system of this application.
type bank = prevayler.Prevayler[model.Bank, model.Event, model.Receipt]

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit status. ctx ends the
// service (SIGINT or SIGTERM in main).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bank", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.store, "store", "bank-data/journal", "journal `URL`: a path, file:///abs/path or s3://BUCKET/KEY?region=...")
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "HTTP listen `address`")
	fs.BoolVar(&cfg.demo, "demo", false, "make -transfers transfers, print the state recovered and exit, instead of serving HTTP")
	fs.IntVar(&cfg.accounts, "accounts", 10_000, "number of accounts of a new bank")
	fs.IntVar(&cfg.transfers, "transfers", 20_000, "transfers to make in -demo mode")
	fs.IntVar(&cfg.writers, "writers", 64, "concurrent callers in -demo mode")
	fs.BoolVar(&cfg.buffered, "buffered", false, "Buffered durability instead of Durable")
	fs.BoolVar(&cfg.verbose, "v", false, "log the library's debug output")
	fs.StringVar(&cfg.follow, "follow", "", "serve the read-only requests from a follower of the journal at `URL`; refuse writes")
	fs.StringVar(&cfg.writer, "writer", "", "with -follow: the writer's `URL`, named to clients whose writes are refused")
	fs.DurationVar(&cfg.interval, "follow-interval", 0, "with -follow: how often the journal is checked (0: the store's default)")
	fs.DurationVar(&cfg.wait, "wait", 5*time.Second, "with -follow: how long a request with ?seq=N waits for event N")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bank: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if cfg.follow != "" && cfg.demo {
		fmt.Fprintln(stderr, "bank: -demo writes; it cannot run with -follow")
		return 2
	}
	var err error
	if cfg.demo {
		err = demo(ctx, cfg, stdout)
	} else {
		err = serve(ctx, cfg, nil, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "bank: %v\n", err)
		return 1
	}
	return 0
}

// logger is the library's logger: debug output with -v, else none.
func logger(cfg config) *slog.Logger {
	if !cfg.verbose {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// open opens the bank's journal at cfg.store and reports what it
// recovered.
func open(ctx context.Context, cfg config, out io.Writer) (*bank, error) {
	s, err := store.Open(ctx, cfg.store)
	if err != nil {
		return nil, err
	}
	durability := prevayler.Durable
	if cfg.buffered {
		durability = prevayler.Buffered
	}
	start := time.Now()
	p, err := prevayler.Open(ctx, model.Apply, prevayler.Options[model.Bank]{
		Store:        s,
		InitialState: model.New(cfg.accounts, 1000),
		Durability:   durability,
		Logger:       logger(cfg),
	})
	if err != nil {
		return nil, err
	}
	b := p.State()
	fmt.Fprintf(out, "recovered %s in %v: %d accounts, %d transfers and %d deposits so far, total balance %d\n",
		cfg.store, time.Since(start).Round(time.Millisecond), b.Accounts(), b.Transfers, b.Deposits, b.Total())
	return p, nil
}
