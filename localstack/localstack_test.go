package localstack_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/localstack"
)

func TestAvailableReportsWithoutPanicking(t *testing.T) {
	err := localstack.Available(context.Background())
	t.Logf("Docker available: %v (%v)", err == nil, err)
	if err != nil && !strings.Contains(err.Error(), "no Docker") {
		t.Errorf("Available's error does not say why: %v", err)
	}
}

func TestCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := localstack.Run(ctx); err == nil {
		t.Fatal("Run with a canceled context succeeded")
	}
}

// TestS3 starts LocalStack (or skips without Docker) and round-trips an
// object, conditional write included.
func TestS3(t *testing.T) {
	c := localstack.S3(t)
	t.Logf("S3 server: LocalStack at %s", c.Endpoint)
	bucket := c.Bucket(t)
	ctx := t.Context()
	put := func(ifNoneMatch bool) error {
		in := &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("k"), Body: bytes.NewReader([]byte("v"))}
		if ifNoneMatch {
			in.IfNoneMatch = aws.String("*")
		}
		_, err := c.Client.PutObject(ctx, in)
		return err
	}
	if err := put(true); err != nil {
		t.Fatal(err)
	}
	if err := put(true); err == nil {
		t.Error("a second If-None-Match PUT succeeded: LocalStack ignores conditional writes")
	}
	out, err := c.Client.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	if b, err := io.ReadAll(out.Body); err != nil || string(b) != "v" {
		t.Fatalf("read back %q, %v", b, err)
	}
}
