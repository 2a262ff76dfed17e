// Command lambda is an AWS Lambda function whose state, a bank, lives in
// memory and whose journal lives in S3. The journal's URL comes from the
// environment variable JOURNAL_URL, for instance
//
//	JOURNAL_URL=s3://my-bucket/apps/bank/journal?region=eu-west-1
//
// The prevalent system is opened once per cold start, in Buffered mode:
// Handle returns at once, and the handler calls Sync before it returns,
// because the goroutines of a frozen function do not run, and the upload
// that Buffered mode leaves to them would wait for the next invocation.
// When the handler returns, every event it acknowledged is stored in S3.
//
// Give the function a reserved concurrency of 1: the journal has one
// writer, and a second instance takes it over, after which the first one's
// events fail with prevayler.ErrFenced (it then reopens the journal,
// taking it back, on its next invocation).
//
// With ROLE=reader the same binary is a read-only function (see Reader):
// a follower of the journal per instance, with unreserved concurrency, so
// reads scale out while the writer stays one. A reader needs a store
// that implements store.Tailer.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/examples/bank/model"
	_ "github.com/prevayler-go/prevayler/s3store" // s3:// URLs
	"github.com/prevayler-go/prevayler/store"
)

// Request is the event the function receives.
type Request struct {
	Op      string `json:"op"` // "open", "deposit", "transfer" or "balance"
	Account int    `json:"account,omitempty"`
	From    int    `json:"from,omitempty"`
	To      int    `json:"to,omitempty"`
	Amount  int64  `json:"amount,omitempty"`
	// Seq, for the reader, is the number of an event the answer must
	// include: the Seq of a writer's response, so that a client reads
	// its own writes.
	Seq uint64 `json:"seq,omitempty"`
}

// Response is what the function returns. A refusal of the bank (no such
// account, insufficient funds) is an Error in a successful invocation; a
// failure of the journal fails the invocation.
type Response struct {
	Account     int    `json:"account"`
	Balance     int64  `json:"balance"`
	FromBalance int64  `json:"from_balance,omitempty"`
	ToBalance   int64  `json:"to_balance,omitempty"`
	Error       string `json:"error,omitempty"`
	// Seq is the number of the last event in the state answered from
	// (reader, balance), or at least of the event journaled (writer).
	Seq uint64 `json:"seq,omitempty"`
}

// Function keeps the bank of one Lambda instance between invocations.
type Function struct {
	url string

	mu sync.Mutex
	p  *prevayler.Prevayler[model.Bank, model.Event, model.Receipt]
}

// Open opens the journal at url and recovers the bank.
func Open(ctx context.Context, url string) (*Function, error) {
	f := &Function{url: url}
	if err := f.open(ctx); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *Function) open(ctx context.Context) error {
	s, err := store.Open(ctx, f.url)
	if err != nil {
		return err
	}
	p, err := prevayler.Open(ctx, model.Apply, prevayler.Options[model.Bank]{
		Store:        s,
		InitialState: model.New(100, 1000),
		Durability:   prevayler.Buffered,
	})
	if err != nil {
		return fmt.Errorf("open %s: %w", f.url, err)
	}
	f.p = p
	return nil
}

// Handle serves one invocation.
func (f *Function) Handle(ctx context.Context, req Request) (Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.p == nil {
		if err := f.open(ctx); err != nil {
			return Response{}, err
		}
	}
	if req.Op == "balance" {
		bal, err := f.p.State().Balance(req.Account)
		if err != nil {
			return Response{Error: err.Error()}, nil
		}
		return Response{Account: req.Account, Balance: bal, Seq: f.p.Seq()}, nil
	}
	var e model.Event
	switch req.Op {
	case "open":
		e = model.OpenAccount{Initial: req.Amount}
	case "deposit":
		e = model.Deposit{Account: req.Account, Amount: req.Amount}
	case "transfer":
		e = model.Transfer{From: req.From, To: req.To, Amount: req.Amount}
	default:
		return Response{Error: fmt.Sprintf("unknown op %q: want open, deposit, transfer or balance", req.Op)}, nil
	}
	rc, err := f.p.Handle(ctx, e)
	if err == nil {
		// Buffered: the event is in the upload buffer. Store it before
		// the function freezes.
		err = f.p.Sync(ctx)
	}
	switch {
	case errors.Is(err, model.ErrNoAccount), errors.Is(err, model.ErrInsufficient), errors.Is(err, model.ErrAmount):
		return Response{Error: err.Error()}, nil
	case err != nil:
		// The journal failed, or another instance took it over
		// (prevayler.ErrFenced) and this one's state is stale: either
		// way the instance refuses events until it reopens the journal,
		// which the next invocation does.
		f.p.Close()
		f.p = nil
		return Response{}, err
	}
	return Response{Account: rc.Account, Balance: rc.Balance, FromBalance: rc.FromBalance, ToBalance: rc.ToBalance, Seq: f.p.Seq()}, nil
}

// Close closes the journal, storing everything.
func (f *Function) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.p == nil {
		return nil
	}
	return f.p.Close()
}

func main() {
	url := os.Getenv("JOURNAL_URL")
	if url == "" {
		log.Fatal("lambda: set JOURNAL_URL to the journal's URL, such as s3://BUCKET/apps/bank/journal")
	}
	// The init phase of a cold start: recover the state once.
	switch role := os.Getenv("ROLE"); role {
	case "", "writer":
		f, err := Open(context.Background(), url)
		if err != nil {
			log.Fatalf("lambda: %v", err)
		}
		lambda.Start(f.Handle)
	case "reader":
		r, err := OpenReader(context.Background(), url)
		if err != nil {
			log.Fatalf("lambda: %v", err)
		}
		lambda.Start(r.Handle)
	default:
		log.Fatalf("lambda: ROLE=%q: want writer (the default) or reader", role)
	}
}
