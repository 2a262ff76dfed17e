package s3store

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Client is the part of the S3 API the store uses. *s3.Client satisfies
// it; tests wrap it to inject faults.
type Client interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, opts ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

var _ Client = (*s3.Client)(nil)

// FallbackRegion is the region NewClient uses for a custom endpoint when
// the environment names none: S3-compatible servers need one to sign
// requests, and most accept any.
const FallbackRegion = "us-east-1"

// ClientOptions configure NewClient. The zero value uses the standard AWS
// configuration alone.
type ClientOptions struct {
	// Region overrides AWS_REGION and the profile's region.
	Region string
	// Endpoint is the URL of an S3-compatible server (LocalStack,
	// versitygw, MinIO...). Empty: AWS, or AWS_ENDPOINT_URL_S3 /
	// AWS_ENDPOINT_URL when set. An Endpoint implies PathStyle.
	Endpoint string
	// PathStyle addresses buckets as https://host/bucket instead of
	// https://bucket.host, as most S3-compatible servers need.
	PathStyle bool
	// Profile selects a shared configuration profile instead of
	// AWS_PROFILE.
	Profile string
	// Credentials replace the default chain (environment, profiles, web
	// identity, ECS and EC2 roles, the Lambda environment).
	Credentials aws.CredentialsProvider
}

// NewClient builds an S3 client from the standard AWS configuration
// (config.LoadDefaultConfig: environment variables, shared config and
// credentials files, SSO, roles) and opts. On EC2 the region comes from
// the instance metadata when nothing else names one. A custom endpoint
// (Endpoint, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL) implies path-style
// addressing. No region at all is an error at once. The client makes one
// attempt per call: the store owns retries (Options.Retry), so that
// Retry.Attempts is the number of HTTP attempts. It leaves the SDK's HTTP
// client in place, so AWS_CA_BUNDLE keeps working: the SDK can only add a
// CA bundle to the HTTP client it builds itself.
func NewClient(ctx context.Context, opts ClientOptions) (*s3.Client, error) {
	var load []func(*config.LoadOptions) error
	if opts.Region != "" {
		load = append(load, config.WithRegion(opts.Region))
	}
	if opts.Profile != "" {
		load = append(load, config.WithSharedConfigProfile(opts.Profile))
	}
	if opts.Credentials != nil {
		load = append(load, config.WithCredentialsProvider(opts.Credentials))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("s3store: load AWS configuration: %w", err)
	}
	custom := opts.Endpoint != "" || cfg.BaseEndpoint != nil || os.Getenv("AWS_ENDPOINT_URL_S3") != ""
	if cfg.Region == "" && custom {
		cfg.Region = FallbackRegion
	}
	if cfg.Region == "" {
		// On EC2, the instance's region; elsewhere the metadata service
		// does not answer (or is disabled) and the region stays unknown.
		withIMDS, err := config.LoadDefaultConfig(ctx, append(load, config.WithEC2IMDSRegion())...)
		if err != nil || withIMDS.Region == "" {
			return nil, fmt.Errorf("s3store: %w (instance metadata: %v)", ErrNoRegion, err)
		}
		cfg = withIMDS
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
		}
		if opts.PathStyle || custom {
			o.UsePathStyle = true
		}
		o.Retryer = aws.NopRetryer{}
	}), nil
}

// oneAttempt makes every call of the client a single HTTP attempt, as the
// store's retry policy expects, whatever retryer the caller's client was
// built with; the SDK still learns the clock offset from each response.
type oneAttempt struct{ c Client }

var _ Client = oneAttempt{}

func noRetry(o *s3.Options) { o.Retryer = aws.NopRetryer{} }

func (a oneAttempt) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return a.c.PutObject(ctx, in, append(o, noRetry)...)
}

func (a oneAttempt) GetObject(ctx context.Context, in *s3.GetObjectInput, o ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return a.c.GetObject(ctx, in, append(o, noRetry)...)
}

func (a oneAttempt) HeadObject(ctx context.Context, in *s3.HeadObjectInput, o ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	return a.c.HeadObject(ctx, in, append(o, noRetry)...)
}

func (a oneAttempt) DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, o ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	return a.c.DeleteObject(ctx, in, append(o, noRetry)...)
}

func (a oneAttempt) DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, o ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error) {
	return a.c.DeleteObjects(ctx, in, append(o, noRetry)...)
}

func (a oneAttempt) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, o ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	return a.c.ListObjectsV2(ctx, in, append(o, noRetry)...)
}
