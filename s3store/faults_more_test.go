package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/internal/testutil"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/uploader"
)

// TestLostResponses: every other PUT is stored but its response is lost,
// so that every conditional write is retried and meets itself. The store
// must recognise its own writes: no error, no duplicate, no fencing.
func TestLostResponses(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ctx := t.Context()
	puts := 0
	fc := s3test.NewFaultClient(client, func(r s3test.Request) s3test.Fault {
		if r.Op != "PutObject" {
			return s3test.Pass
		}
		puts++
		if puts%2 == 1 {
			return s3test.Lose // the retry that follows goes through
		}
		return s3test.Pass
	})
	for run := range 3 {
		s := s3store.New(fc, options(bucket, key))
		recovered, acked, w, err := startUp(ctx, s, store.TempPrefix+"lost")
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if !acked || recovered != run {
			t.Fatalf("run %d: recovered %d, acked %v", run, recovered, acked)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	if fc.Count(s3test.Lose) < 20 {
		t.Fatalf("only %d lost responses injected", fc.Count(s3test.Lose))
	}
	t.Logf("%d lost PUT responses, all recognised as the store's own writes", fc.Count(s3test.Lose))
}

// TestPersistentFailureSurfaces: while every segment upload fails, Sync
// reports the failure and the log shows it; the bytes stay buffered and
// are stored once the server recovers.
func TestPersistentFailureSurfaces(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ctx := t.Context()
	var logs lockedBuffer
	opts := options(bucket, key)
	opts.Retry = uploader.Retry{Attempts: 3, MinDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	fc := s3test.NewFaultClient(client, nil)
	s := s3store.New(fc, opts)
	defer s.Close()
	if err := s.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := s.Create(ctx, store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	segments := func(r s3test.Request) s3test.Fault {
		if r.Op == "PutObject" && strings.Contains(r.Key, ".g/") {
			return s3test.SlowDown
		}
		return s3test.Pass
	}
	fc.SetRule(segments)
	if _, err := w.Write([]byte("precious")); err != nil {
		t.Fatal(err)
	}
	err = w.Sync(ctx)
	if err == nil || !strings.Contains(err.Error(), "SlowDown") {
		t.Fatalf("Sync while uploads fail: %v, want the SlowDown error", err)
	}
	if n, oldest := w.(store.Backlog).Backlog(); n != int64(len("precious")) || oldest.IsZero() {
		t.Errorf("Backlog() = %d, %v while failing, want the unstored bytes and their age", n, oldest)
	}
	if !strings.Contains(logs.String(), "will retry") {
		t.Errorf("the failures are not logged:\n%s", logs.String())
	}
	fc.SetRule(nil)
	deadline := time.Now().Add(5 * time.Second)
	for w.Sync(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatal("Sync still fails after the server recovered")
		}
	}
	if got := mustRead(t, s, store.Journal); got != "precious" {
		t.Fatalf("stored %q after recovery, want %q", got, "precious")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestThrottle: the writer's buffer is bounded; Wait blocks while it is
// full and honours its context.
func TestThrottle(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ctx := t.Context()
	fc := s3test.NewFaultClient(client, nil)
	opts := options(bucket, key)
	opts.MaxBuffer = 1000
	s := s3store.New(fc, opts)
	defer s.Close()
	if err := s.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := s.Create(ctx, store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	th, ok := w.(store.Throttle)
	if !ok {
		t.Fatal("the S3 writer does not implement store.Throttle")
	}
	fc.SetRule(func(r s3test.Request) s3test.Fault {
		if r.Op == "PutObject" {
			return s3test.ServerError
		}
		return s3test.Pass
	})
	if _, err := w.Write(bytes.Repeat([]byte("x"), 1000)); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := th.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait with a full buffer: %v, want DeadlineExceeded", err)
	}
	fc.SetRule(nil)
	if err := th.Wait(ctx); err != nil {
		t.Fatalf("Wait once uploads work: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := len(mustRead(t, s, store.Journal)); got != 1000 {
		t.Fatalf("stored %d bytes, want 1000", got)
	}
}

// TestBufferedFlushWithinSleepTime: without Sync, written bytes are
// stored within SleepTime plus an upload.
func TestBufferedFlushWithinSleepTime(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ctx := t.Context()
	opts := options(bucket, key)
	opts.SleepTime = 100 * time.Millisecond
	s := s3store.New(client, opts)
	defer s.Close()
	if err := s.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := s.Create(ctx, store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	start := time.Now()
	if _, err := w.Write([]byte("buffered")); err != nil {
		t.Fatal(err)
	}
	for mustRead(t, s, store.Journal) != "buffered" {
		if time.Since(start) > 5*time.Second {
			t.Fatal("buffered bytes not stored after 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	took := time.Since(start)
	if took < opts.SleepTime {
		t.Errorf("stored after %v, before SleepTime %v", took, opts.SleepTime)
	}
	t.Logf("buffered write stored after %v (SleepTime %v)", took, opts.SleepTime)
}

type lockedBuffer = testutil.SyncBuffer
