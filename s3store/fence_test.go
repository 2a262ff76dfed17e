package s3store_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
)

// TestTakeoverWhileWriting lets a writer append and sync as fast as it
// can while a second store takes over at a random moment. Everything the
// first acknowledged before the takeover returned must be in the file the
// second reads, and nothing it does afterwards may change that file.
func TestTakeoverWhileWriting(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	ctx := t.Context()
	rounds := 8
	if testing.Short() {
		rounds = 3
	}
	for round := range rounds {
		key := s3test.Key(t, client, bucket)
		old := s3store.New(client, options(bucket, key))
		if err := old.Lock(ctx); err != nil {
			t.Fatal(err)
		}
		w, err := old.Create(ctx, store.Journal)
		if err != nil {
			t.Fatal(err)
		}

		var (
			mu       sync.Mutex
			acked    string // content acknowledged by Sync
			writeErr error
		)
		done := make(chan struct{})
		go func() {
			defer close(done)
			var content strings.Builder
			for i := 0; ; i++ {
				rec := fmt.Sprintf("<%d>", i)
				if _, err := w.Write([]byte(rec)); err != nil {
					mu.Lock()
					writeErr = err
					mu.Unlock()
					return
				}
				content.WriteString(rec)
				if err := w.Sync(ctx); err != nil {
					mu.Lock()
					writeErr = err
					mu.Unlock()
					return
				}
				mu.Lock()
				acked = content.String()
				mu.Unlock()
			}
		}()

		time.Sleep(time.Duration(5+rand.IntN(40)) * time.Millisecond)
		taker := s3store.New(client, options(bucket, key))
		if err := taker.Lock(ctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		ackedAtTakeover := acked
		mu.Unlock()
		seen := mustRead(t, taker, store.Journal)
		if !strings.HasPrefix(seen, ackedAtTakeover) {
			t.Fatalf("round %d: the new writer reads %q, which lacks acknowledged %q", round, seen, ackedAtTakeover)
		}

		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the fenced writer keeps writing")
		}
		if !isFenced(writeErr) {
			t.Fatalf("round %d: the old writer stopped with %v, want ErrFenced", round, writeErr)
		}
		if later := mustRead(t, taker, store.Journal); later != seen {
			t.Fatalf("round %d: the file changed after the takeover: %q, then %q", round, seen, later)
		}
		if err := w.Close(); !isFenced(err) {
			t.Errorf("round %d: Close of the fenced writer: %v, want ErrFenced", round, err)
		}
		if err := old.Rename(ctx, store.Journal, store.Backup); !isFenced(err) {
			t.Errorf("round %d: Rename by the fenced store: %v, want ErrFenced", round, err)
		}
		old.Close()
		taker.Close()
	}
}

// TestConcurrentTakeovers: several stores Lock at once. At most one may
// keep writing; every other fails with ErrFenced, and the journal is
// whatever the survivor made of it.
func TestConcurrentTakeovers(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ctx := t.Context()
	if err := seed(ctx, client, bucket, key); err != nil {
		t.Fatal(err)
	}
	const n = 4
	results := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := s3store.New(client, options(bucket, key))
			defer s.Close()
			_, _, w, err := startUp(ctx, s, fmt.Sprintf("%s%d", store.TempPrefix, i))
			if w != nil {
				if cerr := w.Close(); err == nil {
					err = cerr
				}
			}
			results[i] = err
		}()
	}
	wg.Wait()
	winners := 0
	for i, err := range results {
		switch {
		case err == nil:
			winners++
		case !isFenced(err):
			t.Errorf("start-up %d: %v, want success or ErrFenced", i, err)
		}
	}
	if winners > 1 {
		t.Fatalf("%d concurrent start-ups all succeeded, want at most one", winners)
	}
	// Whatever happened, the next start-up recovers a consistent state.
	s := s3store.New(client, options(bucket, key))
	defer s.Close()
	recovered, _, w, err := startUp(ctx, s, store.TempPrefix+"after")
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if recovered != 2+winners {
		t.Fatalf("recovered %d events after %d successful start-ups, want %d", recovered, winners, 2+winners)
	}
	t.Logf("%d of %d concurrent start-ups won", winners, n)
}

// TestFencedStoreLeavesNothing: after a takeover, the old store's Create
// and Remove of any name fail with ErrFenced and change nothing.
func TestFencedStoreLeavesNothing(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ctx := t.Context()
	old := s3store.New(client, options(bucket, key))
	if err := old.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	archive := store.ArchiveName(time.Unix(100, 0))
	for _, name := range []string{store.Journal, archive} {
		if err := writeFile(ctx, old, name, "x"); err != nil {
			t.Fatal(err)
		}
	}
	before := objectKeys(t, client, bucket, key)
	taker := s3store.New(client, options(bucket, key))
	if err := taker.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	after := objectKeys(t, client, bucket, key)

	for _, name := range []string{store.Backup, store.TempPrefix + "x", store.ArchiveName(time.Now())} {
		if _, err := old.Create(ctx, name); !isFenced(err) {
			t.Errorf("fenced Create(%q): %v, want ErrFenced", name, err)
		}
	}
	for _, name := range []string{store.Journal, archive} {
		if err := old.Remove(ctx, name); !isFenced(err) {
			t.Errorf("fenced Remove(%q): %v, want ErrFenced", name, err)
		}
	}
	if err := old.Rename(ctx, archive, store.Backup); !isFenced(err) {
		t.Errorf("fenced Rename: %v, want ErrFenced", err)
	}
	if got := objectKeys(t, client, bucket, key); strings.Join(got, ",") != strings.Join(after, ",") {
		t.Errorf("objects after the fenced calls:\n%v\nwant those after the takeover:\n%v\n(before: %v)", got, after, before)
	}
}
