package main

import (
	"context"
	"fmt"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/examples/bank/model"
	"github.com/prevayler-go/prevayler/store"
)

// Reader is the read-only function: a follower of the writer's journal,
// one per Lambda instance, as many instances as the read traffic needs
// (unreserved concurrency). It answers "balance" and refuses every
// change.
//
// A frozen instance runs no goroutine, so its follower does not poll
// between invocations: each invocation first calls Refresh, which reads
// what the journal gained since (one GET on S3 when nothing did). The
// state it answers from is then at most as old as what the store held
// when the invocation began. Against this example's writer, which syncs
// before it returns, that is every event acknowledged so far; against a
// Buffered writer that leaves uploads to the background, it is up to the
// writer's SleepTime behind. While an invocation runs, the follower also
// polls every FollowInterval.
type Reader struct {
	url string
	f   *prevayler.Follower[model.Bank, model.Event, model.Receipt]
	// wait bounds how long a request with Seq waits for that event.
	wait time.Duration
}

// readerWait is how long an invocation that names an event (Request.Seq)
// waits for the follower to apply it, at most.
const readerWait = 5 * time.Second

// OpenReader follows the journal at url. Its store must implement
// store.Tailer: Follow on another store fails here.
func OpenReader(ctx context.Context, url string) (*Reader, error) {
	return openReader(ctx, url, 0)
}

// openReader is OpenReader with a FollowInterval (0: the store's).
func openReader(ctx context.Context, url string, interval time.Duration) (*Reader, error) {
	s, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	f, err := prevayler.Follow(ctx, model.Apply, prevayler.Options[model.Bank]{
		Store:          s,
		InitialState:   model.New(100, 1000), // the writer's
		FollowInterval: interval,
	})
	if err != nil {
		return nil, fmt.Errorf("follow %s: %w", url, err)
	}
	return &Reader{url: url, f: f, wait: readerWait}, nil
}

// Handle serves one invocation from the follower's state, after catching
// up with the journal.
func (r *Reader) Handle(ctx context.Context, req Request) (Response, error) {
	if req.Op != "balance" {
		return Response{Error: fmt.Sprintf("op %q: this function only reads (op balance); send changes to the writer function", req.Op)}, nil
	}
	if err := r.f.Refresh(ctx); err != nil {
		if stop := r.f.Err(); stop != nil {
			// Corrupt or diverged journal: this instance cannot go on;
			// failing makes Lambda replace it.
			return Response{}, stop
		}
		// A transient store error: answer from the state it has, which
		// Seq tells, unless the caller asked for a later event.
	}
	if req.Seq > 0 {
		wctx, cancel := context.WithTimeout(ctx, r.wait)
		defer cancel()
		if err := r.f.WaitFor(wctx, req.Seq); err != nil {
			return Response{Seq: r.f.Seq(), Error: fmt.Sprintf("event %d not visible yet: %v", req.Seq, err)}, nil
		}
	}
	b, seq := r.f.StateSeq()
	bal, err := b.Balance(req.Account)
	if err != nil {
		return Response{Seq: seq, Error: err.Error()}, nil
	}
	return Response{Account: req.Account, Balance: bal, Seq: seq}, nil
}

// Close stops following.
func (r *Reader) Close() error { return r.f.Close() }
