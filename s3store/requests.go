package s3store

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/store"
)

var _ store.RequestCounter = (*Store)(nil)

// requestCounts are the counters behind Store.Requests.
type requestCounts struct {
	puts, gets, lists, deletes, heads atomic.Uint64
	up, down                          atomic.Int64
}

// counted is a Client that counts every call it passes on: with the
// store's one attempt per call, one call is one HTTP request.
type counted struct {
	Client
	n *requestCounts
}

func (c counted) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	c.n.puts.Add(1)
	c.n.up.Add(aws.ToInt64(in.ContentLength))
	return c.Client.PutObject(ctx, in, o...)
}

func (c counted) GetObject(ctx context.Context, in *s3.GetObjectInput, o ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	c.n.gets.Add(1)
	out, err := c.Client.GetObject(ctx, in, o...)
	if err == nil {
		c.n.down.Add(aws.ToInt64(out.ContentLength))
	}
	return out, err
}

func (c counted) HeadObject(ctx context.Context, in *s3.HeadObjectInput, o ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	c.n.heads.Add(1)
	return c.Client.HeadObject(ctx, in, o...)
}

func (c counted) DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, o ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	c.n.deletes.Add(1)
	return c.Client.DeleteObject(ctx, in, o...)
}

func (c counted) DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, o ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error) {
	c.n.deletes.Add(1)
	return c.Client.DeleteObjects(ctx, in, o...)
}

func (c counted) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, o ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	c.n.lists.Add(1)
	return c.Client.ListObjectsV2(ctx, in, o...)
}

// Requests returns the requests the store made since New, by kind, and
// the bytes they carried (store.RequestCounter). An open journal that
// receives no events makes none: the uploader is idle. A follower's
// store makes one GET per check (see doc.go, "Followers").
func (s *Store) Requests() store.Requests {
	n := &s.reqs
	return store.Requests{
		Puts: n.puts.Load(), Gets: n.gets.Load(), Lists: n.lists.Load(),
		Deletes: n.deletes.Load(), Heads: n.heads.Load(),
		BytesUp: n.up.Load(), BytesDown: n.down.Load(),
	}
}
