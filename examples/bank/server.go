package main

import (
	"context"
	"encoding/json"
	"errors"
	"expvar"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/examples/bank/model"
)

// serve runs the HTTP service until ctx ends, then shuts it down
// gracefully: no new connections, requests in flight finish, and only then
// the journal is closed, so every acknowledged event is durable. ln is
// the listener to use; nil listens on cfg.addr.
func serve(ctx context.Context, cfg config, ln net.Listener, out io.Writer) (err error) {
	svc, err := openService(ctx, cfg, out)
	if err != nil {
		return err
	}
	defer func() {
		if _, cerr := svc.close(); err == nil {
			err = cerr
		}
	}()
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.addr); err != nil {
			return err
		}
	}
	publishStats(svc.stats)
	mux := http.NewServeMux()
	mux.Handle("/", svc.handler)
	mux.Handle("GET /debug/vars", expvar.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(out, "serving on http://%s (Ctrl-C to stop)\n", ln.Addr())

	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(out, "shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	<-done // http.ErrServerClosed
	summary, err := svc.close()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "closed: %s\n", summary)
	return nil
}

// service is what serve runs: the writer's API, or a follower's.
type service struct {
	handler http.Handler
	stats   func() any // for /debug/vars
	// close closes the journal or the follower (a second call returns
	// the first's result) and says what the service leaves behind.
	close func() (string, error)
}

// openService opens the bank's journal, or a follower of it with -follow.
func openService(ctx context.Context, cfg config, out io.Writer) (*service, error) {
	if cfg.follow != "" {
		return openFollowerService(ctx, cfg, out)
	}
	p, err := open(ctx, cfg, out)
	if err != nil {
		return nil, err
	}
	var once sync.Once
	var summary string
	var cerr error
	return &service{
		handler: newHandler(p),
		stats:   func() any { return statsJSON(p.Stats(), p.Seq()) },
		close: func() (string, error) {
			once.Do(func() {
				s := p.State()
				cerr = p.Close()
				summary = fmt.Sprintf("%d transfers and %d deposits in all", s.Transfers, s.Deposits)
			})
			return summary, cerr
		},
	}, nil
}

// current gives the statistics /debug/vars shows; expvar names are per
// process, so the variable is published once and follows the service.
var (
	current     atomic.Pointer[func() any]
	publishOnce sync.Once
)

func publishStats(stats func() any) {
	current.Store(&stats)
	publishOnce.Do(func() {
		expvar.Publish("prevayler", expvar.Func(func() any {
			if f := current.Load(); f != nil {
				return (*f)()
			}
			return nil
		}))
	})
}

// statsJSON is prevayler.Stats as JSON can show it: the error as text;
// seq is the writer's Seq.
func statsJSON(s prevayler.Stats, seq uint64) map[string]any {
	m := map[string]any{
		"role": "writer", "seq": seq, "events": s.Events, "refused": s.Refused, "bytes": s.Bytes, "writes": s.Writes, "syncs": s.Syncs,
		"last_batch": s.LastBatch, "max_batch": s.MaxBatch, "snapshots": s.Snapshots,
		"pending_bytes": s.PendingBytes, "pending_age_seconds": s.PendingAge.Seconds(), "last_error": nil,
	}
	if s.LastError != nil {
		m["last_error"] = s.LastError.Error()
	}
	return m
}

// newHandler returns the JSON API of the bank p. Every reply carries the
// number of the last event of the state it shows, or of the event it
// journaled, in the header SeqHeader.
func newHandler(p *bank) http.Handler {
	mux := http.NewServeMux()
	readRoutes(mux, func(w http.ResponseWriter, _ *http.Request) (model.Bank, bool) {
		b, seq := p.StateSeq()
		setSeq(w, seq)
		return b, true
	})
	mux.HandleFunc("POST /accounts", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Initial int64 `json:"initial"`
		}
		handle(w, r, p, &in, func() model.Event { return model.OpenAccount{Initial: in.Initial} }, func(rc model.Receipt) any {
			return map[string]any{"account": rc.Account, "balance": rc.Balance}
		}, http.StatusCreated)
	})
	mux.HandleFunc("POST /deposits", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Account int   `json:"account"`
			Amount  int64 `json:"amount"`
		}
		handle(w, r, p, &in, func() model.Event { return model.Deposit{Account: in.Account, Amount: in.Amount} }, func(rc model.Receipt) any {
			return map[string]any{"account": rc.Account, "balance": rc.Balance}
		}, http.StatusOK)
	})
	mux.HandleFunc("POST /transfers", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			From   int   `json:"from"`
			To     int   `json:"to"`
			Amount int64 `json:"amount"`
		}
		handle(w, r, p, &in, func() model.Event { return model.Transfer{From: in.From, To: in.To, Amount: in.Amount} }, func(rc model.Receipt) any {
			return map[string]any{"from_balance": rc.FromBalance, "to_balance": rc.ToBalance}
		}, http.StatusOK)
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		seq := p.Seq()
		setSeq(w, seq)
		reply(w, http.StatusOK, statsJSON(p.Stats(), seq))
	})
	return mux
}

