package s3store

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

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
	ended  bool      // a tombstone, or the sealed length reached: nothing can extend it
	sealed int64     // the length a sealed marker gives; -1: not sealed
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
	g.ended = g.ended || (g.sealed >= 0 && g.size >= g.sealed)
}

// seal records a sealed marker's length. The generation has ended only
// once the follower has its bytes: the marker may have been read again
// (a refresh) before the last segments were found.
func (g *genTail) seal(m marker) {
	if m.Sealed {
		g.sealed = m.Length
		g.ended = g.ended || g.size >= g.sealed
	}
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
		case !ok && attempt < maxRelists:
			continue // replaced meanwhile
		case !ok:
			return nil, fmt.Errorf("s3store: open %q: %w", name, errTailMoved)
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
		g = &genTail{sealed: -1}
		g.setCover(c, now)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.markers == nil {
		t.markers, t.gens = map[string]tailMarker{}, map[string]*genTail{}
	}
	if old := t.gens[gen]; old != nil {
		g = old // listed meanwhile by another open: keep what it learnt
	}
	g.seal(o.m)
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
