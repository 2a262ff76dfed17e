package uploader_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/uploader"
)

func TestFlushAfterSleepTime(t *testing.T) {
	const sleep = 80 * time.Millisecond
	f := newFakeStore()
	u := uploader.New(f.put, uploader.Options{SleepTime: sleep})
	defer u.Close()

	start := time.Now()
	if err := u.Append([]byte("event")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first segment", 5*time.Second, func() bool { return len(f.segments()) == 1 })
	f.mu.Lock()
	took := f.at[1].Sub(start)
	f.mu.Unlock()
	if took < sleep || took > sleep+time.Second {
		t.Errorf("segment stored %v after append, want about %v", took, sleep)
	}
	if got := f.joined(); got != "event" {
		t.Errorf("stored %q, want %q", got, "event")
	}
}

func TestNothingUploadedWhenIdle(t *testing.T) {
	f := newFakeStore()
	u := uploader.New(f.put, uploader.Options{SleepTime: 5 * time.Millisecond})
	time.Sleep(40 * time.Millisecond)
	if err := u.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	if f.calls != 0 {
		t.Errorf("%d uploads of an empty buffer, want none", f.calls)
	}
}

func TestSyncUploadsAtOnce(t *testing.T) {
	f := newFakeStore()
	u := uploader.New(f.put, uploader.Options{SleepTime: time.Hour})
	defer u.Close()
	for _, s := range []string{"a", "bb", "ccc"} {
		if err := u.Append([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := u.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if segs := f.segments(); len(segs) != 1 || string(segs[0]) != "abbccc" {
		t.Errorf("segments %q, want one \"abbccc\"", segs)
	}
	if n, oldest := u.Backlog(); n != 0 || !oldest.IsZero() {
		t.Errorf("Backlog() = %d, %v after Sync, want nothing", n, oldest)
	}
}

func TestCloseUploadsEverything(t *testing.T) {
	f := newFakeStore()
	u := uploader.New(f.put, uploader.Options{SleepTime: time.Hour})
	var want strings.Builder
	for i := range 100 {
		s := fmt.Sprintf("event-%d;", i)
		want.WriteString(s)
		if err := u.Append([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	if got := f.joined(); got != want.String() {
		t.Errorf("stored %q, want %q", got, want.String())
	}
	if err := u.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := u.Append([]byte("late")); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
}

func TestFlushWhenQuarterFull(t *testing.T) {
	f := newFakeStore()
	u := uploader.New(f.put, uploader.Options{SleepTime: time.Hour, MaxBuffer: 400})
	defer u.Close()
	if err := u.Append(make([]byte, 99)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	if n := len(f.segments()); n != 0 {
		t.Fatalf("%d segments below a quarter of MaxBuffer, want 0", n)
	}
	if err := u.Append(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "an upload at a quarter of MaxBuffer", 5*time.Second, func() bool { return len(f.segments()) == 1 })
}

// TestGroupCommit holds the first upload in flight while more bytes and
// Sync calls arrive: they must all ride in the one next segment.
func TestGroupCommit(t *testing.T) {
	f := newFakeStore()
	gate := make(chan struct{})
	f.gate = gate
	u := uploader.New(f.put, uploader.Options{SleepTime: time.Hour})
	defer u.Close()
	ctx := context.Background()

	if err := u.Append([]byte("first;")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	wg.Add(1)
	go func() { defer wg.Done(); errs <- u.Sync(ctx) }()
	waitFor(t, "the first upload to start", 5*time.Second, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.started == 1
	})

	var want strings.Builder
	want.WriteString("first;")
	for i := range 10 {
		s := fmt.Sprintf("e%d;", i)
		want.WriteString(s)
		if err := u.Append([]byte(s)); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); errs <- u.Sync(ctx) }()
	}
	close(gate) // release every attempt from now on
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	segs := f.segments()
	if len(segs) != 2 {
		t.Fatalf("%d segments %q, want 2: the in-flight one and one for everything after", len(segs), segs)
	}
	if got := f.joined(); got != want.String() {
		t.Errorf("stored %q, want %q", got, want.String())
	}
}

func TestWaitBoundsTheBuffer(t *testing.T) {
	f := newFakeStore()
	gate := make(chan struct{})
	f.gate = gate
	u := uploader.New(f.put, uploader.Options{SleepTime: time.Hour, MaxBuffer: 100})
	defer u.Close()

	if err := u.Wait(context.Background()); err != nil {
		t.Fatalf("Wait on an empty buffer: %v", err)
	}
	if err := u.Append(make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := u.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait on a full buffer: %v, want DeadlineExceeded", err)
	}

	done := make(chan error, 1)
	go func() { done <- u.Wait(context.Background()) }()
	select {
	case err := <-done:
		t.Fatalf("Wait returned %v while the buffer is full", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(gate)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait still blocked after the upload finished")
	}
}

// TestSegmentsHoldWholeAppends appends from several goroutines with Syncs
// at random moments and checks that no append is split across segments.
func TestSegmentsHoldWholeAppends(t *testing.T) {
	f := newFakeStore()
	u := uploader.New(f.put, uploader.Options{SleepTime: time.Millisecond, MaxBuffer: 1 << 12})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				rec := fmt.Sprintf("<%d:%d:%s>", g, i, strings.Repeat("x", rand.IntN(40)))
				if err := u.Append([]byte(rec)); err != nil {
					t.Error(err)
					return
				}
				if rand.IntN(10) == 0 {
					if err := u.Sync(context.Background()); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	segs := f.segments()
	total := 0
	for i, s := range segs {
		if len(s) == 0 || s[0] != '<' || s[len(s)-1] != '>' {
			t.Fatalf("segment %d splits an append: %.40q", i+1, s)
		}
		total += bytes.Count(s, []byte("<"))
	}
	if total != 800 {
		t.Errorf("%d appends stored, want 800", total)
	}
	t.Logf("%d appends in %d segments", total, len(segs))
}