// SeqHeader carries an event's sequence number: in a reply, the number of
// the last event of the state shown or of the event journaled; in a
// request to a follower, the number it must have applied before it
// answers (as ?seq=N does).
const SeqHeader = "Prevayler-Seq"

func setSeq(w http.ResponseWriter, seq uint64) {
	w.Header().Set(SeqHeader, strconv.FormatUint(seq, 10))
}

// viewer returns the state a read request is answered from, or replies
// itself (an error) and returns false.
type viewer func(w http.ResponseWriter, r *http.Request) (model.Bank, bool)

// readRoutes adds the read-only requests, answered from view.
func readRoutes(mux *http.ServeMux, view viewer) {
	mux.HandleFunc("GET /accounts", func(w http.ResponseWriter, r *http.Request) {
		b, ok := view(w, r)
		if !ok {
			return
		}
		offset, limit, err := page(r, b.Accounts())
		if err != nil {
			reply(w, http.StatusBadRequest, errorBody(err))
			return
		}
		type account struct {
			ID      int   `json:"id"`
			Balance int64 `json:"balance"`
		}
		list := make([]account, 0, limit)
		for id := offset; id < offset+limit; id++ {
			bal, _ := b.Balance(id)
			list = append(list, account{id, bal})
		}
		reply(w, http.StatusOK, map[string]any{
			"count": b.Accounts(), "total": b.Total(), "transfers": b.Transfers, "deposits": b.Deposits,
			"offset": offset, "accounts": list,
		})
	})
	mux.HandleFunc("GET /accounts/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		if err != nil {
			reply(w, http.StatusBadRequest, errorBody(fmt.Errorf("account %q is not a number", r.PathValue("id"))))
			return
		}
		b, ok := view(w, r)
		if !ok {
			return
		}
		bal, err := b.Balance(id)
		if err != nil {
			reply(w, status(err), errorBody(err))
			return
		}
		reply(w, http.StatusOK, map[string]any{"account": id, "balance": bal})
	})
}

// handle decodes the request into in, journals the event it makes, and
// replies with ok and what out makes of the receipt, or with the error.
func handle(w http.ResponseWriter, r *http.Request, p *bank, in any, event func() model.Event, out func(model.Receipt) any, ok int) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(in); err != nil {
		reply(w, http.StatusBadRequest, errorBody(fmt.Errorf("bad request body: %w", err)))
		return
	}
	rc, err := p.Handle(r.Context(), event())
	if err != nil {
		reply(w, status(err), errorBody(err))
		return
	}
	// At least this event's number: a follower asked to wait for it
	// shows this write.
	setSeq(w, p.Seq())
	reply(w, ok, out(rc))
}

// status maps an error of Handle to an HTTP status: the bank's refusals
// are the client's business, anything else (a journal failure, a closed
// bank) is the service's.
func status(err error) int {
	switch {
	case errors.Is(err, model.ErrNoAccount):
		return http.StatusNotFound
	case errors.Is(err, model.ErrInsufficient):
		return http.StatusConflict
	case errors.Is(err, model.ErrAmount):
		return http.StatusBadRequest
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// page reads ?offset= and ?limit= (default 100, at most 1000) for n
// accounts.
func page(r *http.Request, n int) (offset, limit int, err error) {
	offset, limit = 0, 100
	for name, v := range map[string]*int{"offset": &offset, "limit": &limit} {
		if s := r.URL.Query().Get(name); s != "" {
			if *v, err = strconv.Atoi(s); err != nil || *v < 0 {
				return 0, 0, fmt.Errorf("%s=%q: want a number >= 0", name, s)
			}
		}
	}
	limit = min(limit, 1000, max(n-offset, 0))
	return offset, limit, nil
}

func errorBody(err error) map[string]string { return map[string]string{"error": err.Error()} }

func reply(w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}
