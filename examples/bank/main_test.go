package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/internal/testutil"
)

// TestDemo runs the demo twice: the second run recovers what the first
// did.
func TestDemo(t *testing.T) {
	journal := filepath.Join(t.TempDir(), "bank-data", "journal")
	args := []string{"-demo", "-store", journal, "-accounts", "100", "-transfers", "300", "-writers", "8"}
	for i, want := range []string{"0 transfers and 0 deposits so far", "300 transfers and 0 deposits so far"} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 0 {
			t.Fatalf("run %d: exit %d: %s", i+1, code, errb.String())
		}
		t.Logf("run %d:\n%s", i+1, out.String())
		if !strings.Contains(out.String(), "recovered "+journal) || !strings.Contains(out.String(), want) {
			t.Errorf("run %d: output lacks %q", i+1, want)
		}
		if !strings.Contains(out.String(), fmt.Sprintf("closed: %d transfers in all, total balance 100000", 300*(i+1))) {
			t.Errorf("run %d: wrong closing line", i+1)
		}
	}
}

func TestRunUsage(t *testing.T) {
	for args, want := range map[string]int{"-h": 0, "-nope": 2, "extra": 2} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), strings.Fields(args), &out, &errb); code != want {
			t.Errorf("%s: exit %d, want %d", args, code, want)
		}
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-demo", "-store", "nope://x"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), `unknown scheme "nope"`) {
		t.Errorf("bad store: exit %d, stderr %q", code, errb.String())
	}
}

// TestServe runs the service on each store, makes a deposit over HTTP,
// stops the service as SIGTERM would, and checks that the next start
// recovers the deposit.
func TestServe(t *testing.T) {
	stores := map[string]func(t *testing.T) string{
		"local": func(t *testing.T) string { return filepath.Join(t.TempDir(), "journal") },
		"s3":    s3Journal,
	}
	for name, journal := range stores {
		t.Run(name, func(t *testing.T) {
			cfg := config{store: journal(t), accounts: 10, writers: 1}
			balance := func() float64 {
				ctx, cancel := context.WithCancel(context.Background())
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				var out syncBuffer
				done := make(chan error, 1)
				go func() { done <- serve(ctx, cfg, ln, &out) }()
				base := "http://" + ln.Addr().String()
				resp, err := http.Post(base+"/deposits", "application/json", strings.NewReader(`{"account":4,"amount":25}`))
				if err != nil {
					cancel()
					t.Fatal(err)
				}
				var rc struct{ Balance float64 }
				json.NewDecoder(resp.Body).Decode(&rc)
				resp.Body.Close()
				if resp, err := http.Get(base + "/debug/vars"); err != nil || resp.StatusCode != 200 {
					t.Errorf("GET /debug/vars: %v", err)
				} else {
					var vars map[string]any
					json.NewDecoder(resp.Body).Decode(&vars)
					resp.Body.Close()
					if _, ok := vars["prevayler"].(map[string]any); !ok {
						t.Errorf("/debug/vars lacks the prevayler statistics")
					}
				}
				cancel()
				select {
				case err := <-done:
					if err != nil {
						t.Fatalf("serve: %v", err)
					}
				case <-time.After(30 * time.Second):
					t.Fatal("serve did not return after its context ended")
				}
				t.Logf("service output:\n%s", out.String())
				if !strings.Contains(out.String(), "shutting down") || !strings.Contains(out.String(), "closed: 0 transfers and") {
					t.Errorf("no graceful shutdown in the output")
				}
				return rc.Balance
			}
			if b := balance(); b != 1025 {
				t.Errorf("first run: balance %v, want 1025", b)
			}
			if b := balance(); b != 1050 {
				t.Errorf("second run: balance %v, want 1050: the first deposit was not recovered", b)
			}
		})
	}
}

// s3Journal returns the URL of a fresh journal on the test S3 server, with
// the environment's AWS configuration pointing at it.
func s3Journal(t *testing.T) string {
	if endpoint := os.Getenv(s3test.EnvEndpoint); endpoint != "" {
		client, bucket, _ := s3test.Server(t)
		return "s3://" + bucket + "/" + s3test.Key(t, client, bucket) + "?endpoint=" + url.QueryEscape(endpoint)
	}
	client, bucket, endpoint := s3test.InProcess(t)
	t.Logf("S3 server: %s at %s (set %s for a real one)", s3test.KindInProcess, endpoint, s3test.EnvEndpoint)
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_SESSION_TOKEN": "",
		"AWS_REGION": "us-east-1", "AWS_PROFILE": "", "AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "",
	} {
		t.Setenv(k, v)
	}
	return "s3://" + bucket + "/" + s3test.Key(t, client, bucket) + "?endpoint=" + url.QueryEscape(endpoint)
}

type syncBuffer = testutil.SyncBuffer
