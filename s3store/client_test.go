package s3store_test

import (
	"context"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/prevayler-go/prevayler/s3store"
)

// isolateAWSEnv points the AWS configuration at empty files and test
// credentials, so that the machine's own configuration cannot leak in.
func isolateAWSEnv(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":             empty,
		"AWS_SHARED_CREDENTIALS_FILE": empty,
		"AWS_ACCESS_KEY_ID":           "test",
		"AWS_SECRET_ACCESS_KEY":       "test-secret",
		"AWS_REGION":                  "",
		"AWS_DEFAULT_REGION":          "",
		"AWS_PROFILE":                 "",
		"AWS_CA_BUNDLE":               "",
		"AWS_ENDPOINT_URL":            "",
		"AWS_ENDPOINT_URL_S3":         "",
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
}

// tlsServer starts gofakes3 over HTTPS with a self-signed certificate and
// writes that certificate to a PEM file.
func tlsServer(t *testing.T) (url, caFile string) {
	srv := httptest.NewTLSServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return srv.URL, caFile
}

func roundTrip(ctx context.Context, client *s3.Client) error {
	bucket := "ca-bundle-test"
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		return err
	}
	_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("k"), Body: strings.NewReader("v")})
	return err
}

// TestNewClientWithCABundle: with AWS_CA_BUNDLE set, NewClient builds a
// client, and that client trusts the bundle (a server whose certificate
// is only in the bundle answers); without it, the same server is refused.
func TestNewClientWithCABundle(t *testing.T) {
	isolateAWSEnv(t)
	url, caFile := tlsServer(t)
	ctx := t.Context()

	t.Setenv("AWS_CA_BUNDLE", caFile)
	client, err := s3store.NewClient(ctx, s3store.ClientOptions{Endpoint: url})
	if err != nil {
		t.Fatalf("NewClient with AWS_CA_BUNDLE: %v", err)
	}
	if err := roundTrip(ctx, client); err != nil {
		t.Fatalf("request through the CA bundle: %v", err)
	}
	if got := client.Options().Region; got != s3store.FallbackRegion {
		t.Errorf("region %q without one configured, want %q", got, s3store.FallbackRegion)
	}

	t.Setenv("AWS_CA_BUNDLE", "")
	plain, err := s3store.NewClient(ctx, s3store.ClientOptions{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	if err := roundTrip(ctx, plain); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("request without the bundle: %v, want a certificate error", err)
	}
}

// TestNewClientFromEnvironment: AWS_ENDPOINT_URL_S3 and AWS_REGION are
// honoured without any option.
func TestNewClientFromEnvironment(t *testing.T) {
	isolateAWSEnv(t)
	url, caFile := tlsServer(t)
	t.Setenv("AWS_CA_BUNDLE", caFile)
	t.Setenv("AWS_ENDPOINT_URL_S3", url)
	t.Setenv("AWS_REGION", "eu-west-3")
	client, err := s3store.NewClient(t.Context(), s3store.ClientOptions{PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := client.Options().Region; got != "eu-west-3" {
		t.Errorf("region %q, want eu-west-3 from AWS_REGION", got)
	}
	if err := roundTrip(t.Context(), client); err != nil {
		t.Fatalf("request to AWS_ENDPOINT_URL_S3: %v", err)
	}
}

func TestNewClientBadCABundle(t *testing.T) {
	isolateAWSEnv(t)
	t.Setenv("AWS_CA_BUNDLE", filepath.Join(t.TempDir(), "missing.pem"))
	if _, err := s3store.NewClient(t.Context(), s3store.ClientOptions{Endpoint: "https://127.0.0.1:1"}); err == nil {
		t.Fatal("NewClient with a missing CA bundle succeeded")
	} else {
		t.Logf("a missing bundle is reported: %v", err)
	}
}
