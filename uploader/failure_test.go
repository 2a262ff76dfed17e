package uploader_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/internal/testutil"
	"github.com/prevayler-go/prevayler/uploader"
)

// fastRetry keeps failure tests quick.
var fastRetry = uploader.Retry{Attempts: 3, MinDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond}

func TestTransientFailuresAreRetried(t *testing.T) {
	f := newFakeStore()
	f.fail = func(seq uint64, attempt int) error {
		if attempt <= 2 {
			return errUnavailable
		}
		return nil
	}
	u := uploader.New(f.put, uploader.Options{SleepTime: time.Hour, Retry: fastRetry})
	defer u.Close()
	if err := u.Append([]byte("payload")); err != nil {
		t.Fatal(err)
	}
	if err := u.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.joined(); got != "payload" {
		t.Errorf("stored %q", got)
	}
	if st := u.Stats(); st.Failures != 2 || st.Segments != 1 {
		t.Errorf("stats %+v, want 2 failures and 1 segment", st)
	}
}

func TestLostResponseIsNotDuplicated(t *testing.T) {
	f := newFakeStore()
	f.loseResponse = true
	u := uploader.New(f.put, uploader.Options{SleepTime: time.Hour, Retry: fastRetry})
	for i := range 5 {
		if err := u.Append([]byte{byte('a' + i)}); err != nil {
			t.Fatal(err)
		}
		if err := u.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	if got := f.joined(); got != "abcde" {
		t.Errorf("stored %q, want %q", got, "abcde")
	}
	if got := u.Stats().Failures; got != 5 {
		t.Errorf("%d failures, want one lost response per segment", got)
	}
}

// TestPersistentFailureSurfaces: Sync reports a failure that lasts, the
// log shows it, the bytes stay buffered, and they are stored once the
// failure ends.
func TestPersistentFailureSurfaces(t *testing.T) {
	f := newFakeStore()
	f.fail = func(uint64, int) error { return errUnavailable }
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	u := uploader.New(f.put, uploader.Options{SleepTime: time.Hour, Retry: fastRetry, Logger: logger})
	defer u.Close()

	if err := u.Append([]byte("keep me")); err != nil {
		t.Fatal(err)
	}
	err := u.Sync(context.Background())
	if !errors.Is(err, errUnavailable) {
		t.Fatalf("Sync: %v, want the upload error", err)
	}
	if !strings.Contains(logs.String(), "upload failed") {
		t.Errorf("failure not logged; log: %s", logs.String())
	}
	if n, oldest := u.Backlog(); n != len("keep me") || time.Since(oldest) > time.Minute {
		t.Errorf("Backlog() = %d, %v after failures, want the bytes kept and their age", n, oldest)
	}
	if err := u.Append([]byte(", and me")); err != nil {
		t.Fatalf("Append while failing: %v", err)
	}

	f.set(func(f *fakeStore) { f.fail = nil })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	waitFor(t, "recovery", 5*time.Second, func() bool { return u.Sync(ctx) == nil })
	if got := f.joined(); got != "keep me, and me" {
		t.Errorf("stored %q after recovery", got)
	}
}

func TestCloseGivesUpAndReports(t *testing.T) {
	f := newFakeStore()
	f.fail = func(uint64, int) error { return errUnavailable }
	u := uploader.New(f.put, uploader.Options{SleepTime: time.Hour, Retry: fastRetry})
	if err := u.Append([]byte("doomed")); err != nil {
		t.Fatal(err)
	}
	if err := u.Close(); !errors.Is(err, errUnavailable) {
		t.Fatalf("Close: %v, want the upload error", err)
	}
	if err := u.Close(); !errors.Is(err, errUnavailable) {
		t.Errorf("second Close: %v, want the same error", err)
	}
}

func TestPermanentErrorStopsAtOnce(t *testing.T) {
	errFenced := errors.New("fenced")
	f := newFakeStore()
	f.fail = func(uint64, int) error { return uploader.Permanent(errFenced) }
	u := uploader.New(f.put, uploader.Options{SleepTime: time.Hour})
	if err := u.Append([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := u.Sync(context.Background()); !errors.Is(err, errFenced) || !uploader.IsPermanent(err) {
		t.Fatalf("Sync: %v, want the permanent error", err)
	}
	if f.calls != 1 {
		t.Errorf("%d attempts, want 1: a permanent error is not retried", f.calls)
	}
	if err := u.Append([]byte("y")); !errors.Is(err, errFenced) {
		t.Errorf("Append after a permanent error: %v", err)
	}
	if err := u.Wait(context.Background()); !errors.Is(err, errFenced) {
		t.Errorf("Wait after a permanent error: %v", err)
	}
	if err := u.Close(); !errors.Is(err, errFenced) {
		t.Errorf("Close after a permanent error: %v", err)
	}
}

func TestSyncHonoursContext(t *testing.T) {
	f := newFakeStore()
	f.gate = make(chan struct{})
	u := uploader.New(f.put, uploader.Options{SleepTime: time.Hour})
	if err := u.Append([]byte("x")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := u.Sync(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Sync: %v, want DeadlineExceeded", err)
	}
	close(f.gate)
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	if got := f.joined(); got != "x" {
		t.Errorf("stored %q", got)
	}
}

func TestBackoff(t *testing.T) {
	r := uploader.Retry{MinDelay: 10 * time.Millisecond, MaxDelay: 80 * time.Millisecond}
	for _, tc := range []struct {
		failures int
		max      time.Duration
	}{{1, 10 * time.Millisecond}, {2, 20 * time.Millisecond}, {4, 80 * time.Millisecond}, {9, 80 * time.Millisecond}, {200, 80 * time.Millisecond}} {
		for range 50 {
			d := r.Backoff(tc.failures)
			if d < tc.max/2 || d > tc.max {
				t.Fatalf("Backoff(%d) = %v, want in [%v, %v]", tc.failures, d, tc.max/2, tc.max)
			}
		}
	}
}

type syncBuffer = testutil.SyncBuffer
