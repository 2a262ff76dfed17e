package reliability_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/reliability/faultproxy"
	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/internal/testutil"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/uploader"
)

type lockedBuffer = testutil.SyncBuffer

type secretNote struct{ Text string }

func keepNote(s []string, e secretNote, _ time.Time) ([]string, int, error) {
	return append(slices.Clip(s), e.Text), len(s), nil
}

// TestS3NoSecretsInLogsOrErrors runs an encrypted journal on the S3 store
// through random faults and then a persistent failure, with the store's
// and the prevalent system's loggers at Debug level, and checks that no
// credential, no key and no event content reaches a log line or an error
// string, nor, in plaintext, an object. It uses the in-process server,
// whose credentials the test chooses.
func TestS3NoSecretsInLogsOrErrors(t *testing.T) {
	ctx := context.Background()
	direct, bucket, endpoint := s3test.InProcess(t)
	t.Logf("S3 server: %s at %s, behind a fault proxy", s3test.KindInProcess, endpoint)
	proxy := faultproxy.New(endpoint, faultproxy.Options{Latency: 10 * time.Millisecond})
	t.Cleanup(proxy.Close)
	accessKey := "AKIA" + strings.ToUpper(hex.EncodeToString(randomBytes(8)))
	secretKey := rand.Text() + rand.Text()
	token := rand.Text() + rand.Text()
	client := quickRetry{s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(proxy.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(accessKey, secretKey, token),
	})}
	key := s3test.Key(t, direct, bucket)
	encKey := randomBytes(32)
	block, _ := aes.NewCipher(encKey)
	aead, _ := cipher.NewGCM(block)
	secret := "secret-" + rand.Text()

	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var errs []error
	note := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	open := func(attempts int) (*prevayler.Prevayler[[]string, secretNote, int], error) {
		st := s3store.New(client, s3store.Options{
			Bucket: bucket, Key: key, SleepTime: 10 * time.Millisecond, Logger: log,
			Retry: uploader.Retry{Attempts: attempts, MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, Timeout: time.Second},
		})
		return prevayler.Open(ctx, keepNote, prevayler.Options[[]string]{Store: st, Logger: log, Encryption: aead, Durability: prevayler.Buffered})
	}

	proxy.SetRule(faultproxy.Random(0.3, 1, faultproxy.ServerError, faultproxy.SlowDown, faultproxy.Reset, faultproxy.LoseResponse))
	var p *prevayler.Prevayler[[]string, secretNote, int]
	var err error
	for range 5 {
		if p, err = open(8); err == nil {
			break
		}
		note(err)
	}
	if p == nil {
		t.Fatalf("could not open through 30%% faults: %v", err)
	}
	for i := range 30 {
		_, err := p.Handle(ctx, secretNote{Text: secret + "-" + string(rune('a'+i%26))})
		note(err)
		if i == 15 {
			note(p.Snapshot(ctx))
		}
	}
	note(p.Sync(ctx))
	note(p.Close())

	// A persistent failure: every request refused, the store gives up.
	proxy.SetRule(nil)
	if p, err = open(2); err != nil {
		t.Fatal(err)
	}
	proxy.SetRule(func(faultproxy.Request) faultproxy.Fault { return faultproxy.ServerError })
	_, err = p.Handle(ctx, secretNote{Text: secret + "-during-outage"})
	note(err)
	note(p.Sync(ctx))
	_, err = p.Handle(ctx, secretNote{Text: secret + "-after-outage"})
	note(err)
	note(p.Close())
	_, err = open(2)
	note(err)
	proxy.SetRule(nil)

	if len(errs) < 3 || !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "level=DEBUG") {
		t.Fatalf("the workload produced %d errors and these logs; the check would be thin:\n%s", len(errs), logs.String())
	}
	forbidden := map[string]string{
		"access key id":      accessKey,
		"secret access key":  secretKey,
		"session token":      token,
		"event content":      secret,
		"encryption key hex": hex.EncodeToString(encKey),
	}
	for what, s := range forbidden {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the log holds the %s", what)
		}
		for _, err := range errs {
			if strings.Contains(err.Error(), s) {
				t.Errorf("an error holds the %s: %v", what, err)
			}
		}
	}
	out, err := direct.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &key})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out.Contents {
		g, err := direct.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: o.Key})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(g.Body)
		g.Body.Close()
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("object %s holds an event in plaintext", *o.Key)
		}
	}
	t.Logf("%d log bytes, %d errors and %d objects checked; %d faults injected", len(logs.String()), len(errs), len(out.Contents), proxy.Injected())
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
