package s3store_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
)

func Example() {
	// An in-process S3 server stands in for AWS here. In production:
	//	client, err := s3store.NewClient(ctx, s3store.ClientOptions{})
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer srv.Close()
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("key", "secret", ""),
	})
	ctx := context.Background()
	client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("my-bucket")})

	st := s3store.New(client, s3store.Options{Bucket: "my-bucket", Key: "apps/bank/journal"})
	defer st.Close()
	if err := st.Lock(ctx); err != nil {
		fmt.Println(err)
		return
	}
	w, _ := st.Create(ctx, store.TempPrefix+"1")
	w.Write([]byte("snapshot;"))
	w.Sync(ctx) // one segment object
	st.Rename(ctx, store.TempPrefix+"1", store.Journal)
	w.Write([]byte("event;"))
	w.Close() // a second segment; the writer followed the rename

	r, _ := st.Open(ctx, store.Journal)
	b, _ := io.ReadAll(r)
	r.Close()
	fmt.Printf("%s\n", b)
	// Output: snapshot;event;
}

// ExampleStore_OpenAt follows a journal as a follower's store does: a
// check that finds nothing new is one GET.
func ExampleStore_OpenAt() {
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer srv.Close()
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("key", "secret", ""),
	})
	ctx := context.Background()
	client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("my-bucket")})
	opts := s3store.Options{Bucket: "my-bucket", Key: "journal"}

	writer := s3store.New(client, opts)
	defer writer.Close()
	writer.Lock(ctx)
	w, _ := writer.Create(ctx, store.Journal)
	defer w.Close()
	w.Write([]byte("snapshot;"))
	w.Sync(ctx)

	follower := s3store.New(client, opts) // no Lock: it only reads
	defer follower.Close()
	check := func(off int64) string {
		r, _ := follower.OpenAt(ctx, store.Journal, off)
		defer r.Close()
		b, _ := io.ReadAll(r)
		return string(b)
	}
	fmt.Printf("%q\n", check(0))
	before := follower.Requests()
	fmt.Printf("%q\n", check(9))
	fmt.Printf("idle check: %d GET, %d LIST\n", follower.Requests().Gets-before.Gets, follower.Requests().Lists-before.Lists)
	w.Write([]byte("event;"))
	w.Sync(ctx)
	fmt.Printf("%q\n", check(9))
	// Output:
	// "snapshot;"
	// ""
	// idle check: 1 GET, 0 LIST
	// "event;"
}
