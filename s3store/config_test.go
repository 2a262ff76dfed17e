package s3store_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/prevayler-go/prevayler/internal/reliability/faultproxy"
	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/uploader"
)

// TestNoRegionFailsAtOnce: without any region NewClient fails at once.
func TestNoRegionFailsAtOnce(t *testing.T) {
	isolateAWSEnv(t)
	start := time.Now()
	client, err := s3store.NewClient(t.Context(), s3store.ClientOptions{})
	if err == nil {
		err = s3store.New(client, s3store.Options{Bucket: "b"}).Lock(t.Context())
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("no region: failed after %v", took)
	}
	if !errors.Is(err, s3store.ErrNoRegion) {
		t.Fatalf("no region: %v, want ErrNoRegion", err)
	}
}

// TestNoCredentialsFailsAtOnce: without credentials the first call fails
// at once with the SDK's message, not after the store's retries.
func TestNoCredentialsFailsAtOnce(t *testing.T) {
	_, _, endpoint := s3test.InProcess(t)
	isolateAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	client, err := s3store.NewClient(t.Context(), s3store.ClientOptions{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = s3store.New(client, s3store.Options{Bucket: "prevayler-test"}).Lock(t.Context())
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("no credentials: Lock failed after %v", took)
	}
	if err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Fatalf("no credentials: Lock = %v, want the SDK's message", err)
	}
}

// TestEndpointFromEnvironmentIsPathStyle: AWS_ENDPOINT_URL_S3 and
// AWS_ENDPOINT_URL select path-style addressing, as Endpoint does: a
// local server has no DNS name per bucket.
func TestEndpointFromEnvironmentIsPathStyle(t *testing.T) {
	for _, env := range []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"} {
		t.Run(env, func(t *testing.T) {
			_, bucket, endpoint := s3test.InProcess(t)
			isolateAWSEnv(t)
			t.Setenv(env, endpoint)
			client, err := s3store.NewClient(t.Context(), s3store.ClientOptions{})
			if err != nil {
				t.Fatal(err)
			}
			s := s3store.New(client, s3store.Options{Bucket: bucket})
			defer s.Close()
			if err := s.Lock(t.Context()); err != nil {
				t.Fatalf("Lock with %s: %v", env, err)
			}
		})
	}
}

// TestOneRetryLayer: a call against a server that refuses everything
// makes exactly Retry.Attempts HTTP attempts, although NewClient's SDK
// client would retry on its own.
func TestOneRetryLayer(t *testing.T) {
	proxy, client, _, bucket := proxied(t)
	proxy.SetRule(func(faultproxy.Request) faultproxy.Fault { return faultproxy.SlowDown })
	s := s3store.New(client, s3store.Options{Bucket: bucket, Retry: uploader.Retry{Attempts: 3, MinDelay: time.Millisecond, MaxDelay: time.Millisecond}})
	defer s.Close()
	before := proxy.Requests()
	if _, err := s.List(t.Context()); err == nil {
		t.Fatal("List succeeded against a server refusing everything")
	}
	if n := proxy.Requests() - before; n != 3 {
		t.Fatalf("List made %d HTTP attempts, want Retry.Attempts = 3", n)
	}
}

// skewed refuses every request for clock skew, as S3 does when the
// machine's clock is 15 minutes off.
type skewed struct {
	s3store.Client
	n int
}

func (c *skewed) fail() error {
	c.n++
	return &smithy.OperationError{ServiceID: "S3", OperationName: "Injected", Err: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: http.StatusForbidden}},
		Err:      &smithy.GenericAPIError{Code: "RequestTimeTooSkewed", Message: "The difference between the request time and the current time is too large."},
	}}
}

// TestClockSkewNotRetriedBlindly: a refusal for clock skew is retried
// once (the SDK corrects its clock from the refusal), then reported as a
// clock to fix.
func TestClockSkewNotRetriedBlindly(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	sk := &skewed{Client: client}
	s := s3store.New(skewClient{sk}, s3store.Options{Bucket: bucket, Retry: uploader.Retry{Attempts: 8, MinDelay: time.Millisecond, MaxDelay: time.Millisecond}})
	defer s.Close()
	_, err := s.Open(t.Context(), store.Journal)
	if sk.n != 2 {
		t.Errorf("%d attempts refused for clock skew, want 2", sk.n)
	}
	if err == nil || !strings.Contains(err.Error(), "clock") {
		t.Fatalf("Open = %v, want an error about the clock", err)
	}
}

type skewClient struct{ *skewed }

func (c skewClient) GetObject(ctx context.Context, in *s3.GetObjectInput, o ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return nil, c.fail()
}

// noServer answers every request with errNoServer.
type noServer struct{ s3store.Client }

var errNoServer = errors.New("no server")

func (noServer) ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	return nil, errNoServer
}

// TestTailRefreshBelowHalfDeleteDelay: a follower must relist at least
// twice within the delay before merged segments go, or it could miss one;
// a TailRefresh above half of MergeDeleteDelay is refused, and the
// default refresh follows a short delay down.
func TestTailRefreshBelowHalfDeleteDelay(t *testing.T) {
	for _, tc := range []struct {
		name           string
		refresh, delay time.Duration
		ok             bool
	}{
		{"defaults", 0, 0, true},
		{"half", 30 * time.Second, time.Minute, true},
		{"above half", 31 * time.Second, time.Minute, false},
		{"default refresh, short delay", 0, 10 * time.Millisecond, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := s3store.Options{Bucket: "b", TailRefresh: tc.refresh, MergeDeleteDelay: tc.delay,
				Retry: uploader.Retry{Attempts: 1}}
			_, err := s3store.New(noServer{}, o).List(t.Context())
			if got := errors.Is(err, errNoServer); got != tc.ok {
				t.Errorf("TailRefresh %v, MergeDeleteDelay %v: List fails with %v, want the configuration accepted: %v", tc.refresh, tc.delay, err, tc.ok)
			}
		})
	}
}
