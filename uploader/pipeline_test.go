package uploader_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/uploader"
)

// syncAsync starts a Sync and returns where its result arrives.
func syncAsync(u *uploader.Uploader) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- u.Sync(context.Background()) }()
	return ch
}

// TestPipelineCommitsInOrder holds segment 1 while segments 2 and 3 are
// stored: nothing counts as stored, and no Sync returns, until segment 1
// is; OnCommit hears of them in order.
func TestPipelineCommitsInOrder(t *testing.T) {
	f := newFakeStore()
	f.outOfOrder = true
	release := make(chan struct{})
	f.hold = map[uint64]chan struct{}{1: release}
	var (
		mu        sync.Mutex
		committed []string
	)
	u := uploader.New(f.put, uploader.Options{SleepTime: time.Hour, MaxInflight: 4, OnCommit: func(seq uint64, data []byte) {
		mu.Lock()
		committed = append(committed, fmt.Sprintf("%d:%s", seq, data))
		mu.Unlock()
	}})
	defer u.Close()

	var syncs []<-chan error
	for i, s := range []string{"a", "b", "c"} {
		if err := u.Append([]byte(s)); err != nil {
			t.Fatal(err)
		}
		syncs = append(syncs, syncAsync(u))
		waitFor(t, fmt.Sprintf("upload %d to start", i+1), 5*time.Second, func() bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.started == i+1
		})
	}
	waitFor(t, "segments 2 and 3 stored", 5*time.Second, func() bool { return len(f.segments()) == 2 })
	time.Sleep(20 * time.Millisecond)
	for i, ch := range syncs {
		select {
		case err := <-ch:
			t.Fatalf("Sync %d returned %v while segment 1 is not stored", i+1, err)
		default:
		}
	}
	if n, oldest := u.Backlog(); n != 3 || oldest.IsZero() {
		t.Errorf("Backlog() = %d, %v, want all 3 bytes: stored after a missing segment is not stored", n, oldest)
	}
	if st := u.Stats(); st.Segments != 0 || st.Overlapped != 2 {
		t.Errorf("stats %+v, want 0 segments committed, 2 overlapped uploads", st)
	}
	close(release)
	for i, ch := range syncs {
		if err := <-ch; err != nil {
			t.Fatalf("Sync %d: %v", i+1, err)
		}
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"1:a", "2:b", "3:c"}; !slices.Equal(committed, want) {
		t.Errorf("OnCommit saw %q, want %q", committed, want)
	}
}

// TestPipelineBound: many callers syncing against a slow store never have
// more than MaxInflight uploads at once, and do overlap them.
func TestPipelineBound(t *testing.T) {
	for _, inflight := range []int{1, 3} {
		t.Run(fmt.Sprint(inflight), func(t *testing.T) {
			f := newFakeStore()
			f.outOfOrder = inflight > 1
			// Every 5 ms, the attempts waiting at the gate go through.
			gate := make(chan struct{})
			f.gate = gate
			stop := make(chan struct{})
			go func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(5 * time.Millisecond):
					}
					for {
						select {
						case gate <- struct{}{}:
							continue
						default:
						}
						break
					}
				}
			}()
			defer close(stop)
			u := uploader.New(f.put, uploader.Options{SleepTime: time.Hour, MaxInflight: inflight})
			var wg sync.WaitGroup
			for c := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 10 {
						if err := u.Append(fmt.Appendf(nil, "<%d.%d>", c, i)); err != nil {
							t.Error(err)
							return
						}
						if err := u.Sync(context.Background()); err != nil {
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			if err := u.Close(); err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			most := f.maxActive
			f.mu.Unlock()
			st := u.Stats()
			t.Logf("MaxInflight %d: %d segments, %d overlapped, at most %d attempts at once", inflight, st.Segments, st.Overlapped, most)
			if most > inflight {
				t.Errorf("%d attempts at once, MaxInflight %d", most, inflight)
			}
			if inflight > 1 && (most < 2 || st.Overlapped == 0) {
				t.Errorf("no overlap with MaxInflight %d: at most %d at once, %d overlapped", inflight, most, st.Overlapped)
			}
			if inflight == 1 && st.Overlapped != 0 {
				t.Errorf("%d overlapped uploads with MaxInflight 1", st.Overlapped)
			}
			if got := len(f.joined()); got != 8*10*len("<0.0>") {
				t.Errorf("stored %d bytes", got)
			}
		})
	}
}

// TestPipelinePermanentFailure: a permanent failure of one segment while
// others are in flight fails the uploader at once and ends the others'
// attempts, so Close does not wait for them.
func TestPipelinePermanentFailure(t *testing.T) {
	errFenced := errors.New("fenced")
	f := newFakeStore()
	f.outOfOrder = true
	never := make(chan struct{})
	f.hold = map[uint64]chan struct{}{1: never}
	f.fail = func(seq uint64, _ int) error {
		if seq == 2 {
			return uploader.Permanent(errFenced)
		}
		return nil
	}
	u := uploader.New(f.put, uploader.Options{SleepTime: time.Hour, MaxInflight: 2})
	u.Append([]byte("a"))
	first := syncAsync(u)
	waitFor(t, "upload 1 to start", 5*time.Second, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.started == 1
	})
	u.Append([]byte("b"))
	if err := u.Sync(context.Background()); !errors.Is(err, errFenced) {
		t.Fatalf("Sync = %v, want the permanent failure", err)
	}
	if err := <-first; !errors.Is(err, errFenced) {
		t.Errorf("the Sync waiting for segment 1 = %v, want the permanent failure", err)
	}
	done := make(chan error, 1)
	go func() { done <- u.Close() }()
	select {
	case err := <-done:
		if !errors.Is(err, errFenced) || !errorsContain(err, "2 bytes in 2 writes not stored") {
			t.Errorf("Close = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close still waits for the upload in flight 5 s after a permanent failure")
	}
}

func errorsContain(err error, s string) bool {
	return err != nil && strings.Contains(err.Error(), s)
}
