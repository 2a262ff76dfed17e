package integration

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/s3store"
)

// account is the test application's state: an immutable value, so the
// handler returns a new one and readers may keep the old.
type account struct {
	Balance int64
	Ops     int
	Memo    string
}

// op is an event: a deposit (or a withdrawal, if negative) with a memo.
type op struct {
	Amount int64
	Memo   string
}

func apply(a account, e op, _ time.Time) (account, int64, error) {
	if a.Balance+e.Amount < 0 {
		return a, a.Balance, fmt.Errorf("insufficient funds: %d + %d", a.Balance, e.Amount)
	}
	return account{Balance: a.Balance + e.Amount, Ops: a.Ops + 1, Memo: e.Memo}, a.Balance + e.Amount, nil
}

type system = prevayler.Prevayler[account, op, int64]

// bucketEnv is one journal location on the test's S3 server.
type bucketEnv struct {
	t      *testing.T
	client *s3.Client
	bucket string
	key    string
	kind   string
	via    s3store.Client // the stores' client, if not client
}

func newEnv(t *testing.T) *bucketEnv {
	t.Helper()
	client, bucket, kind := s3test.Server(t)
	return &bucketEnv{t: t, client: client, bucket: bucket, key: s3test.Key(t, client, bucket), kind: kind}
}

// store returns a new S3 store on the journal, as a new process would
// make; tweak adjusts its options.
func (e *bucketEnv) store(tweak ...func(*s3store.Options)) *s3store.Store {
	o := s3store.Options{Bucket: e.bucket, Key: e.key, SleepTime: 50 * time.Millisecond}
	for _, f := range tweak {
		f(&o)
	}
	var c s3store.Client = e.client
	if e.via != nil {
		c = e.via
	}
	return s3store.New(c, o)
}

// open opens the prevalent system on a new store.
func (e *bucketEnv) open(opts prevayler.Options[account], tweak ...func(*s3store.Options)) *system {
	e.t.Helper()
	opts.Store = e.store(tweak...)
	p, err := prevayler.Open(e.t.Context(), apply, opts)
	if err != nil {
		e.t.Fatalf("Open: %v", err)
	}
	return p
}

// objects returns every object of the journal: key (relative) -> size.
func (e *bucketEnv) objects() map[string]int64 {
	e.t.Helper()
	out := map[string]int64{}
	in := &s3.ListObjectsV2Input{Bucket: &e.bucket, Prefix: &e.key}
	for {
		res, err := e.client.ListObjectsV2(context.Background(), in)
		if err != nil {
			e.t.Fatalf("list objects: %v", err)
		}
		for _, o := range res.Contents {
			out[strings.TrimPrefix(aws.ToString(o.Key), e.key)] = aws.ToInt64(o.Size)
		}
		if !aws.ToBool(res.IsTruncated) {
			return out
		}
		in.ContinuationToken = res.NextContinuationToken
	}
}

// segmentBytes returns the number and total size of segment objects.
func (e *bucketEnv) segmentBytes() (n int, size int64) {
	for k, s := range e.objects() {
		if strings.HasPrefix(k, ".g/") {
			n++
			size += s
		}
	}
	return n, size
}

// contents returns the bytes of every object of the journal.
func (e *bucketEnv) contents() map[string][]byte {
	e.t.Helper()
	out := map[string][]byte{}
	for k := range e.objects() {
		key := e.key + k
		res, err := e.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &e.bucket, Key: &key})
		if err != nil {
			e.t.Fatalf("get %s: %v", key, err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			e.t.Fatal(err)
		}
		out[k] = b
	}
	return out
}

// journalSize returns the journal's size as List reports it, without
// taking the lock.
func (e *bucketEnv) journalSize() int64 {
	e.t.Helper()
	s := e.store()
	defer s.Close()
	files, err := s.List(e.t.Context())
	if err != nil {
		e.t.Fatalf("List: %v", err)
	}
	for _, f := range files {
		if f.Name == "" {
			return f.Size
		}
	}
	return -1
}

func handle(t *testing.T, p *system, amount int64) int64 {
	t.Helper()
	bal, err := p.Handle(t.Context(), op{Amount: amount, Memo: fmt.Sprintf("op %d", amount)})
	if err != nil {
		t.Fatalf("Handle(%d): %v", amount, err)
	}
	return bal
}

func closeOK(t *testing.T, p *system) {
	t.Helper()
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func containsAny(haystack map[string][]byte, needle []byte) string {
	for k, b := range haystack {
		if bytes.Contains(b, needle) {
			return k
		}
	}
	return ""
}
