package uploader_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/uploader"
)

// TestFailAfter: uploads that keep failing with a retryable error fail
// the uploader once the oldest byte is FailAfter old: Err, Append, Wait
// and Sync report it, so a full buffer does not block for ever.
func TestFailAfter(t *testing.T) {
	f := newFakeStore()
	f.fail = func(uint64, int) error { return errUnavailable }
	const failAfter = 150 * time.Millisecond
	u := uploader.New(f.put, uploader.Options{SleepTime: 10 * time.Millisecond, MaxBuffer: 8, Retry: fastRetry, FailAfter: failAfter})
	defer u.Close()
	start := time.Now()
	if err := u.Append([]byte("0123456789")); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- u.Wait(context.Background()) }()
	select {
	case err := <-waited:
		if !errors.Is(err, errUnavailable) {
			t.Fatalf("Wait = %v, want the upload failure", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait on a full buffer still blocks 5 s after uploads started failing")
	}
	if took := time.Since(start); took < failAfter || took > failAfter+time.Second {
		t.Errorf("failed after %v, want about %v", took, failAfter)
	}
	if err := u.Err(); !errors.Is(err, errUnavailable) {
		t.Errorf("Err = %v", err)
	}
	if err := u.Append([]byte("x")); !errors.Is(err, errUnavailable) {
		t.Errorf("Append after the failure = %v", err)
	}
	if err := u.Sync(context.Background()); !errors.Is(err, errUnavailable) {
		t.Errorf("Sync after the failure = %v", err)
	}
}

// TestFailAfterHanging: attempts that never answer are cut short, so a
// hanging store fails the uploader as soon as a refusing one.
func TestFailAfterHanging(t *testing.T) {
	f := newFakeStore()
	f.gate = make(chan struct{}) // never opened
	retry := fastRetry
	retry.Timeout = time.Hour
	u := uploader.New(f.put, uploader.Options{SleepTime: 10 * time.Millisecond, Retry: retry, FailAfter: 200 * time.Millisecond})
	defer u.Close()
	u.Append([]byte("stuck"))
	deadline := time.Now().Add(3 * time.Second)
	for u.Err() == nil {
		if time.Now().After(deadline) {
			t.Fatal("a hanging store has not failed the uploader after 3 s, FailAfter 200ms")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !errors.Is(u.Err(), context.DeadlineExceeded) {
		t.Errorf("Err = %v, want the attempt's deadline", u.Err())
	}
}

// TestCloseContext: Close against a hanging store returns when its
// context ends, saying what was not stored.
func TestCloseContext(t *testing.T) {
	f := newFakeStore()
	f.gate = make(chan struct{})
	retry := fastRetry
	retry.Timeout = time.Hour
	u := uploader.New(f.put, uploader.Options{SleepTime: time.Hour, Retry: retry, FailAfter: time.Hour})
	u.Append([]byte("one"))
	u.Append([]byte("two"))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := u.CloseContext(ctx)
	if took := time.Since(start); took > time.Second {
		t.Fatalf("CloseContext took %v with a 100ms deadline", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "6 bytes in 2 writes not stored") {
		t.Fatalf("CloseContext = %v", err)
	}
	if err2 := u.Close(); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("second Close = %v, want %v", err2, err)
	}
}

func TestBudget(t *testing.T) {
	if got := (uploader.Retry{}).Budget(); got != 11300*time.Millisecond {
		t.Errorf("default budget %v, want 11.3s", got)
	}
	if got := (uploader.Retry{Attempts: 1}).Budget(); got != 0 {
		t.Errorf("budget of one attempt %v", got)
	}
}
