package s3test_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/internal/s3test"
)

// status returns the HTTP status of a failed request, 200 for none.
func status(err error) int {
	if err == nil {
		return http.StatusOK
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return -1
}

// TestConditionalWrites checks that the server honours If-None-Match: *
// and If-Match on PutObject as S3 does; the store's fencing depends on it.
func TestConditionalWrites(t *testing.T) {
	client, bucket, kind := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ctx := t.Context()
	put := func(body string, ifMatch string, ifNoneMatch bool) (string, error) {
		in := &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader([]byte(body))}
		if ifMatch != "" {
			in.IfMatch = &ifMatch
		}
		if ifNoneMatch {
			in.IfNoneMatch = aws.String("*")
		}
		out, err := client.PutObject(ctx, in)
		if err != nil {
			return "", err
		}
		return aws.ToString(out.ETag), nil
	}

	etag1, err := put("one", "", true)
	if err != nil {
		t.Fatalf("%s: If-None-Match on a new key: %v", kind, err)
	}
	if _, err := put("two", "", true); status(err) != http.StatusPreconditionFailed {
		t.Fatalf("%s: If-None-Match on an existing key: %v, want 412", kind, err)
	}
	etag2, err := put("two", etag1, false)
	if err != nil {
		t.Fatalf("%s: If-Match with the current ETag: %v", kind, err)
	}
	if _, err := put("three", etag1, false); status(err) != http.StatusPreconditionFailed {
		t.Fatalf("%s: If-Match with a stale ETag: %v, want 412", kind, err)
	}
	head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(head.ETag) != etag2 {
		t.Errorf("%s: HEAD ETag %s, PUT returned %s", kind, aws.ToString(head.ETag), etag2)
	}
	missing := key + ".missing"
	_, err = client.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &missing, Body: bytes.NewReader(nil), IfMatch: &etag2})
	if s := status(err); s != http.StatusPreconditionFailed && s != http.StatusNotFound {
		t.Errorf("%s: If-Match on a missing key: %v, want 412 or 404", kind, err)
	}
	t.Logf("%s honours If-None-Match and If-Match on PutObject", kind)
}

// TestConditionalRace has many clients race, released together, to create
// one key, then to replace it on the same ETag: each time one must win,
// and every other must get 412 (or 409, S3's answer to a conditional
// write racing another). versitygw's POSIX backend let several win until
// its check and its write became atomic per key (in 1.8.0).
func TestConditionalRace(t *testing.T) {
	client, bucket, kind := s3test.Server(t)
	for round := range 10 {
		key := s3test.Key(t, client, bucket)
		race := func(what, ifMatch string) {
			t.Helper()
			const racers = 32
			var wg sync.WaitGroup
			results := make([]error, racers)
			start := make(chan struct{})
			for i := range racers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					in := &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(fmt.Appendf(nil, "%s racer %d", what, i))}
					if ifMatch == "" {
						in.IfNoneMatch = aws.String("*")
					} else {
						in.IfMatch = &ifMatch
					}
					_, results[i] = client.PutObject(context.Background(), in)
				}()
			}
			close(start)
			wg.Wait()
			wins := 0
			for i, err := range results {
				switch status(err) {
				case http.StatusOK:
					wins++
				case http.StatusPreconditionFailed, http.StatusConflict:
				default:
					t.Errorf("%s: round %d: %s racer %d: %v", kind, round, what, i, err)
				}
			}
			if wins != 1 {
				t.Fatalf("%s: round %d: %d racers won the %s, want exactly 1", kind, round, wins, what)
			}
		}
		race("create", "")
		head, err := client.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
		if err != nil {
			t.Fatal(err)
		}
		race("replace", aws.ToString(head.ETag))
	}
}
