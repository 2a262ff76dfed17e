package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/store"
)

// DefaultPollInterval is how often a follower checks an S3 journal
// (Options.PollInterval): an idle check is one GET, so a follower costs
// 3,600 GETs an hour, and a thousand followers of one journal make a
// thousand GETs a second, well below what S3 serves per prefix.
const DefaultPollInterval = time.Second

// DefaultTailRefresh is how long a follower trusts what it learnt of a
// file without asking again (Options.TailRefresh): the marker that names
// the file's generation, and the absence of the next segment, which a
// listing confirms. It must stay below half of MergeDeleteDelay (see
// doc.go, "Followers").
const DefaultTailRefresh = 30 * time.Second

// tailHeadBytes bounds the start of a file kept per generation, so that
// a follower reads a journal's header at every check without a GET.
const tailHeadBytes = 64 << 10

var _ store.Tailer = (*Store)(nil)

// tailCache is what the followers of this store know of the journal's
// files, so that a check that finds nothing new costs one GET and no
// LIST. Generations are immutable but for new segments at their end, so
// what was read of them stays true.
type tailCache struct {
	mu      sync.Mutex
	markers map[string]tailMarker // by file name
	gens    map[string]*genTail   // by generation id
}

// tailMarker is a marker as a follower last read it.
type tailMarker struct {
	gen  string
	read time.Time
}

// genTail is what a follower knows of one generation.
type genTail struct {
	pieces []piece
	starts []int64   // byte offset of each piece
	size   int64     // bytes of the pieces
	next   uint64    // the segment number after the pieces
	ended  bool      // a tombstone or a seal: nothing can extend it
	head   []byte    // the first bytes of the file, up to tailHeadBytes
	last   []byte    // the bytes of the last segment found by a probe
	lastAt int64     // its offset
	since  time.Time // the last listing, or the last segment found
}

func (g *genTail) add(p piece) {
	g.pieces = append(g.pieces, p)
	g.starts = append(g.starts, g.size)
	g.size += p.size
	g.next = p.last + 1
}

// setCover replaces what g knows with a listing, which holds at least
// the bytes g knew (the pieces that a merge replaced included).
func (g *genTail) setCover(c cover, now time.Time) {
	g.pieces, g.starts, g.size, g.next = nil, nil, 0, 1
	for _, p := range c.pieces {
		g.add(p)
	}
	g.ended = g.ended || c.ended
	g.since = now
}

// OpenAt streams name from byte off (store.Tailer). It needs no lock and
// writes nothing. A follower opens the file it follows at every check,
// reads its header, and reads on from where it stopped; it stops at the
// header of a file whose writer closed it. So OpenAt itself asks for the
// next segment of the generation (one GET; 404: nothing new), and the
// stream serves the header and that segment from the cache: an idle
// check is that one GET. A tombstone there ends the generation, and the
// marker is read again at once, so a rotation or a takeover is seen at
// the check that follows it. See doc.go, "Followers", for when OpenAt
// lists the generation and rereads the marker besides.
func (s *Store) OpenAt(ctx context.Context, name string, off int64) (io.ReadCloser, error) {
	if err := s.begin(ctx, fmt.Sprintf("open %q", name), false, name); err != nil {
		return nil, err
	}
	if off < 0 {
		return nil, fmt.Errorf("s3store: open %q at byte %d: negative offset", name, off)
	}
	for attempt := 0; ; attempt++ {
		gen, listed, err := s.tailGen(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("s3store: open %q: %w", name, err)
		}
		r := &tailStream{s: s, ctx: ctx, name: name, gen: gen, pos: off, known: -1}
		size, ended, ok := s.tailState(gen)
		switch {
		case !ok:
			continue // replaced meanwhile
		case ended:
			return r, nil
		case listed:
			r.known = size // the listing is as fresh as a probe
			return r, nil
		}
		grew, err := s.tailProbe(ctx, gen, size)
		if err != nil {
			return nil, fmt.Errorf("s3store: open %q: %w", name, err)
		}
		if _, ended, _ := s.tailState(gen); ended && attempt == 0 {
			continue // a tombstone: read the marker again now
		}
		if !grew {
			r.known = size
		}
		return r, nil
	}
}

