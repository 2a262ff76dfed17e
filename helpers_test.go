package prevayler_test

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
)

// ledger is the test state: every accepted value in order. Handlers copy
// on write, as the documentation asks.
type ledger struct {
	Seen   []int64
	Sum    int64
	LastAt time.Time
}

type add struct{ V int64 }

var errNegative = errors.New("negative value")

// record accepts non-negative values, refuses negative ones and panics on 13.
func record(s ledger, e add, at time.Time) (ledger, int, error) {
	if e.V < 0 {
		return s, 0, errNegative
	}
	if e.V == 13 {
		panic("unlucky")
	}
	return ledger{Seen: append(slices.Clip(s.Seen), e.V), Sum: s.Sum + e.V, LastAt: at}, len(s.Seen) + 1, nil
}

type testPrevayler = prevayler.Prevayler[ledger, add, int]

func localStore(t *testing.T) (func() store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal")
	return func() store.Store { return localstore.New(path) }, path
}

// exactLocalStore is localStore without preallocation, for the tests that
// find where frames end by the size of a journal still open (a
// preallocating writer's file is larger than what it wrote).
func exactLocalStore(t *testing.T) (func() store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "journal")
	return func() store.Store { return exactStore(path) }, path
}

func exactStore(path string) store.Store {
	return localstore.NewWithOptions(path, localstore.Options{Preallocate: localstore.NoPreallocate})
}

func mustOpen(t *testing.T, st store.Store, opts prevayler.Options[ledger]) *testPrevayler {
	t.Helper()
	opts.Store = st
	p, err := prevayler.Open(context.Background(), record, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return p
}

func mustHandle(t *testing.T, p *testPrevayler, v int64) int {
	t.Helper()
	r, err := p.Handle(context.Background(), add{V: v})
	if err != nil {
		t.Fatalf("Handle(%d): %v", v, err)
	}
	return r
}

func mustClose(t *testing.T, p *testPrevayler) {
	t.Helper()
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// fixFrameCRC recomputes the payload checksum of the frame at off (see
// docs/FORMAT.md), so that a test can damage a payload that only
// authentication can catch.
func fixFrameCRC(t *testing.T, data []byte, off int64) []byte {
	t.Helper()
	n := int64(binary.LittleEndian.Uint32(data[off:]))
	payload := data[off+24 : off+24+n]
	tab := crc32.MakeTable(crc32.Castagnoli)
	var seed uint32 // version 2 seeds frame checksums with the file id
	if binary.LittleEndian.Uint16(data[12:]) >= 2 {
		seed = crc32.Checksum(data[16:32], tab)
	}
	binary.LittleEndian.PutUint32(data[off+20:], crc32.Update(seed, tab, payload))
	return data
}
