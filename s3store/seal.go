package s3store

import (
	"context"
	"errors"
)

// seal is what a sealed marker records of a complete generation: no
// writer can extend it any more (its own closed, every earlier one
// fenced by a tombstone), and it holds length bytes in segments 1 to
// segments. A reader of a sealed generation needs no listing to know its
// size, Lock needs no tombstone for it, and a segment missing anywhere in
// it is ErrCorrupt, never a torn tail.
type seal struct {
	length   int64
	segments uint64
}

// sealOf returns what this store knows of gen's seal.
func (s *Store) sealOf(gen string) (seal, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl, ok := s.seals[gen]
	return sl, ok
}

// keepListed remembers the cover Lock listed of a generation it ended, so
// that the Open that follows at start-up does not list it again. An ended
// generation changes no byte; only objects can go, which the reader
// meets as missing and answers by listing again (reader.resume, which
// lists: a cover is taken once).
func (s *Store) keepListed(gen string, c cover) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listed == nil {
		s.listed = map[string]cover{}
	}
	s.listed[gen] = c
}

// takeListed returns, once, the cover Lock listed of gen.
func (s *Store) takeListed(gen string) (cover, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.listed[gen]
	delete(s.listed, gen)
	return c, ok
}

// setSeal records that gen is complete.
func (s *Store) setSeal(gen string, sl seal) {
	if gen == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seals == nil {
		s.seals = map[string]seal{}
	}
	s.seals[gen] = sl
}

// noteMarker records the seal a marker read from the bucket carries.
func (s *Store) noteMarker(o markerObj) {
	if o.present() && o.m.Sealed {
		s.setSeal(o.m.Gen, seal{length: o.m.Length, segments: o.m.Segments})
	}
}

// sealClosed is called once the writer of gen has stored everything and
// closed: the generation is complete. Every marker of this writer that
// names it is written again, sealed (a lock check and one PUT each, on
// the ETag this writer last saw). A failure costs nothing but the seal:
// the marker stays as it was, and the next Lock ends the generation with
// a tombstone instead.
func (s *Store) sealClosed(ctx context.Context, gen string, sl seal) {
	s.op.Lock()
	defer s.op.Unlock()
	s.setSeal(gen, sl)
	if s.usable(ctx) != nil || s.mutable() != nil {
		return
	}
	// A tombstone right after the last segment tells a follower polling
	// the next segment key that the file is complete, so that it reads
	// the markers at its next check and sees a rotation at once instead
	// of after Options.TailRefresh. It is what a later Lock would write.
	if err := s.putTombstone(ctx, gen, sl.segments+1); err != nil {
		s.log.Warn("s3store: ending a closed generation with a tombstone failed; followers see its successor later", "generation", gen, "err", err)
	}
	var names []string
	s.mu.Lock()
	for n, f := range s.files {
		if f.gen == gen {
			names = append(names, n)
		}
	}
	s.mu.Unlock()
	if len(names) == 0 {
		return
	}
	if err := s.checkLease(ctx, "seal"); err != nil {
		return
	}
	for _, n := range names {
		f := s.known(n)
		etag, err := s.putMarker(ctx, n, gen, f.retired, cond{ifMatch: f.etag})
		if errors.Is(err, errConflict) {
			s.fence("the marker of " + n + " changed")
			return
		}
		if err != nil {
			s.log.Warn("s3store: sealing a closed file's marker failed; the next Lock ends it with a tombstone", "file", n, "err", err)
			return
		}
		f.etag = etag
		s.setFile(n, &f)
	}
	s.log.Debug("s3store: sealed", "generation", gen, "bytes", sl.length, "segments", sl.segments, "files", names)
}
