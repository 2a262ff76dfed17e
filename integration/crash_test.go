package integration

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/uploader"
)

// quick makes a crashed store give up at once.
var quick = uploader.Retry{Attempts: 2, MinDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}

// TestCrashAtEveryRequest stops the process (every later request fails)
// after each S3 request in turn of a start-up with its rotation, one
// durable event, and a snapshot with its rotation. The next start-ups
// must recover every acknowledged event, and nothing never handled.
func TestCrashAtEveryRequest(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	ctx := t.Context()

	// A run without a crash counts the requests to interrupt.
	counter := s3test.NewFaultClient(client, nil)
	if err := crashScenario(ctx, client, counter, bucket, s3test.Key(t, client, bucket)); err != nil {
		t.Fatal(err)
	}
	requests := counter.Requests()

	slots := make(chan struct{}, 8) // the scenarios mostly wait on the server
	var wg sync.WaitGroup
	for k := 1; k <= requests; k++ {
		key := s3test.Key(t, client, bucket)
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			fc := s3test.NewFaultClient(client, func(r s3test.Request) s3test.Fault {
				if r.N == k {
					return s3test.Crash
				}
				return s3test.Pass
			})
			if err := crashScenario(ctx, client, fc, bucket, key); err != nil {
				t.Errorf("crash after request %d (%v): %v", k, fc.Last(), err)
			}
		}()
	}
	wg.Wait()
	t.Logf("start-up, event and snapshot make %d requests; a crash after each recovers", requests)
}

// crashScenario seeds a journal with three events, runs a start-up, an
// event and a snapshot through fc, then checks what two clean start-ups
// recover.
func crashScenario(ctx context.Context, client *s3.Client, fc *s3test.FaultClient, bucket, key string) error {
	open := func(c s3store.Client, retry uploader.Retry) (*system, error) {
		st := s3store.New(c, s3store.Options{Bucket: bucket, Key: key, SleepTime: time.Hour, Retry: retry})
		return prevayler.Open(ctx, apply, prevayler.Options[account]{Store: st})
	}
	p, err := open(client, uploader.Retry{})
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	for range 3 {
		if _, err := p.Handle(ctx, op{Amount: 1}); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	if err := p.Close(); err != nil {
		return fmt.Errorf("seed: %w", err)
	}

	acked := false
	crashing, err := open(fc, quick)
	if err == nil {
		_, herr := crashing.Handle(ctx, op{Amount: 1})
		acked = herr == nil
		if herr == nil {
			err = crashing.Snapshot(ctx)
		}
		crashing.Close()
	}
	if fc.Count(s3test.Crash) == 0 && (err != nil || !acked) {
		return fmt.Errorf("no crash happened, yet: acknowledged %v, %v", acked, err)
	}

	for round := range 2 { // the second start-up also sees the first's clean-up
		p, err := open(client, uploader.Retry{})
		if err != nil {
			return fmt.Errorf("start-up %d: %w", round, err)
		}
		got := p.State()
		if err := p.Close(); err != nil {
			return err
		}
		switch {
		case acked && got.Ops != 4:
			return fmt.Errorf("start-up %d: recovered %d operations, want 4 (the fourth was acknowledged)", round, got.Ops)
		case got.Ops != 3 && got.Ops != 4:
			return fmt.Errorf("start-up %d: recovered %d operations, want 3 or 4", round, got.Ops)
		}
	}
	return nil
}
