package s3store_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/internal/reliability/faultproxy"
	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/uploader"
)

// proxied returns a client that reaches the test's S3 server through a
// fault proxy, a direct client, and the bucket.
func proxied(t *testing.T) (*faultproxy.Proxy, s3store.Client, *s3.Client, string) {
	t.Helper()
	var (
		direct   *s3.Client
		bucket   string
		endpoint string
	)
	newClient := s3test.NewClient
	if ep := os.Getenv(s3test.EnvEndpoint); ep != "" {
		direct, bucket, _ = s3test.Server(t)
		endpoint = ep
		newClient = func(url string) *s3.Client {
			c, err := s3store.NewClient(context.Background(), s3store.ClientOptions{Endpoint: url})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
	} else {
		direct, bucket, endpoint = s3test.InProcess(t)
	}
	p := faultproxy.New(endpoint, faultproxy.Options{})
	t.Cleanup(p.Close)
	return p, newClient(p.URL), direct, bucket
}

// segmentPUT matches the upload of a segment.
func segmentPUT(r faultproxy.Request) bool {
	return r.Method == "PUT" && strings.Contains(r.Path, ".g/")
}

// TestCallsHonourContextWhenServerHangs: with every request hanging, each
// call returns its context's error within about the deadline; a Sync's
// error says its outcome is unknown.
func TestCallsHonourContextWhenServerHangs(t *testing.T) {
	proxy, client, direct, bucket := proxied(t)
	key := s3test.Key(t, direct, bucket)
	opts := options(bucket, key)
	opts.Retry = uploader.Retry{Attempts: 8, Timeout: time.Hour} // only ctx may stop them
	s := s3store.New(client, opts)
	defer s.Close()
	if err := s.Lock(t.Context()); err != nil {
		t.Fatal(err)
	}
	w, err := s.Create(t.Context(), store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	proxy.SetRule(func(faultproxy.Request) faultproxy.Fault { return faultproxy.Hang })
	within := func(what string, call func(ctx context.Context) error) error {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := call(ctx)
		if took := time.Since(start); took > 400*time.Millisecond {
			t.Errorf("%s took %v with a 100ms deadline and a hanging server", what, took)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s = %v, want context.DeadlineExceeded", what, err)
		}
		return err
	}
	w.Write([]byte("event"))
	if err := within("Sync", w.Sync); !errors.Is(err, store.ErrUnknownOutcome) {
		t.Errorf("Sync = %v, want ErrUnknownOutcome too", err)
	}
	start := time.Now()
	if err := w.(store.Throttle).Wait(t.Context()); err != nil || time.Since(start) > 100*time.Millisecond {
		t.Errorf("Wait with room in the buffer = %v after %v", err, time.Since(start))
	}
	within("List", func(ctx context.Context) error { _, err := s.List(ctx); return err })
	within("Open", func(ctx context.Context) error { _, err := s.Open(ctx, store.Journal); return err })
	within("Create", func(ctx context.Context) error { _, err := s.Create(ctx, store.TempPrefix+"x"); return err })
	within("Rename", func(ctx context.Context) error { return s.Rename(ctx, store.Journal, store.Backup) })
	within("Lock", s.Lock)
}

// TestFailedSyncIsUnknownOutcome: a Sync whose uploads keep failing
// returns an error that says the outcome is unknown, since the bytes stay
// buffered and may be stored later.
func TestFailedSyncIsUnknownOutcome(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	fc := s3test.NewFaultClient(client, nil)
	s := s3store.New(fc, options(bucket, key))
	defer s.Close()
	if err := s.Lock(t.Context()); err != nil {
		t.Fatal(err)
	}
	w, err := s.Create(t.Context(), store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	fc.SetRule(func(r s3test.Request) s3test.Fault {
		if r.Op == "PutObject" && strings.Contains(r.Key, ".g/") {
			return s3test.SlowDown
		}
		return s3test.Pass
	})
	w.Write([]byte("event"))
	err = w.Sync(t.Context())
	if err == nil || !errors.Is(err, store.ErrUnknownOutcome) {
		t.Fatalf("Sync with every upload refused = %v, want ErrUnknownOutcome", err)
	}
}

// TestCloseTimeout: Close against a server that never answers returns
// within Options.CloseTimeout, saying how much was not stored.
func TestCloseTimeout(t *testing.T) {
	proxy, client, direct, bucket := proxied(t)
	key := s3test.Key(t, direct, bucket)
	opts := options(bucket, key)
	opts.Retry = uploader.Retry{Timeout: time.Hour}
	opts.SleepTime = time.Hour
	opts.CloseTimeout = 300 * time.Millisecond
	s := s3store.New(client, opts)
	defer s.Close()
	if err := s.Lock(t.Context()); err != nil {
		t.Fatal(err)
	}
	w, err := s.Create(t.Context(), store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	proxy.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		if segmentPUT(r) {
			return faultproxy.Hang
		}
		return faultproxy.Pass
	})
	w.Write([]byte("one"))
	w.Write([]byte("two!"))
	start := time.Now()
	err = w.Close()
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("Close took %v with CloseTimeout 300ms", took)
	}
	if err == nil || !strings.Contains(err.Error(), "7 bytes in 2 writes not stored") {
		t.Fatalf("Close = %v, want the bytes not stored", err)
	}
}

// TestRefusedUploadFailsAtOnce: an upload refused for good (403) stops
// the writer at once, as store.Failer reports, instead of retrying while
// Buffered events pile up.
func TestRefusedUploadFailsAtOnce(t *testing.T) {
	proxy, client, direct, bucket := proxied(t)
	key := s3test.Key(t, direct, bucket)
	s := s3store.New(client, options(bucket, key))
	defer s.Close()
	if err := s.Lock(t.Context()); err != nil {
		t.Fatal(err)
	}
	w, err := s.Create(t.Context(), store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	proxy.SetRule(func(r faultproxy.Request) faultproxy.Fault {
		if segmentPUT(r) {
			return faultproxy.Forbidden
		}
		return faultproxy.Pass
	})
	w.Write([]byte("event"))
	f := w.(store.Failer)
	deadline := time.Now().Add(2 * time.Second)
	for f.Err() == nil {
		if time.Now().After(deadline) {
			t.Fatal("a 403 on every upload has not failed the writer after 2 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !strings.Contains(f.Err().Error(), "AccessDenied") {
		t.Errorf("Err = %v, want the server's AccessDenied", f.Err())
	}
	if _, err := w.Write([]byte("more")); err == nil {
		t.Error("Write after the failure succeeded")
	}
	if proxy.Count(faultproxy.Forbidden) > 1 {
		t.Errorf("a refused upload was tried %d times", proxy.Count(faultproxy.Forbidden))
	}
}
