package integration

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
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

// newProxiedEnv is newEnv with the stores reaching the server through a
// fault proxy.
func newProxiedEnv(t *testing.T) (*bucketEnv, *faultproxy.Proxy) {
	t.Helper()
	var endpoint string
	e := &bucketEnv{t: t}
	newClient := s3test.NewClient
	if ep := os.Getenv(s3test.EnvEndpoint); ep != "" {
		e.client, e.bucket, e.kind = s3test.Server(t)
		endpoint = ep
		newClient = func(url string) *s3.Client {
			c, err := s3store.NewClient(context.Background(), s3store.ClientOptions{Endpoint: url})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
	} else {
		e.client, e.bucket, endpoint = s3test.InProcess(t)
		e.kind = s3test.KindInProcess
	}
	p := faultproxy.New(endpoint, faultproxy.Options{})
	t.Cleanup(p.Close)
	e.via = newClient(p.URL)
	e.key = s3test.Key(t, e.client, e.bucket)
	return e, p
}

// syncBuffer is a log destination for the test to read.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func quickRetry(o *s3store.Options) {
	o.Retry = uploader.Retry{Attempts: 3, MinDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond, Timeout: 2 * time.Second}
}

// TestBufferedFailureIsNotSilent: with every upload refused, a Buffered
// system stops acknowledging events within the store's bound, reports
// the failure in Stats().LastError and logs it as an error; with a small
// MaxBuffer, Handle under context.Background() does not block for ever.
func TestBufferedFailureIsNotSilent(t *testing.T) {
	for name, fault := range map[string]faultproxy.Fault{
		"Forbidden": faultproxy.Forbidden, // not retryable: at once
		"SlowDown":  faultproxy.SlowDown,  // retryable: after SleepTime plus the retry budget
	} {
		t.Run(name, func(t *testing.T) {
			e, proxy := newProxiedEnv(t)
			var logs syncBuffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError}))
			p := e.open(prevayler.Options[account]{Durability: prevayler.Buffered, Logger: logger},
				quickRetry, sleepTime(50*time.Millisecond), func(o *s3store.Options) {
					o.MaxBuffer, o.FailAfter, o.CloseTimeout = 256, 300*time.Millisecond, time.Second
				})
			proxy.SetRule(func(r faultproxy.Request) faultproxy.Fault {
				if r.Method == "PUT" && strings.Contains(r.Path, ".g/") {
					return fault
				}
				return faultproxy.Pass
			})
			start := time.Now()
			acked := 0
			var err error
			done := make(chan struct{})
			go func() {
				defer close(done)
				for {
					if _, err = p.Handle(context.Background(), op{Amount: 1}); err != nil {
						return
					}
					acked++
				}
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("Handle still succeeds or blocks 10 s after uploads started failing (%d acknowledged)", acked)
			}
			t.Logf("%s: Handle failed after %v and %d acknowledged events: %v", name, time.Since(start), acked, err)
			if st := p.Stats(); st.LastError == nil {
				t.Error("Stats().LastError is nil after the failure")
			}
			if _, err := p.Handle(context.Background(), op{Amount: 1}); err == nil {
				t.Error("Handle succeeds again after the failure")
			}
			if !strings.Contains(logs.String(), "level=ERROR") {
				t.Errorf("nothing logged as an error; log:\n%s", logs.String())
			}
			p.Close()
		})
	}
}

// TestCloseWithUnreachableServer: Close returns within about FailAfter
// (the final Sync) plus CloseTimeout when the server stopped answering,
// with an error (s3store's TestCloseTimeout checks that the writer's says
// how much was not stored).
func TestCloseWithUnreachableServer(t *testing.T) {
	e, proxy := newProxiedEnv(t)
	p := e.open(prevayler.Options[account]{Durability: prevayler.Buffered}, quickRetry, func(o *s3store.Options) {
		o.SleepTime, o.FailAfter, o.CloseTimeout, o.Retry.Timeout = time.Hour, 300*time.Millisecond, 500*time.Millisecond, time.Hour
	})
	proxy.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		if r.Method == "PUT" && strings.Contains(r.Path, ".g/") {
			return faultproxy.Hang
		}
		return faultproxy.Pass
	})
	for range 3 {
		if _, err := p.Handle(t.Context(), op{Amount: 1}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	err := p.Close()
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("Close took %v with CloseTimeout 500ms", took)
	}
	if err == nil {
		t.Fatal("Close = nil with the events not stored")
	}
	t.Logf("Close: %v", err)
}
