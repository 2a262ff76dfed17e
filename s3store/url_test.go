package s3store_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
)

func TestParseURL(t *testing.T) {
	u, _ := url.Parse("s3://my-bucket/apps/bank/journal?region=eu-west-1&endpoint=http://127.0.0.1:4566" +
		"&sleep=500ms&buffer=64MiB&concurrency=4&inflight=3&attempts=3&timeout=10s&profile=dev&pathstyle=true" +
		"&failafter=20s&closetimeout=5s&poll=2s&tailrefresh=20s")
	opts, copts, err := s3store.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	want := s3store.Options{Bucket: "my-bucket", Key: "apps/bank/journal", SleepTime: 500 * time.Millisecond,
		MaxBuffer: 64 << 20, Concurrency: 4, MaxInflight: 3, FailAfter: 20 * time.Second, CloseTimeout: 5 * time.Second,
		PollInterval: 2 * time.Second, TailRefresh: 20 * time.Second}
	want.Retry.Attempts, want.Retry.Timeout = 3, 10*time.Second
	if opts != want {
		t.Errorf("Options = %+v, want %+v", opts, want)
	}
	wantc := s3store.ClientOptions{Region: "eu-west-1", Endpoint: "http://127.0.0.1:4566", Profile: "dev", PathStyle: true}
	if copts != wantc {
		t.Errorf("ClientOptions = %+v, want %+v", copts, wantc)
	}

	u, _ = url.Parse("s3://b")
	opts, copts, err = s3store.ParseURL(u)
	if err != nil || opts != (s3store.Options{Bucket: "b"}) || copts != (s3store.ClientOptions{}) {
		t.Errorf("s3://b = %+v %+v %v, want only the bucket set (defaults)", opts, copts, err)
	}
}

func TestParseURLBuffer(t *testing.T) {
	for in, want := range map[string]int{"1": 1, "4096": 4096, "8KiB": 8 << 10, "8K": 8 << 10, "3MiB": 3 << 20, "2G": 2 << 30} {
		u, _ := url.Parse("s3://b/j?buffer=" + in)
		opts, _, err := s3store.ParseURL(u)
		if err != nil || opts.MaxBuffer != want {
			t.Errorf("buffer=%s: MaxBuffer %d, %v; want %d", in, opts.MaxBuffer, err, want)
		}
	}
}

func TestOpenURLErrors(t *testing.T) {
	tests := []struct{ url, want string }{
		{"s3://b/j?colour=red", `unknown parameter "colour"`},
		{"s3://b/j?sleep=soon", `parameter sleep="soon": want a positive duration`},
		{"s3://b/j?sleep=-1s", `parameter sleep="-1s"`},
		{"s3://b/j?timeout=0s", `parameter timeout="0s"`},
		{"s3://b/j?buffer=lots", `parameter buffer="lots"`},
		{"s3://b/j?buffer=0", `parameter buffer="0"`},
		{"s3://b/j?buffer=99999999999G", "size too large"},
		{"s3://b/j?concurrency=0", `parameter concurrency="0"`},
		{"s3://b/j?attempts=x", `parameter attempts="x"`},
		{"s3://b/j?pathstyle=maybe", `parameter pathstyle="maybe"`},
		{"s3://b/j?endpoint=127.0.0.1:4566", `parameter endpoint="127.0.0.1:4566"`},
		{"s3://b/j?region=a&region=b", `parameter "region" given 2 times`},
		{"s3:///journal", "names no bucket"},
		{"s3:bucket/journal", "starts with s3://BUCKET/"},
		{"s3://bucket:4566/journal", "holds a port"},
		{"s3://key:secret@bucket/journal", "carries no credentials"},
		{"s3://b/apps/bank/", "ends with a slash"},
		{"s3://b/j#x", `unexpected fragment "x"`},
		{"s3://b/j%zz", "malformed URL"},
	}
	for _, tt := range tests {
		_, err := store.Open(context.Background(), tt.url)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("store.Open(%q) = %v, want an error containing %q", tt.url, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("store.Open(%q) = %q shows the password", tt.url, err)
		}
	}
}

// TestOpenURLServer writes through a store opened from a URL and reads the
// journal back through a client built independently.
func TestOpenURLServer(t *testing.T) {
	ctx := t.Context()
	client, bucket, endpoint := urlServer(t)
	key := s3test.Key(t, client, bucket)
	s, err := store.Open(ctx, "s3://"+bucket+"/"+key+"?endpoint="+url.QueryEscape(endpoint)+"&sleep=10ms")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := s.(*s3store.Store); !ok {
		t.Fatalf("store.Open = %T, want *s3store.Store", s)
	}
	if err := s.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(ctx, s, store.Journal, "S0|e1"); err != nil {
		t.Fatal(err)
	}
	other := s3store.New(client, s3store.Options{Bucket: bucket, Key: key})
	defer other.Close()
	if got := mustRead(t, other, store.Journal); got != "S0|e1" {
		t.Errorf("read back %q, want S0|e1", got)
	}
}

// urlServer returns the test S3 server with its endpoint, and points the
// AWS configuration of the environment at it: the server named by
// s3test.EnvEndpoint with the environment's credentials, else an
// in-process one with test credentials.
func urlServer(t *testing.T) (client *s3.Client, bucket, endpoint string) {
	t.Helper()
	if endpoint = os.Getenv(s3test.EnvEndpoint); endpoint != "" {
		c, b, _ := s3test.Server(t)
		return c, b, endpoint
	}
	c, b, endpoint := s3test.InProcess(t)
	t.Logf("S3 server: %s at %s (set %s for a real one)", s3test.KindInProcess, endpoint, s3test.EnvEndpoint)
	isolateAWS(t)
	return c, b, endpoint
}

// isolateAWS gives the test fixed credentials and no shared configuration,
// so that the machine's AWS setup cannot interfere.
func isolateAWS(t *testing.T) {
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_SESSION_TOKEN": "",
		"AWS_REGION": "us-east-1", "AWS_PROFILE": "", "AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "",
	} {
		t.Setenv(k, v)
	}
}

// FuzzParseURL checks that no URL makes ParseURL panic, and that what it
// accepts names a bucket.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"s3://b/j?sleep=1s&buffer=64MiB", "s3://b", "s3://b/k?endpoint=http://h:1", "s3://b/k?buffer=9G"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := url.Parse(s)
		if err != nil {
			return
		}
		opts, _, err := s3store.ParseURL(u)
		if err == nil && (opts.Bucket == "" || opts.MaxBuffer < 0 || opts.SleepTime < 0) {
			t.Errorf("ParseURL(%q) = %+v", s, opts)
		}
	})
}
