package model

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// A snapshot of the bank as one gob value would be one message holding
// the whole tree, which gob builds in a buffer that grows by copying and
// reads back into another: several times the bank's size in memory, for
// as long as the snapshot takes. EncodeChunks and DecodeChunks (the
// prevalent system's ChunkEncoder and ChunkDecoder) write it instead as a
// header and runs of leaves, about a mebibyte each, in account order: the
// nodes are not written at all, since the accounts' numbers say where
// every leaf goes.

// leavesPerChunk is the leaves of one chunk: 1 MiB of balances.
const leavesPerChunk = (1 << 20) / (Fanout * 8)

// chunkHeader is the first chunk: everything but the balances.
type chunkHeader struct {
	Height    int
	Count     int
	Transfers int64
	Deposits  int64
	Last      time.Time
}

// EncodeChunks writes the bank as a header, then its leaves in runs of
// leavesPerChunk.
func (b Bank) EncodeChunks(put func(chunk any) error) error {
	if err := put(&chunkHeader{Height: b.Height, Count: b.Count, Transfers: b.Transfers, Deposits: b.Deposits, Last: b.Last}); err != nil {
		return err
	}
	if b.Root == nil {
		return nil
	}
	run := make([]Leaf, 0, leavesPerChunk)
	var err error
	b.Root.eachLeaf(func(l *Leaf) bool {
		run = append(run, *l)
		if len(run) == leavesPerChunk {
			err = put(&run)
			run = run[:0]
		}
		return err == nil
	})
	if err == nil && len(run) > 0 {
		err = put(&run)
	}
	return err
}

// eachLeaf calls f on every leaf in account order until f returns false.
func (n *Node) eachLeaf(f func(*Leaf) bool) bool {
	for _, l := range n.Leaves {
		if !f(l) {
			return false
		}
	}
	for _, k := range n.Kids {
		if !k.eachLeaf(f) {
			return false
		}
	}
	return true
}

var errChunks = errors.New("model: snapshot chunks do not make a bank")

// DecodeChunks reads what EncodeChunks wrote into a zero bank and builds
// the tree over the leaves, as New does. The leaves of a run share its
// array: copy on write replaces a leaf without touching it.
func (b *Bank) DecodeChunks(get func(chunk any) error) error {
	var h chunkHeader
	if err := get(&h); err != nil {
		return err
	}
	if h.Count < 0 {
		return fmt.Errorf("%w: %d accounts", errChunks, h.Count)
	}
	want := (h.Count + Fanout - 1) / Fanout
	leaves := make([]*Leaf, 0, want)
	for {
		var run []Leaf
		err := get(&run)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if len(leaves)+len(run) > want {
			return fmt.Errorf("%w: more than %d leaves for %d accounts", errChunks, want, h.Count)
		}
		for i := range run {
			leaves = append(leaves, &run[i])
		}
	}
	if len(leaves) != want {
		return fmt.Errorf("%w: %d leaves for %d accounts", errChunks, len(leaves), h.Count)
	}
	*b = Bank{Count: h.Count, Transfers: h.Transfers, Deposits: h.Deposits, Last: h.Last}
	if want > 0 {
		b.Root, b.Height = build(leaves)
	}
	if b.Height != h.Height {
		return fmt.Errorf("%w: height %d for %d accounts, the header says %d", errChunks, b.Height, h.Count, h.Height)
	}
	return nil
}
