package prevayler

import "unsafe"

// publishSlab hands out the boxes states are published in. A reader may
// hold a box for as long as it likes, so a box is never reused; instead
// boxes come in slabs of several, one allocation for slabLen batches of
// events rather than one each. The price: a slab is freed as a whole, so
// up to slabLen-1 superseded states stay reachable until every box of
// their slab is superseded, which costs little for states that share
// their structure between versions, as the documentation asks. It is used
// under the apply lock.
type publishSlab[S any] struct {
	free []published[S]
}

// Slabs hold at most maxSlabLen boxes and about maxSlabBytes.
const (
	maxSlabLen   = 16
	maxSlabBytes = 4096
)

func (s *publishSlab[S]) box(state S, seq uint64) *published[S] {
	if len(s.free) == 0 {
		size := max(1, int(unsafe.Sizeof(published[S]{})))
		s.free = make([]published[S], min(maxSlabLen, max(1, maxSlabBytes/size)))
	}
	b := &s.free[0]
	s.free = s.free[1:]
	b.state, b.seq = state, seq
	return b
}
