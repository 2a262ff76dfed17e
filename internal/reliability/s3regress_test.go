package reliability_test

import (
	"context"
	"testing"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/reliability/faultproxy"
)

// A response cut short (the connection drops in the middle of the body) is
// a transport failure like a reset, and must be retried, whichever
// request it strikes: the store may refuse to open only after its retry
// policy gives up. Every other truncated response of one kind is cut
// here, so one retry suffices.
func TestS3TruncatedResponsesAreRetried(t *testing.T) {
	for _, op := range []string{"LIST", "GET"} {
		t.Run(op, func(t *testing.T) {
			ctx := context.Background()
			e := newS3Env(t)
			r := newSRun()
			p, err := r.open(ctx, e.store(e.direct), prevayler.Durable)
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if err := r.handle(ctx, p, 1); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			n := 0
			e.proxy.SetRule(func(req faultproxy.Request) faultproxy.Fault {
				if req.Op() != op {
					return faultproxy.Pass
				}
				n++
				if n%2 == 1 {
					return faultproxy.Truncate
				}
				return faultproxy.Pass
			})
			q, err := prevayler.Open(ctx, sApply, prevayler.Options[sLog]{Store: e.store(e.faulty)})
			if err != nil {
				t.Fatalf("Open with every other %s response truncated: %v", op, err)
			}
			defer q.Close()
			if got := len(q.State().Events); got != 3 {
				t.Fatalf("recovered %d events, want 3", got)
			}
			if e.proxy.Count(faultproxy.Truncate) == 0 {
				t.Fatalf("no %s response was truncated", op)
			}
		})
	}
}
