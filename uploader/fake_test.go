package uploader_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"
)

// fakeStore is a hand-written segment store. Its behaviour is set by
// fields that tests change under mu.
type fakeStore struct {
	mu       sync.Mutex
	segs     map[uint64][]byte
	at       map[uint64]time.Time // when each segment was stored
	attempts map[uint64]int
	calls    int
	started  int // attempts that reached put, gated or not

	// fail, if set, decides the outcome of an attempt before it is stored.
	fail func(seq uint64, attempt int) error
	// loseResponse stores the segment but reports an error, once per seq.
	loseResponse bool
	// gate, if set, blocks every attempt until a value is received.
	gate chan struct{}
	// hold, if set, blocks the attempts of one segment until its channel
	// is closed.
	hold map[uint64]chan struct{}
	// outOfOrder accepts segment n before segment n-1, as a pipelined
	// uploader stores them.
	outOfOrder bool
	// active counts attempts under way; maxActive is the most at once.
	active, maxActive int
}

var errUnavailable = errors.New("503 service unavailable")

func newFakeStore() *fakeStore {
	return &fakeStore{
		segs:     map[uint64][]byte{},
		at:       map[uint64]time.Time{},
		attempts: map[uint64]int{},
	}
}

func (f *fakeStore) put(ctx context.Context, seq uint64, data []byte) error {
	f.mu.Lock()
	gate, hold := f.gate, f.hold[seq]
	f.started++
	f.active++
	f.maxActive = max(f.maxActive, f.active)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.active--
		f.mu.Unlock()
	}()
	for _, ch := range []chan struct{}{gate, hold} {
		if ch == nil {
			continue
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.attempts[seq]++
	if f.fail != nil {
		if err := f.fail(seq, f.attempts[seq]); err != nil {
			return err
		}
	}
	if old, ok := f.segs[seq]; ok {
		// A retry of a write that was stored: the same bytes are a success,
		// anything else would be a second writer.
		if !bytes.Equal(old, data) {
			return fmt.Errorf("segment %d exists with other bytes", seq)
		}
		return nil
	}
	if prev := seq - 1; seq > 1 && !f.outOfOrder {
		if _, ok := f.segs[prev]; !ok {
			return fmt.Errorf("segment %d before %d", seq, prev)
		}
	}
	f.segs[seq] = bytes.Clone(data)
	f.at[seq] = time.Now()
	if f.loseResponse && f.attempts[seq] == 1 {
		return errors.New("connection reset by peer")
	}
	return nil
}

// segments returns the stored segments in order.
func (f *fakeStore) segments() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	seqs := make([]uint64, 0, len(f.segs))
	for s := range f.segs {
		seqs = append(seqs, s)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	out := make([][]byte, len(seqs))
	for i, s := range seqs {
		out[i] = f.segs[s]
	}
	return out
}

func (f *fakeStore) joined() string {
	return string(bytes.Join(f.segments(), nil))
}

func (f *fakeStore) set(fn func(f *fakeStore)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
