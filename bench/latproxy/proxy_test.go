package latproxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// fakeS3 starts an in-memory S3 server on the loopback interface.
func fakeS3(t *testing.T) string {
	t.Helper()
	faker := gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.GlobalLog(gofakes3.LogErr)))
	srv := httptest.NewServer(faker.Server())
	t.Cleanup(srv.Close)
	return srv.URL
}

func newProxy(t *testing.T, target string, opts Options) *Proxy {
	t.Helper()
	p, err := New(target, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return p
}

func client(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test-secret", ""),
		RetryMaxAttempts: 1, // a count must not include a retry
	})
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		method, target string
		want           Kind
	}{
		{"PUT", "/bucket/key", Put},
		{"PUT", "/bucket", Put},
		{"GET", "/bucket/a/b/c", Get},
		{"GET", "/bucket?list-type=2&prefix=a", List},
		{"GET", "/bucket/?list-type=2", List},
		{"GET", "/bucket", List},
		{"GET", "/", List},
		{"HEAD", "/bucket/key", Head},
		{"HEAD", "/bucket", Head},
		{"DELETE", "/bucket/key", Delete},
		{"POST", "/bucket?delete", Delete},
		{"POST", "/bucket/key?uploads", Other},
		{"PATCH", "/bucket/key", Other},
	} {
		r := httptest.NewRequest(c.method, c.target, nil)
		if got := Classify(r); got != c.want {
			t.Errorf("%s %s: %v, want %v", c.method, c.target, got, c.want)
		}
	}
}

// TestCounts sends every request the S3 store makes through the proxy
// with the AWS SDK and checks each is counted once, by its kind, with the
// bytes uploaded.
func TestCounts(t *testing.T) {
	p := newProxy(t, fakeS3(t), Options{})
	c := client(p.URL())
	ctx := context.Background()
	bucket := aws.String("bench-bucket")
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}))
	small, large := bytes.Repeat([]byte("s"), 100), bytes.Repeat([]byte("L"), 5000)
	must(c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("k/1"), Body: bytes.NewReader(small)}))
	must(c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("k/2"), Body: bytes.NewReader(large), IfNoneMatch: aws.String("*")}))
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("k/2")})
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(got.Body)
	got.Body.Close()
	if err != nil || !bytes.Equal(body, large) {
		t.Fatalf("GET through the proxy: %d bytes, %v", len(body), err)
	}
	must(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String("k/1")}))
	must(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket, Prefix: aws.String("k/")}))
	must(c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String("k/1")}))
	must(c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: bucket, Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("k/2")}}}}))

	n := p.Counts()
	want := Counts{Put: 3, Get: 1, List: 1, Delete: 2, Head: 1, BytesUp: int64(len(small) + len(large))}
	n.BytesDown, want.BytesDown = 0, 0 // checked below: XML bodies vary by server
	if n != want {
		t.Errorf("counts\n got %v\nwant %v", n, want)
	}
	if n.Requests() != 8 {
		t.Errorf("%d requests, want 8", n.Requests())
	}
	if down := p.Counts().BytesDown; down < int64(len(large)) {
		t.Errorf("%d bytes down, less than the object read", down)
	}
	// Sub isolates one period.
	before := p.Counts()
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String("k/none")}); err == nil {
		t.Error("HEAD of a deleted object succeeded")
	}
	if d := p.Counts().Sub(before); d.Head != 1 || d.Requests() != 1 {
		t.Errorf("one HEAD later: %v", d)
	}
}

