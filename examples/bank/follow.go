package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/examples/bank/model"
	"github.com/prevayler-go/prevayler/store"
)

// follower is a read replica of the bank: it applies the events its
// writer journals, in another process, on the same machine or not.
type follower = prevayler.Follower[model.Bank, model.Event, model.Receipt]

// openFollowerService follows the journal at cfg.follow.
func openFollowerService(ctx context.Context, cfg config, out io.Writer) (*service, error) {
	s, err := store.Open(ctx, cfg.follow)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	f, err := prevayler.Follow(ctx, model.Apply, prevayler.Options[model.Bank]{
		Store:          s,
		InitialState:   model.New(cfg.accounts, 1000),
		FollowInterval: cfg.interval,
		Logger:         logger(cfg),
	})
	if err != nil {
		return nil, err
	}
	b, seq := f.StateSeq()
	fmt.Fprintf(out, "following %s from event %d (recovered in %v): %d accounts, %d transfers and %d deposits so far\n",
		cfg.follow, seq, time.Since(start).Round(time.Millisecond), b.Accounts(), b.Transfers, b.Deposits)
	var once sync.Once
	var cerr error
	return &service{
		handler: newFollowerHandler(f, cfg),
		stats:   func() any { return followerStatsJSON(f.Stats()) },
		close: func() (string, error) {
			once.Do(func() { cerr = f.Close() })
			return fmt.Sprintf("followed %s to event %d", cfg.follow, f.Seq()), cerr
		},
	}, nil
}

// newFollowerHandler returns the read-only JSON API of a follower: the
// GET requests of newHandler, answered from f's state, and 405 for every
// write, naming where writes go. A request that carries ?seq=N or the
// header SeqHeader waits (at most cfg.wait) until f has applied event N,
// so a client that wrote through the writer reads its own write; when f
// is behind N it checks the store at once instead of at the next poll.
func newFollowerHandler(f *follower, cfg config) http.Handler {
	mux := http.NewServeMux()
	readRoutes(mux, func(w http.ResponseWriter, r *http.Request) (model.Bank, bool) {
		if !waitForSeq(w, r, f, cfg.wait) {
			return model.Bank{}, false
		}
		b, seq := f.StateSeq()
		setSeq(w, seq)
		return b, true
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		st := f.Stats()
		setSeq(w, st.Seq)
		reply(w, http.StatusOK, followerStatsJSON(st))
	})
	writer := "the writer of " + cfg.follow
	if cfg.writer != "" {
		writer = "the writer at " + cfg.writer
	}
	refuse := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET")
		reply(w, http.StatusMethodNotAllowed, errorBody(fmt.Errorf(
			"this is a read-only follower of %s: send %s %s to %s", cfg.follow, r.Method, r.URL.Path, writer)))
	}
	for _, path := range []string{"/accounts", "/deposits", "/transfers"} {
		for _, m := range []string{"POST", "PUT", "PATCH", "DELETE"} {
			mux.HandleFunc(m+" "+path, refuse)
		}
	}
	return mux
}

// waitForSeq waits until f has applied the event the request names, if
// it names one, and otherwise replies with an error and returns false.
func waitForSeq(w http.ResponseWriter, r *http.Request, f *follower, wait time.Duration) bool {
	raw, from := r.URL.Query().Get("seq"), "seq="
	if raw == "" {
		raw, from = r.Header.Get(SeqHeader), SeqHeader+": "
	}
	if raw == "" {
		return true
	}
	want, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		reply(w, http.StatusBadRequest, errorBody(fmt.Errorf("%s%q: want an event's sequence number", from, raw)))
		return false
	}
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	if f.Seq() < want {
		// Check the store now rather than at the next poll: the client
		// knows the event exists. A failed check is retried by the polls
		// WaitFor waits for.
		f.Refresh(ctx)
	}
	err = f.WaitFor(ctx, want)
	switch {
	case err == nil:
		return true
	case errors.Is(err, context.DeadlineExceeded):
		// The writer may not have made the event visible yet (a Buffered
		// S3 writer uploads every SleepTime): the client may retry.
		w.Header().Set("Retry-After", "1")
		setSeq(w, f.Seq())
		reply(w, http.StatusServiceUnavailable, errorBody(fmt.Errorf(
			"the follower has applied events up to %d, not yet %d, after %v", f.Seq(), want, wait)))
	default:
		reply(w, http.StatusServiceUnavailable, errorBody(fmt.Errorf("the follower cannot answer: %w", err)))
	}
	return false
}

// followerStatsJSON is prevayler.FollowerStats as JSON can show it.
func followerStatsJSON(s prevayler.FollowerStats) map[string]any {
	m := map[string]any{
		"role": "follower", "seq": s.Seq, "polls": s.Polls, "failures": s.Failures, "events": s.Events,
		"rotations": s.Rotations, "reloads": s.Reloads, "caught_up_at": nil, "caught_up_seconds_ago": nil,
		"last_error": nil,
	}
	if !s.CaughtUpAt.IsZero() {
		m["caught_up_at"] = s.CaughtUpAt.UTC().Format(time.RFC3339Nano)
		m["caught_up_seconds_ago"] = time.Since(s.CaughtUpAt).Seconds()
	}
	if s.LastError != nil {
		m["last_error"] = s.LastError.Error()
	}
	return m
}
