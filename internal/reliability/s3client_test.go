package reliability_test

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/s3store"
)

// quickRetry keeps the SDK's own retries (three attempts, as by default)
// but with short pauses: the default backoff of up to 20 s would make the
// fault tests wait, not test more. The store's retries come on top.
type quickRetry struct{ c *s3.Client }

var _ s3store.Client = quickRetry{}

func retryQuickly(o *s3.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.Backoff = retry.NewExponentialJitterBackoff(20 * time.Millisecond)
	})
}

func (q quickRetry) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return q.c.PutObject(ctx, in, append(o, retryQuickly)...)
}

func (q quickRetry) GetObject(ctx context.Context, in *s3.GetObjectInput, o ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return q.c.GetObject(ctx, in, append(o, retryQuickly)...)
}

func (q quickRetry) HeadObject(ctx context.Context, in *s3.HeadObjectInput, o ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	return q.c.HeadObject(ctx, in, append(o, retryQuickly)...)
}

func (q quickRetry) DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, o ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	return q.c.DeleteObject(ctx, in, append(o, retryQuickly)...)
}

func (q quickRetry) DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, o ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error) {
	return q.c.DeleteObjects(ctx, in, append(o, retryQuickly)...)
}

func (q quickRetry) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, o ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	return q.c.ListObjectsV2(ctx, in, append(o, retryQuickly)...)
}
