package s3store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
)

// seed writes a journal holding a snapshot and two events, as a first
// run would leave it.
func seed(ctx context.Context, client s3store.Client, bucket, key string) error {
	s := s3store.New(client, options(bucket, key))
	defer s.Close()
	_, _, w, err := startUp(ctx, s, store.TempPrefix+"seed")
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if _, err := w.Write([]byte("|e2")); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// crashWorkers bounds the crash scenarios run side by side: each waits on
// the server far more than it computes.
const crashWorkers = 8

// TestCrashBetweenRequests stops a start-up (Lock, List, Remove, Create,
// the three Renames, the first event) after each of its requests in
// turn, as a crash would, then lets a new process start. Nothing
// acknowledged may be lost, the recovered state must be the state before
// or after the interrupted start-up, and once the next start-up is done
// no garbage may remain.
func TestCrashBetweenRequests(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	ctx := t.Context()

	// A run without a crash counts the requests to interrupt.
	key := s3test.Key(t, client, bucket)
	if err := seed(ctx, client, bucket, key); err != nil {
		t.Fatal(err)
	}
	counter := s3test.NewFaultClient(client, nil)
	if _, _, w, err := startUp(ctx, s3store.New(counter, options(bucket, key)), store.TempPrefix+"count"); err != nil {
		t.Fatal(err)
	} else if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	requests := counter.Requests()

	slots := make(chan struct{}, crashWorkers)
	var wg sync.WaitGroup
	for k := 1; k <= requests; k++ {
		key := s3test.Key(t, client, bucket)
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			if err := crashAt(ctx, client, bucket, key, k); err != nil {
				t.Errorf("crash after request %d: %v", k, err)
			}
		}()
	}
	wg.Wait()
	t.Logf("a start-up makes %d requests; a crash after each of them recovers", requests)
}

// crashAt runs one scenario of TestCrashBetweenRequests: the crash cuts
// request k.
func crashAt(ctx context.Context, client *s3.Client, bucket, key string, k int) error {
	if err := seed(ctx, client, bucket, key); err != nil {
		return err
	}
	fc := s3test.NewFaultClient(client, func(r s3test.Request) s3test.Fault {
		if r.N == k {
			return s3test.Crash
		}
		return s3test.Pass
	})
	crashed := s3store.New(fc, options(bucket, key))
	_, acked, w, err := startUp(ctx, crashed, store.TempPrefix+"crashed")
	if w != nil {
		w.Close() // its uploads fail: the process is gone
	}
	crashed.Close()
	if fc.Count(s3test.Crash) == 0 {
		if err != nil || !acked {
			return fmt.Errorf("no crash happened, yet the start-up failed: %v", err)
		}
		return nil
	}
	if err == nil && !acked {
		return errors.New("start-up reported success without its event")
	}
	at := fc.Last()

	next := s3store.New(client, options(bucket, key))
	recovered, _, w2, err := startUp(ctx, next, store.TempPrefix+"next")
	if err != nil {
		return fmt.Errorf("after %v: the next start-up failed: %w", at, err)
	}
	// Two events were acknowledged before; the crashed start-up's event
	// may have been stored without its acknowledgement.
	switch {
	case acked && recovered != 3:
		return fmt.Errorf("after %v: recovered %d events, want 3 (the third was acknowledged)", at, recovered)
	case recovered != 2 && recovered != 3:
		return fmt.Errorf("after %v: recovered %d events, want 2 or 3", at, recovered)
	}
	if err := w2.Close(); err != nil {
		return err
	}
	next.Close()

	// A third start-up sees the second's event, and its Lock has collected
	// whatever the crash left behind.
	third := s3store.New(client, options(bucket, key))
	defer third.Close()
	again, _, w3, err := startUp(ctx, third, store.TempPrefix+"third")
	if err != nil {
		return fmt.Errorf("after %v: the third start-up failed: %w", at, err)
	}
	if again != recovered+1 {
		return fmt.Errorf("after %v: third start-up recovered %d events, want %d", at, again, recovered+1)
	}
	if err := w3.Close(); err != nil {
		return err
	}
	files, err := third.List(ctx)
	if err != nil {
		return err
	}
	for _, f := range files {
		if f.Name == store.Backup || strings.HasPrefix(f.Name, store.TempPrefix) {
			return fmt.Errorf("after %v: %q left after two clean start-ups", at, f.Name)
		}
	}
	if err := checkNoGarbage(ctx, client, bucket, key); err != nil {
		return fmt.Errorf("after %v: %w", at, err)
	}
	return nil
}

// TestTransientFaultsDuringStartUp runs start-ups while requests fail
// with 503 SlowDown and 500, and while responses of performed requests
// are lost: every start-up must succeed and keep every event.
func TestTransientFaultsDuringStartUp(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ctx := t.Context()
	// Every other request on the same object fails, one kind after the
	// other: each call meets at least one fault and its retry passes.
	calls := map[string]int{}
	kinds := []s3test.Fault{s3test.SlowDown, s3test.Lose, s3test.ServerError, s3test.Lose}
	fc := s3test.NewFaultClient(client, func(r s3test.Request) s3test.Fault {
		c := calls[r.Op+" "+r.Key]
		calls[r.Op+" "+r.Key]++
		if c%2 == 1 {
			return s3test.Pass
		}
		return kinds[r.N%len(kinds)]
	})
	for run := range 4 {
		s := s3store.New(fc, options(bucket, key))
		recovered, acked, w, err := startUp(ctx, s, store.TempPrefix+"run")
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if !acked || recovered != run {
			t.Fatalf("run %d: recovered %d events, acknowledged %v; want %d and true", run, recovered, acked, run)
		}
		if err := w.Close(); err != nil {
			t.Fatalf("run %d: close writer: %v", run, err)
		}
		s.Close()
	}
	if fc.Count(s3test.Lose) == 0 || fc.Count(s3test.SlowDown) == 0 || fc.Count(s3test.ServerError) == 0 {
		t.Fatalf("faults injected: %d lost, %d SlowDown, %d 500; want each kind", fc.Count(s3test.Lose), fc.Count(s3test.SlowDown), fc.Count(s3test.ServerError))
	}
	t.Logf("%d requests, %d SlowDown, %d 500, %d lost responses", fc.Requests(), fc.Count(s3test.SlowDown), fc.Count(s3test.ServerError), fc.Count(s3test.Lose))
	wantNoGarbage(t, client, bucket, key)
}
