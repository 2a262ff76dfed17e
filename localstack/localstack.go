package localstack

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/testcontainers/testcontainers-go"
	tclocalstack "github.com/testcontainers/testcontainers-go/modules/localstack"

	"github.com/prevayler-go/prevayler/s3store"
)

// DefaultImage is the LocalStack image Run starts: a 4.x release, whose
// S3 honours the conditional writes (If-None-Match, If-Match) the store
// relies on.
const DefaultImage = "localstack/localstack:4.4"

// ImageEnv names the environment variable that overrides DefaultImage.
const ImageEnv = "PREVAYLER_LOCALSTACK_IMAGE"

// Region is the region the client signs for.
const Region = "us-east-1"

// Container is a running LocalStack.
type Container struct {
	// Endpoint is the S3 endpoint, http://host:port.
	Endpoint string
	// Client is an S3 client for Endpoint, path-style, test credentials.
	Client *s3.Client

	c *tclocalstack.LocalStackContainer
}

// Available returns nil if a Docker daemon answers, else why not.
// testcontainers panics in some set-ups without Docker; that is turned
// into an error too.
func Available(ctx context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("localstack: no Docker: %v", r)
		}
	}()
	provider, err := testcontainers.ProviderDefault.GetProvider()
	if err != nil {
		return fmt.Errorf("localstack: no Docker: %w", err)
	}
	defer provider.Close()
	if err := provider.Health(ctx); err != nil {
		return fmt.Errorf("localstack: no Docker: %w", err)
	}
	return nil
}

// Run starts LocalStack with only S3 enabled and waits until it answers.
// The caller calls Terminate.
func Run(ctx context.Context) (c *Container, err error) {
	if err := Available(ctx); err != nil {
		return nil, err
	}
	img := DefaultImage
	if v := os.Getenv(ImageEnv); v != "" {
		img = v
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("localstack: start %s: %v", img, r)
		}
	}()
	lc, err := tclocalstack.Run(ctx, img, testcontainers.WithEnv(map[string]string{"SERVICES": "s3"}))
	if err != nil {
		if lc != nil {
			testcontainers.TerminateContainer(lc)
		}
		return nil, fmt.Errorf("localstack: start %s: %w", img, err)
	}
	endpoint, err := lc.PortEndpoint(ctx, "4566/tcp", "http")
	if err != nil {
		testcontainers.TerminateContainer(lc)
		return nil, fmt.Errorf("localstack: endpoint: %w", err)
	}
	client, err := s3store.NewClient(ctx, s3store.ClientOptions{
		Region:      Region,
		Endpoint:    endpoint,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	if err != nil {
		testcontainers.TerminateContainer(lc)
		return nil, err
	}
	return &Container{Endpoint: endpoint, Client: client, c: lc}, nil
}

// Terminate stops and removes the container.
func (c *Container) Terminate(ctx context.Context) error {
	if err := c.c.Terminate(ctx); err != nil {
		return fmt.Errorf("localstack: terminate: %w", err)
	}
	return nil
}

// S3 starts LocalStack for one test and terminates it when the test
// ends. Without a Docker daemon it skips the test, saying so.
func S3(t *testing.T) *Container {
	t.Helper()
	ctx := context.Background()
	if err := Available(ctx); err != nil {
		t.Skipf("skipping: LocalStack needs a Docker daemon, and none answers (%v)", err)
	}
	testcontainers.SkipIfProviderIsNotHealthy(t)
	c, err := Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.Terminate(ctx); err != nil {
			t.Error(err)
		}
	})
	return c
}

// Bucket creates a bucket named after the test and returns its name.
func (c *Container) Bucket(t *testing.T) string {
	t.Helper()
	name := bucketName(t.Name())
	if _, err := c.Client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("localstack: create bucket %s: %v", name, err)
	}
	return name
}

// bucketName turns a test name into a valid, unique bucket name.
func bucketName(test string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(test) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > 40 {
		name = name[:40]
	}
	return fmt.Sprintf("%s-%d", strings.Trim(name, "-"), time.Now().UnixNano()%1e12)
}
