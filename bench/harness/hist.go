package harness

import (
	"math"
	"math/bits"
	"time"
)

// subBits sets the precision: each power of two is split into 2^subBits
// buckets, so a bucket's width is at most 1/64 of its lower bound.
const subBits = 6

const (
	subCount = 1 << subBits
	nBuckets = (64 - subBits + 1) * subCount
)

// Hist is a latency histogram. The zero value is empty and ready to use.
// It is not safe for concurrent use; give each goroutine its own and Merge.
type Hist struct {
	counts [nBuckets]uint64
	n      uint64
	sum    float64
	max    time.Duration
}

func bucketOf(v uint64) int {
	if v < subCount {
		return int(v)
	}
	exp := bits.Len64(v) - subBits - 1 // how far v must shift to fit subBits+1 bits
	return (exp+1)*subCount + int(v>>uint(exp)) - subCount
}

// lowOf returns the smallest value of bucket i.
func lowOf(i int) uint64 {
	if i < subCount {
		return uint64(i)
	}
	exp := i/subCount - 1
	return uint64(i%subCount+subCount) << uint(exp)
}

// Record adds one latency; negative values count as zero.
func (h *Hist) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	h.n++
	h.sum += float64(d)
	if d > h.max {
		h.max = d
	}
}

// Merge adds every value of o to h.
func (h *Hist) Merge(o *Hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	if o.max > h.max {
		h.max = o.max
	}
}

// Count returns the number of values recorded.
func (h *Hist) Count() uint64 { return h.n }

// Max returns the largest value recorded.
func (h *Hist) Max() time.Duration { return h.max }

// Mean returns the average value, 0 when empty.
func (h *Hist) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}

// Quantile returns the value below which a fraction q (0..1) of the values
// lie: the midpoint of the bucket holding it, never more than Max.
func (h *Hist) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo := lowOf(i)
			hi := lowOf(i + 1)
			mid := time.Duration(lo + (hi-lo)/2)
			return min(mid, h.max)
		}
	}
	return h.max
}
