package s3test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/prevayler-go/prevayler/s3store"
)

// Fault is what a FaultClient does with one request.
type Fault int

const (
	Pass        Fault = iota // perform it
	SlowDown                 // refuse it with 503 SlowDown, not performed
	ServerError              // refuse it with 500 InternalError, not performed
	Lose                     // perform it, then report a reset connection: a lost response
	Crash                    // the process stops: this and every later request fail, not performed
)

// Request describes one call through a FaultClient.
type Request struct {
	N   int    // 1 for the first request
	Op  string // "PutObject", "GetObject", ...
	Key string // the object key, or the prefix of a listing
}

func (r Request) String() string { return fmt.Sprintf("#%d %s %s", r.N, r.Op, r.Key) }

// FaultClient wraps an s3store.Client and decides the fate of every
// request with a rule, to test how the store behaves under server errors,
// lost responses and crashes.
type FaultClient struct {
	inner s3store.Client

	mu      sync.Mutex
	n       int
	crashed bool
	rule    func(r Request) Fault
	log     []Request
	faults  map[Fault]int
}

// ErrCrashed is what every request returns after a Crash.
var ErrCrashed = errors.New("simulated crash: the process is gone")

// NewFaultClient wraps inner; rule may be nil (pass everything) and is
// called with the client's lock held, one request at a time.
func NewFaultClient(inner s3store.Client, rule func(Request) Fault) *FaultClient {
	return &FaultClient{inner: inner, rule: rule, faults: map[Fault]int{}}
}

func (c *FaultClient) decide(op, key string) Fault {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.crashed {
		return Crash
	}
	c.n++
	r := Request{N: c.n, Op: op, Key: key}
	c.log = append(c.log, r)
	f := Pass
	if c.rule != nil {
		f = c.rule(r)
	}
	c.faults[f]++
	if f == Crash {
		c.crashed = true
	}
	return f
}

// Count returns how many requests met fault f.
func (c *FaultClient) Count(f Fault) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.faults[f]
}

// Requests returns how many requests were made before any crash.
func (c *FaultClient) Requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// Last returns the latest request made before any crash.
func (c *FaultClient) Last() Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.log) == 0 {
		return Request{}
	}
	return c.log[len(c.log)-1]
}

// SetRule replaces the rule; nil passes everything.
func (c *FaultClient) SetRule(rule func(Request) Fault) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rule = rule
}

// httpError builds the error the SDK returns for an HTTP error response.
func httpError(status int, code string) error {
	return &smithy.OperationError{
		ServiceID:     "S3",
		OperationName: "Injected",
		Err: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      &smithy.GenericAPIError{Code: code, Message: "injected by the test"},
		},
	}
}

// errReset is what a lost response looks like: no HTTP status.
var errReset = errors.New("read tcp: connection reset by peer (injected)")

// run applies the fault around one call.
func run[T any](c *FaultClient, op, key string, call func() (T, error)) (T, error) {
	var zero T
	switch c.decide(op, key) {
	case SlowDown:
		return zero, httpError(http.StatusServiceUnavailable, "SlowDown")
	case ServerError:
		return zero, httpError(http.StatusInternalServerError, "InternalError")
	case Crash:
		return zero, ErrCrashed
	case Lose:
		if _, err := call(); err != nil {
			return zero, err
		}
		return zero, errReset
	}
	return call()
}

func (c *FaultClient) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return run(c, "PutObject", aws.ToString(in.Key), func() (*s3.PutObjectOutput, error) { return c.inner.PutObject(ctx, in, o...) })
}

func (c *FaultClient) GetObject(ctx context.Context, in *s3.GetObjectInput, o ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return run(c, "GetObject", aws.ToString(in.Key), func() (*s3.GetObjectOutput, error) { return c.inner.GetObject(ctx, in, o...) })
}

func (c *FaultClient) HeadObject(ctx context.Context, in *s3.HeadObjectInput, o ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	return run(c, "HeadObject", aws.ToString(in.Key), func() (*s3.HeadObjectOutput, error) { return c.inner.HeadObject(ctx, in, o...) })
}

func (c *FaultClient) DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, o ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	return run(c, "DeleteObject", aws.ToString(in.Key), func() (*s3.DeleteObjectOutput, error) { return c.inner.DeleteObject(ctx, in, o...) })
}

func (c *FaultClient) DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, o ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error) {
	return run(c, "DeleteObjects", "", func() (*s3.DeleteObjectsOutput, error) { return c.inner.DeleteObjects(ctx, in, o...) })
}

func (c *FaultClient) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, o ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	return run(c, "ListObjectsV2", aws.ToString(in.Prefix), func() (*s3.ListObjectsV2Output, error) { return c.inner.ListObjectsV2(ctx, in, o...) })
}

var _ s3store.Client = (*FaultClient)(nil)
