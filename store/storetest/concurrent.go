package storetest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/prevayler-go/prevayler/store"
)

// testConcurrent runs writers on different files side by side with
// readers and listers, as the prevalent system does during a snapshot.
func testConcurrent(t *testing.T, h Harness) {
	const writers, writes = 4, 200
	e := newEnv(t, h)
	s := e.locked()
	ctx := t.Context()
	errs := make(chan error, writers+1)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- writeFile(ctx, s, fmt.Sprintf("%s%d", store.TempPrefix, i), i, writes)
		}()
	}
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		errs <- readWhileWriting(ctx, s, done)
	}()
	// Wait for the writers (all but the reader), then stop the reader.
	for range writers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	close(done)
	wg.Wait()
	if err := <-errs; err != nil {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	r := e.handle()
	for i := range writers {
		wantContent(t, r, fmt.Sprintf("%s%d", store.TempPrefix, i), expected(i, writes))
	}
}

func expected(seed, writes int) []byte {
	var b bytes.Buffer
	for j := range writes {
		b.Write(pattern(seed*writes+j, 1+j%61))
	}
	return b.Bytes()
}

// writeFile writes one file in many small writes with a Sync every 50;
// it returns an error instead of failing, as it runs in a goroutine.
func writeFile(ctx context.Context, s store.Store, name string, seed, writes int) error {
	w, err := s.Create(ctx, name)
	if err != nil {
		return fmt.Errorf("Create(%q): %w", name, err)
	}
	for j := range writes {
		p := pattern(seed*writes+j, 1+j%61)
		if n, err := w.Write(p); err != nil || n != len(p) {
			w.Close()
			return fmt.Errorf("Write %d to %q = %d, %v", j, name, n, err)
		}
		if j%50 == 49 {
			if err := w.Sync(ctx); err != nil {
				w.Close()
				return fmt.Errorf("Sync of %q: %w", name, err)
			}
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("Close writer of %q: %w", name, err)
	}
	return nil
}

// readWhileWriting lists and opens files until done is closed.
func readWhileWriting(ctx context.Context, s store.Store, done <-chan struct{}) error {
	for {
		select {
		case <-done:
			return nil
		default:
		}
		files, err := s.List(ctx)
		if err != nil {
			return fmt.Errorf("List while writing: %w", err)
		}
		for _, f := range files {
			r, err := s.Open(ctx, f.Name)
			if err != nil {
				return fmt.Errorf("Open(%q) while writing: %w", f.Name, err)
			}
			_, err = io.Copy(io.Discard, r)
			r.Close()
			if err != nil {
				return fmt.Errorf("read %q while writing: %w", f.Name, err)
			}
		}
	}
}
