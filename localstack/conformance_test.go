package localstack_test

import (
	"context"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/localstack"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/storetest"
)

// TestConformance runs the store conformance suite on s3store against
// LocalStack, each journal under its own key (or skips without Docker).
// The main module's S3 tests run on PREVAYLER_S3_ENDPOINT or the
// in-process server; this is where LocalStack's S3 is held to the same
// contract.
func TestConformance(t *testing.T) {
	c := localstack.S3(t)
	t.Logf("S3 server: LocalStack at %s", c.Endpoint)
	bucket := c.Bucket(t)
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) func() store.Store {
			key := s3test.Key(t, c.Client, bucket)
			return func() store.Store {
				return s3store.New(c.Client, s3store.Options{Bucket: bucket, Key: key, SleepTime: 50 * time.Millisecond})
			}
		},
		Takeover: true,
	})
}

func count(total, delta int, _ time.Time) (int, int, error) { return total + delta, total + delta, nil }

// TestDurableEventsSurviveAReopen journals Durable events on LocalStack,
// closes, and recovers them from the bucket alone.
func TestDurableEventsSurviveAReopen(t *testing.T) {
	c := localstack.S3(t)
	t.Logf("S3 server: LocalStack at %s", c.Endpoint)
	bucket := c.Bucket(t)
	ctx := context.Background()
	open := func() *prevayler.Prevayler[int, int, int] {
		p, err := prevayler.Open(ctx, count, prevayler.Options[int]{
			Store: s3store.New(c.Client, s3store.Options{Bucket: bucket, Key: "journal"}),
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := open()
	for i := 1; i <= 10; i++ {
		if _, err := p.Handle(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	p = open()
	defer p.Close()
	if got := p.State(); got != 55 {
		t.Fatalf("recovered %d, want 55", got)
	}
}
