package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/prevayler-go/prevayler/s3store"
)

// Environment variables that choose the server.
const (
	EnvEndpoint = "PREVAYLER_S3_ENDPOINT"
	EnvBucket   = "PREVAYLER_S3_BUCKET"
	EnvRequired = "PREVAYLER_S3_REQUIRED"
)

// Kinds of server, as Server returns them.
const (
	KindEnv       = "env"
	KindInProcess = "in-process gofakes3"
)

// shared is the environment's server, set up once per test binary.
type shared struct {
	client *s3.Client
	bucket string
	kind   string
	desc   string
	err    error
}

var (
	once   sync.Once
	remote *shared // nil: none, use the in-process server
	note   string  // why the environment's server was passed over
)

// Server returns a client and an existing bucket on the best server
// available (see the package documentation) and the kind of server. The
// bucket may be shared with other tests: use Key for a fresh prefix.
func Server(t testing.TB) (client *s3.Client, bucket, kind string) {
	t.Helper()
	once.Do(func() { remote, note = pickRemote(os.Getenv) })
	if note != "" {
		t.Logf("s3test: %s", note)
	}
	if remote != nil {
		if remote.err != nil {
			t.Fatalf("s3test: %v", remote.err)
		}
		t.Logf("S3 server: %s", remote.desc)
		return remote.client, remote.bucket, remote.kind
	}
	client, bucket, endpoint := InProcess(t)
	t.Logf("S3 server: %s at %s (set %s for a real one)", KindInProcess, endpoint, EnvEndpoint)
	return client, bucket, KindInProcess
}

// pickRemote sets up the environment's server, or returns nil for the
// in-process one, with a note when an endpoint was set but passed over.
// getenv reads the environment.
func pickRemote(getenv func(string) string) (*shared, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	required := getenv(EnvRequired) == "1"
	var note string
	if endpoint := getenv(EnvEndpoint); endpoint != "" {
		sh := envServer(ctx, endpoint, getenv(EnvBucket))
		if sh.err == nil || required {
			return sh, ""
		}
		note = fmt.Sprintf("falling back from %s: %v (set %s=1 to fail instead)", EnvEndpoint, sh.err, EnvRequired)
	} else if required {
		return &shared{err: fmt.Errorf("%s=1 but %s is not set", EnvRequired, EnvEndpoint)}, ""
	}
	return nil, note
}

// envServer connects to the server of the environment and checks that it
// answers.
func envServer(ctx context.Context, endpoint, bucket string) *shared {
	client, err := s3store.NewClient(ctx, s3store.ClientOptions{Endpoint: endpoint, PathStyle: true})
	if err != nil {
		return &shared{err: err}
	}
	if bucket == "" {
		bucket, err = makeBucket(ctx, client)
	} else {
		_, err = client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket})
	}
	if err != nil {
		return &shared{err: fmt.Errorf("the S3 server at %s (%s) does not answer: %w", endpoint, EnvEndpoint, err)}
	}
	return &shared{client: client, bucket: bucket, kind: KindEnv, desc: fmt.Sprintf("%s=%s, bucket %s", EnvEndpoint, endpoint, bucket)}
}

// makeBucket creates a bucket with a random name.
func makeBucket(ctx context.Context, client *s3.Client) (string, error) {
	bucket := "prevayler-test-" + randomHex(6)
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		return "", fmt.Errorf("create bucket %s: %w", bucket, err)
	}
	return bucket, nil
}

// InProcess starts a gofakes3 server for the test and returns a client,
// a bucket and the endpoint. The server stops when the test ends.
func InProcess(t testing.TB) (client *s3.Client, bucket, endpoint string) {
	t.Helper()
	faker := gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.GlobalLog(gofakes3.LogErr)))
	srv := httptest.NewServer(faker.Server())
	t.Cleanup(srv.Close)
	client = NewClient(srv.URL)
	bucket = "prevayler-test"
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatalf("s3test: create bucket: %v", err)
	}
	return client, bucket, srv.URL
}

// NewClient returns a client for an S3-compatible endpoint with fixed test
// credentials, independent of the environment's AWS configuration.
func NewClient(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test-secret", ""),
	})
}

// Key returns a journal key unique to the test, under a prefix, and
// deletes every object under it when the test ends, so that tests can
// share a bucket.
func Key(t testing.TB, client *s3.Client, bucket string) string {
	t.Helper()
	prefix := "t-" + randomHex(8) + "/"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := DeletePrefix(ctx, client, bucket, prefix); err != nil {
			t.Logf("s3test: cleaning up %s: %v", prefix, err)
		}
	})
	return prefix + "journal"
}

// DeletePrefix deletes every object whose key starts with prefix.
func DeletePrefix(ctx context.Context, client *s3.Client, bucket, prefix string) error {
	for {
		out, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
		if err != nil {
			return err
		}
		if len(out.Contents) == 0 {
			return nil
		}
		ids := make([]types.ObjectIdentifier, len(out.Contents))
		for i, o := range out.Contents {
			ids[i] = types.ObjectIdentifier{Key: o.Key}
		}
		if _, err := client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}}); err != nil {
			return err
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