// TestLatencyApplied checks that each request waits the latency Delay
// chooses for it, and only that request.
func TestLatencyApplied(t *testing.T) {
	const slow = 150 * time.Millisecond
	var mu sync.Mutex
	asked := map[Kind][]time.Duration{}
	p := newProxy(t, fakeS3(t), Options{Delay: func(k Kind, r *http.Request) time.Duration {
		d := time.Duration(0)
		if k == Put && strings.HasSuffix(r.URL.Path, "/slow") {
			d = slow
		}
		mu.Lock()
		asked[k] = append(asked[k], d)
		mu.Unlock()
		return d
	}})
	c := client(p.URL())
	ctx := context.Background()
	bucket := aws.String("bench-bucket")
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	put := func(key string) time.Duration {
		start := time.Now()
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String(key), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	fast, delayed := put("b/fast"), put("b/slow")
	if delayed < slow {
		t.Errorf("the delayed PUT took %v, less than its latency %v", delayed, slow)
	}
	if fast >= delayed {
		t.Errorf("the PUT without latency took %v, the delayed one %v", fast, delayed)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := asked[Put]; len(got) != 3 || got[0] != 0 || got[1] != 0 || got[2] != slow {
		t.Errorf("delays chosen for the PUTs (bucket, fast, slow): %v", got)
	}
}

// TestSetLatency checks the fixed latency and that changing it takes
// effect for the next request.
func TestSetLatency(t *testing.T) {
	const lat = 120 * time.Millisecond
	p := newProxy(t, fakeS3(t), Options{Latency: lat})
	if p.Latency() != lat {
		t.Fatalf("Latency() = %v", p.Latency())
	}
	c := client(p.URL())
	ctx := context.Background()
	list := func() time.Duration {
		start := time.Now()
		if _, err := c.ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	if d := list(); d < lat {
		t.Errorf("a request took %v with %v of latency", d, lat)
	}
	p.SetLatency(0)
	if d := list(); d >= lat {
		t.Errorf("a request took %v after the latency was removed", d)
	}
	if n := p.Counts(); n.List != 2 {
		t.Errorf("counts %v, want 2 LISTs", n)
	}
}

// TestCancelDuringLatency checks that a client giving up during the
// latency is not forwarded.
func TestCancelDuringLatency(t *testing.T) {
	var hits atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer up.Close()
	p := newProxy(t, up.URL, Options{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", p.URL()+"/b/k", nil)
	start := time.Now()
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want the deadline", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the request returned after %v", d)
	}
	if err := p.Close(); err != nil { // returns without waiting the hour
		t.Errorf("close: %v", err)
	}
	if hits.Load() != 0 {
		t.Error("a request cancelled during its latency reached the server")
	}
	if n := p.Counts(); n.Get != 1 {
		t.Errorf("counts %v, want the GET counted once", n)
	}
}

// TestLoopbackOnly checks that the proxy listens, forwards and serves on
// the loopback interface only.
func TestLoopbackOnly(t *testing.T) {
	for _, target := range []string{"http://192.0.2.1:9000", "http://example.com", "https://s3.amazonaws.com", "http://10.0.0.1"} {
		if p, err := New(target, Options{}); !errors.Is(err, ErrNotLoopback) {
			if p != nil {
				p.Close()
			}
			t.Errorf("New(%q): %v, want ErrNotLoopback", target, err)
		}
	}
	for _, target := range []string{"127.0.0.1:9000", "ftp://127.0.0.1", "http://"} {
		if p, err := New(target, Options{}); err == nil {
			p.Close()
			t.Errorf("New(%q) accepted a target that is not a base URL", target)
		}
	}
	var hits atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer up.Close()
	for _, target := range []string{up.URL, strings.Replace(up.URL, "127.0.0.1", "localhost", 1)} {
		p := newProxy(t, target, Options{})
		u, err := url.Parse(p.URL())
		if err != nil || u.Hostname() != "127.0.0.1" {
			t.Errorf("the proxy listens at %s", p.URL())
		}
		resp, err := http.Get(p.URL() + "/b/k")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("through the proxy to %s: %s", target, resp.Status)
		}
	}
	if hits.Load() != 2 {
		t.Fatalf("%d requests reached the server, want 2", hits.Load())
	}
	// A client from another address is refused before it is counted.
	p := newProxy(t, up.URL, Options{})
	for _, remote := range []string{"192.0.2.7:5555", "[2001:db8::1]:80", "garbage"} {
		r := httptest.NewRequest("PUT", "/b/k", strings.NewReader("x"))
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		p.ServeHTTP(w, r)
		if w.Code != http.StatusForbidden {
			t.Errorf("client %s: %d, want 403", remote, w.Code)
		}
	}
	if n := p.Counts(); n.Requests() != 0 || hits.Load() != 2 {
		t.Errorf("refused requests were counted (%v) or forwarded (%d hits)", n, hits.Load())
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Put: "PUT", Get: "GET", List: "LIST", Delete: "DELETE", Head: "HEAD", Other: "OTHER", Kind(99): "UNKNOWN"} {
		if k.String() != want {
			t.Errorf("%d: %q, want %q", k, k.String(), want)
		}
	}
}
