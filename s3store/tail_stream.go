package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/store"
)

// errTailMoved: the generation a stream reads is no longer where it was.
var errTailMoved = fmt.Errorf("the file was replaced or removed while it was followed: %w", store.ErrNotExist)

// tailStream reads one generation from the follower's cache and the
// bucket, as a follower asks for it.
type tailStream struct {
	s     *Store
	ctx   context.Context
	name  string
	gen   string
	pos   int64
	known int64  // the end as OpenAt's probe or listing found it; -1: none
	cur   []byte // file bytes from curAt on
	curAt int64
	found int // segments this stream found by probing since it last listed ahead
	err   error
}

func (r *tailStream) Read(p []byte) (int, error) {
	for r.err == nil {
		if r.pos >= r.curAt && r.pos < r.curAt+int64(len(r.cur)) {
			n := copy(p, r.cur[r.pos-r.curAt:])
			r.pos += int64(n)
			return n, nil
		}
		data, at, err := r.s.tailFetch(r.ctx, r.gen, r.pos, r.known, &r.found)
		if err != nil {
			if err != io.EOF {
				err = fmt.Errorf("s3store: read %q: %w", r.name, err)
			}
			r.err = err
			break
		}
		r.cur, r.curAt = data, at
	}
	return 0, r.err
}

// Seek moves to an offset from the start or from the current position;
// the end is unknown until read.
func (r *tailStream) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += r.pos
	default:
		return r.pos, fmt.Errorf("s3store: seek %q from its end: not supported", r.name)
	}
	if off < 0 {
		return r.pos, fmt.Errorf("s3store: seek %q to byte %d: negative offset", r.name, off)
	}
	if r.err == io.EOF {
		r.err = nil
	}
	r.pos = off
	return off, nil
}

func (r *tailStream) Close() error {
	if r.err == nil || r.err == io.EOF {
		r.err = fmt.Errorf("s3store: read %q: %w", r.name, store.ErrClosed)
	}
	r.cur = nil
	return nil
}

// tailFetch returns bytes of gen that hold byte pos, and the offset of
// the first of them; io.EOF at the end of what the bucket holds now.
// known is an end just checked (OpenAt's probe): no need to ask again.
func (s *Store) tailFetch(ctx context.Context, gen string, pos, known int64, found *int) ([]byte, int64, error) {
	t := &s.tail
	listedPast := false
	for relists := 0; ; {
		t.mu.Lock()
		g := t.gens[gen]
		if g == nil {
			t.mu.Unlock()
			return nil, 0, errTailMoved // its marker changed meanwhile
		}
		if pos < int64(len(g.head)) {
			head := g.head
			t.mu.Unlock()
			return head, 0, nil
		}
		if pos >= g.lastAt && pos < g.lastAt+int64(len(g.last)) {
			last, at := g.last, g.lastAt
			t.mu.Unlock()
			return last, at, nil
		}
		if pos < g.size {
			i := 0
			for i+1 < len(g.pieces) && g.starts[i+1] <= pos {
				i++
			}
			p, at := g.pieces[i], g.starts[i]
			t.mu.Unlock()
			data, err := s.fetchPiece(ctx, gen, p)
			if errors.Is(err, errMissing) && relists < maxRelists {
				// Merged and deleted since it was listed: the merged
				// object holds the same bytes.
				relists++
				if err = s.tailRelist(ctx, gen); err == nil {
					continue
				}
			}
			if err != nil {
				return nil, 0, err
			}
			if at == 0 {
				t.mu.Lock()
				g.head = data[:min(len(data), tailHeadBytes):min(len(data), tailHeadBytes)]
				t.mu.Unlock()
			}
			return data, at, nil
		}
		size, ended := g.size, g.ended
		t.mu.Unlock()
		if ended || pos == known {
			return nil, 0, io.EOF
		}
		if pos > size {
			// A position from Open, past what the cache knows: list once.
			if listedPast {
				return nil, 0, io.EOF
			}
			listedPast = true
			if err := s.tailRelist(ctx, gen); err != nil {
				return nil, 0, err
			}
			continue
		}
		if *found >= aheadAfter {
			// Behind a busy writer: one listing instead of a GET per
			// segment (tail_ahead.go).
			*found = 0
			learnt, err := s.tailListAhead(ctx, gen)
			if err != nil {
				return nil, 0, err
			}
			if learnt {
				known = -1
				continue
			}
		}
		grew, err := s.tailProbe(ctx, gen, size)
		if err != nil {
			return nil, 0, err
		}
		if !grew {
			return nil, 0, io.EOF
		}
		*found++
		known = -1
	}
}

