package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/s3store"
)

// journalURL returns the URL of a fresh journal on an S3 server: the one
// named by PREVAYLER_S3_ENDPOINT (with the standard AWS_* credentials), as
// in the library's own tests, else gofakes3 in process, which honours the
// conditional writes the S3 store fences writers with. sleep=1h leaves
// uploads to Sync alone.
func journalURL(t *testing.T) string {
	t.Helper()
	endpoint := os.Getenv("PREVAYLER_S3_ENDPOINT")
	if endpoint != "" {
		t.Logf("S3 server: PREVAYLER_S3_ENDPOINT=%s", endpoint)
	} else {
		srv := httptest.NewServer(gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.GlobalLog(gofakes3.LogErr))).Server())
		t.Cleanup(srv.Close)
		endpoint = srv.URL
		t.Logf("S3 server: in-process gofakes3 at %s (set PREVAYLER_S3_ENDPOINT for a real one)", endpoint)
		none := filepath.Join(t.TempDir(), "none")
		for k, v := range map[string]string{
			"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_SESSION_TOKEN": "",
			"AWS_REGION": "us-east-1", "AWS_PROFILE": "", "AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none,
			"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "",
		} {
			t.Setenv(k, v)
		}
	}
	client, err := s3store.NewClient(t.Context(), s3store.ClientOptions{Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	id := hex.EncodeToString(b)
	bucket := os.Getenv("PREVAYLER_S3_BUCKET")
	if bucket == "" {
		bucket = "prevayler-lambda-" + id
		if _, err := client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
			t.Fatalf("create bucket: %v", err)
		}
	}
	return "s3://" + bucket + "/t-" + id + "/journal?sleep=1h&endpoint=" + url.QueryEscape(endpoint)
}

func TestFunction(t *testing.T) {
	ctx := context.Background()
	u := journalURL(t)
	first, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()

	steps := []struct {
		req  Request
		want Response
	}{
		{Request{Op: "deposit", Account: 7, Amount: 250}, Response{Account: 7, Balance: 1250}},
		{Request{Op: "open", Amount: 40}, Response{Account: 100, Balance: 40}},
		{Request{Op: "transfer", From: 7, To: 100, Amount: 300}, Response{FromBalance: 950, ToBalance: 340}},
		{Request{Op: "balance", Account: 100}, Response{Account: 100, Balance: 340}},
		{Request{Op: "transfer", From: 1, To: 2, Amount: 5000}, Response{Error: "insufficient funds: account 1 has 1000, transfer of 5000"}},
		{Request{Op: "deposit", Account: 999, Amount: 1}, Response{Error: "no such account: 999"}},
		{Request{Op: "withdraw"}, Response{Error: `unknown op "withdraw": want open, deposit, transfer or balance`}},
	}
	var last uint64
	for _, s := range steps {
		got, err := first.Handle(ctx, s.req)
		seq := got.Seq
		got.Seq = 0
		if err != nil || got != s.want {
			t.Errorf("%+v: %+v, %v; want %+v", s.req, got, err, s.want)
		}
		// Every answer but a refusal names the last event it includes.
		if s.want.Error == "" && seq < max(last, 1) {
			t.Errorf("%+v: seq %d, want at least %d", s.req, seq, max(last, 1))
		}
		last = max(last, seq)
	}
	if last != 3 {
		t.Errorf("the writer answered up to event %d, want 3", last)
	}

	// A new cold start while the first instance is frozen, never closed:
	// it finds every acknowledged event, which only Sync can have stored.
	second, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if got, _ := second.Handle(ctx, Request{Op: "balance", Account: 7}); got.Balance != 950 {
		t.Errorf("after a cold start, account 7 holds %d, want 950", got.Balance)
	}
	if _, err := second.Handle(ctx, Request{Op: "deposit", Account: 7, Amount: 50}); err != nil {
		t.Fatal(err)
	}

	// The first instance wakes up: it was taken over, so its event fails,
	// and its next invocation reopens with the second one's events.
	if _, err := first.Handle(ctx, Request{Op: "deposit", Account: 7, Amount: 1}); !errors.Is(err, prevayler.ErrFenced) {
		t.Errorf("fenced instance: %v, want ErrFenced", err)
	}
	if got, err := first.Handle(ctx, Request{Op: "balance", Account: 7}); err != nil || got.Balance != 1000 {
		t.Errorf("reopened instance: account 7 holds %d (%v), want 1000", got.Balance, err)
	}
}

// TestLambdaPayload goes through aws-lambda-go's handler adapter, as the
// Lambda runtime does: JSON in, JSON out.
func TestLambdaPayload(t *testing.T) {
	f, err := Open(context.Background(), journalURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out, err := lambda.NewHandler(f.Handle).Invoke(context.Background(), []byte(`{"op":"deposit","account":3,"amount":5}`))
	if err != nil {
		t.Fatal(err)
	}
	var r Response
	if err := json.Unmarshal(out, &r); err != nil || r != (Response{Account: 3, Balance: 1005, Seq: 1}) {
		t.Errorf("reply %s (%v), want account 3 with 1005 after event 1", out, err)
	}
}

func TestOpenBadURL(t *testing.T) {
	if _, err := Open(context.Background(), "s3://bucket/journal?colour=red"); err == nil {
		t.Error("Open with an unknown parameter succeeded")
	}
}
