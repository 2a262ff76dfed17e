package main

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/internal/testutil"
	"github.com/prevayler-go/prevayler/store"
)

// tally is the test application's state: how many events, and their sum.
type tally struct{ N, Sum int }

func add(s tally, e int, _ time.Time) (tally, int, error) {
	return tally{s.N + 1, s.Sum + e}, s.Sum + e, nil
}

// epoch is the time of the first event the test clock gives.
var epoch = time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)

// clock returns a clock that advances one second per call from epoch.
func clock() func() time.Time {
	t := epoch.Add(-time.Second)
	return func() time.Time { t = t.Add(time.Second); return t }
}

// cmdResult is what one run of the command gave.
type cmdResult struct {
	code           int
	stdout, stderr string
}

// runCmd runs the command in process.
func runCmd(t *testing.T, args ...string) cmdResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	t.Logf("prevayler %s: exit %d\nstdout:\n%sstderr:\n%s", strings.Join(args, " "), code, out.String(), errb.String())
	return cmdResult{code, out.String(), errb.String()}
}

// journalOptions tune writeJournal.
type journalOptions struct {
	aead     cipher.AEAD
	snapshot bool // take a snapshot after the events
}

// writeJournal opens the journal at rawURL as an application would, handles
// the events 1..n and closes it. Every call retires the previous journal
// into an archive. It returns the state.
func writeJournal(t *testing.T, rawURL string, n int, o journalOptions) tally {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, rawURL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := prevayler.Open(ctx, add, prevayler.Options[tally]{Store: s, Clock: clock(), Encryption: o.aead})
	if err != nil {
		t.Fatalf("open %s: %v", rawURL, err)
	}
	defer p.Close()
	for i := 1; i <= n; i++ {
		if _, err := p.Handle(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	if o.snapshot {
		if err := p.Snapshot(ctx); err != nil {
			t.Fatal(err)
		}
	}
	st := p.State()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	return st
}

// recoverJournal opens the journal at rawURL as an application would and
// returns the state it recovers.
func recoverJournal(t *testing.T, rawURL string, aead cipher.AEAD) tally {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, rawURL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := prevayler.Open(ctx, add, prevayler.Options[tally]{Store: s, Encryption: aead})
	if err != nil {
		t.Fatalf("recover %s: %v", rawURL, err)
	}
	st := p.State()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	return st
}

// sum returns the state after the events 1..n.
func sum(n int) tally { return tally{n, n * (n + 1) / 2} }

func testAEAD(t *testing.T, key []byte) cipher.AEAD {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return aead
}

// s3URL returns the URL of a fresh journal on the test S3 server (see
// package s3test), with the environment's AWS configuration pointing at
// it.
func s3URL(t *testing.T) string {
	t.Helper()
	var client *s3.Client
	var bucket string
	endpoint := os.Getenv(s3test.EnvEndpoint)
	if endpoint != "" {
		client, bucket, _ = s3test.Server(t)
	} else {
		client, bucket, endpoint = s3test.InProcess(t)
		t.Logf("S3 server: %s at %s (set %s for a real one)", s3test.KindInProcess, endpoint, s3test.EnvEndpoint)
		none := filepath.Join(t.TempDir(), "none")
		for k, v := range map[string]string{
			"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_SESSION_TOKEN": "",
			"AWS_REGION": "us-east-1", "AWS_PROFILE": "", "AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none,
			"AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "",
		} {
			t.Setenv(k, v)
		}
	}
	key := s3test.Key(t, client, bucket)
	return "s3://" + bucket + "/" + key + "?endpoint=" + url.QueryEscape(endpoint) + "&sleep=20ms"
}

// journalPath returns the path of a journal in a new temporary directory.
func journalPath(t *testing.T) string {
	return filepath.Join(t.TempDir(), "data", "journal")
}

// archives returns the archive names at path's directory.
func archives(t *testing.T, path string) []string {
	t.Helper()
	m, err := filepath.Glob(path + store.ArchivePrefix + "*")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type syncBuffer = testutil.SyncBuffer