// tailProbe asks whether gen has grown past size, the end the cache
// knows: one GET of the next segment key. A 404 is nothing new, unless
// the cache learnt nothing of gen (a listing, a segment found) for
// TailRefresh: then the generation is listed. Bytes are never skipped
// (a number is passed only with its bytes); a key merged away can only
// delay the follower, by TailRefresh at most, and not at all while it
// keeps polling: a segment key stays readable for MergeDeleteDelay (a
// minute, twice TailRefresh or more) after the segment was written,
// since compaction deletes merged sources only that long after the
// merged object was stored. A follower frozen or slow for longer lists
// at its first check (doc.go, "Followers").
func (s *Store) tailProbe(ctx context.Context, gen string, size int64) (grew bool, err error) {
	t := &s.tail
	t.mu.Lock()
	g := t.gens[gen]
	if g == nil || g.ended || g.size != size {
		t.mu.Unlock()
		return g != nil && (g.ended || g.size > size), nil
	}
	next, since := g.next, g.since
	t.mu.Unlock()
	data, found, err := s.probeSegment(ctx, gen, next)
	if err != nil {
		return false, err
	}
	now := time.Now()
	t.mu.Lock()
	if g.next != next || t.gens[gen] != g {
		t.mu.Unlock()
		return true, nil // another stream learnt more meanwhile
	}
	switch {
	case found && len(data) == 0:
		// A tombstone: the generation is complete, and its file is
		// probably being replaced (a rotation, a takeover).
		g.ended, g.since = true, now
		t.mu.Unlock()
		return true, nil
	case found:
		g.add(piece{first: next, last: next, size: int64(len(data)), mod: now})
		g.last, g.lastAt, g.since = data, size, now
		if size == 0 {
			g.head = data[:min(len(data), tailHeadBytes):min(len(data), tailHeadBytes)]
		}
		t.mu.Unlock()
		return true, nil
	}
	t.mu.Unlock()
	if now.Sub(since) < s.opts.TailRefresh {
		return false, nil
	}
	if err := s.tailRelist(ctx, gen); err != nil {
		return false, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return g.size > size || g.ended, nil
}

// tailRelist lists gen again and takes the listing as what is known. A
// listing that holds fewer bytes than were read means the generation was
// collected: its file was removed or replaced, and the markers are read
// again at the next open.
func (s *Store) tailRelist(ctx context.Context, gen string) error {
	c, err := s.listCover(ctx, gen)
	if err != nil {
		return err
	}
	t := &s.tail
	t.mu.Lock()
	defer t.mu.Unlock()
	g := t.gens[gen]
	if g == nil {
		return errTailMoved
	}
	if c.size < g.size || (c.end+1 < g.next) {
		t.forget(gen)
		return errTailMoved
	}
	g.setCover(c, time.Now())
	s.log.Debug("s3store: follower listed a generation again", "generation", gen, "bytes", g.size, "segments", c.end)
	return nil
}

// probeSegment reads segment seq of gen whole: found false if it does
// not exist (yet, or any more: merged and deleted), empty data for a
// tombstone.
func (s *Store) probeSegment(ctx context.Context, gen string, seq uint64) ([]byte, bool, error) {
	key := s.segKey(gen, seq)
	var data []byte
	err := s.do(ctx, "get segment", func(ctx context.Context) error {
		out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.opts.Bucket, Key: &key})
		if err != nil {
			return err
		}
		defer out.Body.Close()
		data, err = io.ReadAll(out.Body)
		if err != nil {
			return err
		}
		if n := out.ContentLength; n != nil && *n != int64(len(data)) {
			return fmt.Errorf("segment %s: %d bytes read, %d sent", key, len(data), aws.ToInt64(n))
		}
		if want := metaGet(out.Metadata, metaCRC); len(data) > 0 && want != "" && want != crcHex(data) {
			return fmt.Errorf("segment %s fails its CRC: %w", key, store.ErrCorrupt)
		}
		return nil
	})
	if isNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}
