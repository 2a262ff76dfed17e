package s3store_test

import (
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/storetest"
)

// TestConformance runs the store conformance suite on the best S3 server
// available (see package s3test), each journal under its own key.
func TestConformance(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) func() store.Store {
			key := s3test.Key(t, client, bucket)
			return func() store.Store {
				return s3store.New(client, s3store.Options{Bucket: bucket, Key: key, SleepTime: 50 * time.Millisecond})
			}
		},
		Takeover: true,
	})
}