// tailState returns what the cache holds of gen.
func (s *Store) tailState(gen string) (size int64, ended, ok bool) {
	s.tail.mu.Lock()
	defer s.tail.mu.Unlock()
	g := s.tail.gens[gen]
	if g == nil {
		return 0, false, false
	}
	return g.size, g.ended, true
}

// PollInterval returns Options.PollInterval (store.Tailer).
func (s *Store) PollInterval() time.Duration { return s.opts.PollInterval }

// tailGen returns the generation name's marker names, read again when
// the cached one is older than TailRefresh or its generation has ended
// (a rotation or a takeover is under way), and lists the generation the
// first time.
func (s *Store) tailGen(ctx context.Context, name string) (gen string, listed bool, err error) {
	now := time.Now()
	t := &s.tail
	t.mu.Lock()
	tm, ok := t.markers[name]
	if g := t.gens[tm.gen]; ok && g != nil && !g.ended && now.Sub(tm.read) < s.opts.TailRefresh {
		t.mu.Unlock()
		return tm.gen, false, nil
	}
	t.mu.Unlock()
	o, err := s.getMarker(ctx, name)
	if err == nil && o.present() && name == store.Backup {
		var gone bool
		if gone, err = s.backupSuperseded(ctx, o); gone {
			o = markerObj{}
		}
	}
	if err != nil {
		return "", false, err
	}
	if !o.present() {
		t.mu.Lock()
		delete(t.markers, name)
		t.prune()
		t.mu.Unlock()
		return "", false, store.ErrNotExist
	}
	s.noteMarker(o)
	gen = o.m.Gen
	t.mu.Lock()
	g := t.gens[gen]
	t.mu.Unlock()
	if g == nil {
		c, err := s.listCover(ctx, gen)
		if err == nil {
			c, err = c.check(gen, o.m)
		}
		if err != nil {
			return "", false, err
		}
		listed = true
		g = &genTail{}
		g.setCover(c, now)
		g.ended = g.ended || o.m.Sealed
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.markers == nil {
		t.markers, t.gens = map[string]tailMarker{}, map[string]*genTail{}
	}
	if old := t.gens[gen]; old != nil {
		g = old // listed meanwhile by another open: keep what it learnt
	}
	if o.m.Sealed {
		g.ended = true
	}
	t.gens[gen] = g
	t.markers[name] = tailMarker{gen: gen, read: now}
	t.prune()
	return gen, listed, nil
}

// prune forgets the generations no cached marker names. Called with mu.
func (t *tailCache) prune() {
	for gen := range t.gens {
		named := false
		for _, tm := range t.markers {
			named = named || tm.gen == gen
		}
		if !named {
			delete(t.gens, gen)
		}
	}
}

// forget drops the markers that name gen, so that the next open reads
// them again: its bytes were collected or moved. Called with mu.
func (t *tailCache) forget(gen string) {
	for name, tm := range t.markers {
		if tm.gen == gen {
			delete(t.markers, name)
		}
	}
	t.prune()
}

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
	err   error
}

func (r *tailStream) Read(p []byte) (int, error) {
	for r.err == nil {
		if r.pos >= r.curAt && r.pos < r.curAt+int64(len(r.cur)) {
			n := copy(p, r.cur[r.pos-r.curAt:])
			r.pos += int64(n)
			return n, nil
		}
		data, at, err := r.s.tailFetch(r.ctx, r.gen, r.pos, r.known)
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
func (s *Store) tailFetch(ctx context.Context, gen string, pos, known int64) ([]byte, int64, error) {
	t := &s.tail
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
			// Read by Open past what the cache knows: list once.
			if relists < maxRelists {
				relists++
				if err := s.tailRelist(ctx, gen); err != nil {
					return nil, 0, err
				}
				continue
			}
			return nil, 0, io.EOF
		}
		grew, err := s.tailProbe(ctx, gen, size)
		if err != nil {
			return nil, 0, err
		}
		if !grew {
			return nil, 0, io.EOF
		}
		known = -1
	}
}

// tailProbe asks whether gen has grown past size, the end the cache
// knows: one GET of the next segment key. A 404 is nothing new, unless
// that key has been absent for TailRefresh: then the generation is
// listed, in case the segment was written, merged and deleted while
// this process was frozen (see doc.go, "Followers").
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
