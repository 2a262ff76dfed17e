package s3store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/uploader"
)

// piece is one object holding bytes of a generation: segment first (first
// == last), or a merged object holding segments first to last.
type piece struct {
	first, last uint64
	size        int64
	mod         time.Time
}

// pieceKey is the object that holds p.
func (s *Store) pieceKey(gen string, p piece) string {
	if p.first == p.last {
		return s.segKey(gen, p.first)
	}
	return s.mergedKey(gen, p.first, p.last)
}

// cover is what a listing of a generation says it holds: the pieces that
// hold segments 1 to end, in order, with no gap.
type cover struct {
	pieces []piece
	end    uint64 // the last segment held; 0 for none
	size   int64  // bytes of the pieces
	ended  bool   // a tombstone follows segment end: nothing can extend it
	mod    time.Time

	// shadowed are the objects within the cover that a wider piece holds
	// too: merged sources not deleted yet (see compact.go).
	shadowed []shadow
}

// shadow is an object whose bytes a wider piece, stored at since, holds too.
type shadow struct {
	piece
	since time.Time
}

// listCover lists gen and returns the pieces that hold its bytes. At each
// segment number it takes the object that starts there and holds the most
// segments: merged objects are only written whole, and their sources
// deleted after, so the widest one is always complete, and where a
// crash or a listing racing a merge shows both, either gives the same
// bytes. The cover ends before the first segment number that no object
// starts at, or that a tombstone holds. Data after that end is a torn
// tail of a pipelined writer: it stores up to MaxInflight segments at
// once, so a crash or a takeover can leave some stored after one that is
// not, none of them acknowledged. They are ignored, as are tombstones
// further on (fencing that a crash interrupted). Data that starts
// uploader.MaxInflightLimit or more numbers past the end cannot be such a
// tail: a segment is missing, ErrCorrupt.
func (s *Store) listCover(ctx context.Context, gen string) (cover, error) {
	prefix := s.segPrefix(gen)
	in := &s3.ListObjectsV2Input{Bucket: &s.opts.Bucket, Prefix: &prefix}
	widest := map[uint64]piece{} // by first segment
	tombs := map[uint64]bool{}
	var all []piece // with bytes
	err := s.listAll(ctx, in, func(out *s3.ListObjectsV2Output) error {
		for _, o := range out.Contents {
			p, ok := parsePiece(strings.TrimPrefix(aws.ToString(o.Key), prefix))
			if !ok {
				continue // not ours: leave it alone
			}
			p.size, p.mod = aws.ToInt64(o.Size), aws.ToTime(o.LastModified)
			switch {
			case p.size == 0 && p.first == p.last:
				tombs[p.first] = true
			case p.size == 0:
				// An empty merged object is never written.
			default:
				all = append(all, p)
				if p.last > widest[p.first].last {
					widest[p.first] = p
				}
			}
		}
		return nil
	})
	if err != nil {
		return cover{}, fmt.Errorf("s3store: list segments of generation %s: %w", gen, err)
	}
	var c cover
	for next := uint64(1); ; {
		if tombs[next] {
			c.ended = true
			break
		}
		p, ok := widest[next]
		if !ok {
			break
		}
		c.pieces = append(c.pieces, p)
		c.size += p.size
		if p.mod.After(c.mod) {
			c.mod = p.mod
		}
		c.end, next = p.last, p.last+1
	}
	c.shadowed = shadowedBy(c.pieces, all)
	for first := range widest {
		if first > c.end && first-c.end > uploader.MaxInflightLimit {
			return cover{}, fmt.Errorf("s3store: generation %s: segment %d is missing (segment %d exists): %w", gen, c.end+1, first, store.ErrCorrupt)
		}
	}
	return c, nil
}

// shadowedBy returns the objects of all that lie within a wider piece of
// the cover pieces (ordered, contiguous).
func shadowedBy(pieces, all []piece) []shadow {
	var out []shadow
	for _, x := range all {
		i, ok := slices.BinarySearchFunc(pieces, x.first, func(p piece, seq uint64) int {
			switch {
			case p.last < seq:
				return -1
			case p.first > seq:
				return 1
			}
			return 0
		})
		if !ok {
			continue // past the end: a torn tail, not ours to judge here
		}
		if cp := pieces[i]; x.last <= cp.last && (x.first != cp.first || x.last != cp.last) {
			out = append(out, shadow{piece: x, since: cp.mod})
		}
	}
	return out
}

// check compares the cover with what a sealed marker says the generation
// holds: its bytes are complete, so any difference is a missing or
// changed object, ErrCorrupt. It returns the pieces of the sealed length.
func (c cover) check(gen string, m marker) (cover, error) {
	if !m.Sealed {
		return c, nil
	}
	n := 0
	var size int64
	for n < len(c.pieces) && c.pieces[n].last <= m.Segments {
		size += c.pieces[n].size
		n++
	}
	if size != m.Length || (n > 0 && c.pieces[n-1].last != m.Segments) || (n == 0 && m.Segments != 0) {
		return c, fmt.Errorf("s3store: generation %s holds %d bytes in segments 1 to %d, its marker says %d bytes in %d segments: %w",
			gen, size, c.end, m.Length, m.Segments, store.ErrCorrupt)
	}
	c.pieces, c.size, c.end = c.pieces[:n], size, m.Segments
	return c, nil
}

// parsePiece reads a key's tail within a generation: "<seq>" for a
// segment, "<last>-<first>" for a merged object.
func parsePiece(tail string) (piece, bool) {
	if last, first, ok := strings.Cut(tail, "-"); ok {
		l, lok := parseSeq(last)
		f, fok := parseSeq(first)
		return piece{first: f, last: l}, lok && fok && f < l
	}
	seq, ok := parseSeq(tail)
	return piece{first: seq, last: seq}, ok
}
