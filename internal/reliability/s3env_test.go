package reliability_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/reliability/faultproxy"
	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/uploader"
)

// s3Env is one journal on the test's S3 server, reached directly and
// through a fault proxy.
type s3Env struct {
	t      *testing.T
	direct *s3.Client     // no faults: to seed and to check
	faulty s3store.Client // through the proxy
	proxy  *faultproxy.Proxy
	bucket string
	key    string
}

// Per-attempt timeout of the stores under test, and how late a Late
// request arrives: after the attempt gave up.
const (
	attemptTimeout = 400 * time.Millisecond
	lateBy         = 500 * time.Millisecond
)

// newS3Env uses the server of PREVAYLER_S3_ENDPOINT if set, else an
// in-process gofakes3, and puts a fault proxy in front of it.
func newS3Env(t *testing.T) *s3Env {
	t.Helper()
	e := &s3Env{t: t}
	var endpoint string
	newClient := s3test.NewClient
	if ep := os.Getenv(s3test.EnvEndpoint); ep != "" {
		var kind string
		e.direct, e.bucket, kind = s3test.Server(t)
		endpoint = ep
		newClient = func(url string) *s3.Client {
			c, err := s3store.NewClient(context.Background(), s3store.ClientOptions{Endpoint: url})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		t.Logf("S3 server: %s (%s), behind a fault proxy", ep, kind)
	} else {
		e.direct, e.bucket, endpoint = s3test.InProcess(t)
		t.Logf("S3 server: %s at %s, behind a fault proxy (set %s for a real one)", s3test.KindInProcess, endpoint, s3test.EnvEndpoint)
	}
	e.proxy = faultproxy.New(endpoint, faultproxy.Options{Latency: 30 * time.Millisecond, Late: lateBy})
	t.Cleanup(e.proxy.Close)
	e.faulty = quickRetry{newClient(e.proxy.URL)}
	e.key = s3test.Key(t, e.direct, e.bucket)
	return e
}

func (e *s3Env) store(c s3store.Client) *s3store.Store {
	return s3store.New(c, s3store.Options{
		Bucket: e.bucket, Key: e.key, SleepTime: 20 * time.Millisecond,
		Retry: uploader.Retry{Attempts: 8, MinDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond, Timeout: attemptTimeout},
	})
}

// sEvent is writer W's Seq-th event; sLog, the state, holds them in
// journal order.
type sEvent struct{ W, Seq int }
type sLog struct{ Events []sEvent }

func sApply(s sLog, e sEvent, _ time.Time) (sLog, int, error) {
	return sLog{Events: append(slices.Clip(s.Events), e)}, len(s.Events), nil
}

// sRun records the order events were applied in (the journal's order)
// and which were acknowledged.
type sRun struct {
	mu       sync.Mutex
	history  []sEvent
	acked    map[sEvent]bool
	seq      map[int]int
	applying bool
}

func newSRun() *sRun { return &sRun{acked: map[sEvent]bool{}, seq: map[int]int{}} }

func (r *sRun) handler(s sLog, e sEvent, at time.Time) (sLog, int, error) {
	r.mu.Lock()
	if r.applying {
		r.history = append(r.history, e)
	}
	r.mu.Unlock()
	return sApply(s, e, at)
}

// open starts an instance on st; on success the run's history restarts
// from what it recovered.
func (r *sRun) open(ctx context.Context, st *s3store.Store, d prevayler.Durability) (*prevayler.Prevayler[sLog, sEvent, int], error) {
	p, err := prevayler.Open(ctx, r.handler, prevayler.Options[sLog]{Store: st, Durability: d})
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.history = slices.Clone(p.State().Events)
	r.applying = true
	r.mu.Unlock()
	return p, nil
}

// handle sends writer w's next event; it returns the error Handle gave.
func (r *sRun) handle(ctx context.Context, p *prevayler.Prevayler[sLog, sEvent, int], w int) error {
	r.mu.Lock()
	r.seq[w]++
	e := sEvent{w, r.seq[w]}
	r.mu.Unlock()
	if _, err := p.Handle(ctx, e); err != nil {
		return err
	}
	r.mu.Lock()
	r.acked[e] = true
	r.mu.Unlock()
	return nil
}

// judge checks a recovered state: no duplicate, a prefix of the history,
// every acknowledged event in it. It returns the acknowledged events
// checked, those missing, and what else is wrong ("" if nothing).
func (r *sRun) judge(got []sEvent) (acked, lost int, wrong string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	in := map[sEvent]bool{}
	for i, e := range got {
		if in[e] {
			wrong = fmt.Sprintf("event %v duplicated at %d", e, i)
		}
		in[e] = true
	}
	for e := range r.acked {
		acked++
		if !in[e] {
			lost++
		}
	}
	if wrong == "" && (len(got) > len(r.history) || !slices.Equal(got, r.history[:len(got)])) {
		wrong = fmt.Sprintf("recovered %v, not a prefix of the events applied %v", got, r.history)
	}
	return acked, lost, wrong
}

// recoverDirect opens the journal without faults and returns its events.
func (e *s3Env) recoverDirect(ctx context.Context) ([]sEvent, error) {
	p, err := prevayler.Open(ctx, sApply, prevayler.Options[sLog]{Store: e.store(e.direct)})
	if err != nil {
		return nil, err
	}
	defer p.Close()
	return p.State().Events, nil
}
