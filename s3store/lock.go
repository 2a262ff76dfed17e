package s3store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/store"
)

// Lock makes this store the journal's writer, taking over from any
// previous one, alive or not, in a constant number of requests plus a
// few per file. It fences the previous writer: when Lock returns, every
// marker that writer may change has a new ETag, and every generation a
// marker names ends with a tombstone, so nothing the previous writer does
// afterwards changes the journal; it fails with store.ErrFenced instead.
func (s *Store) Lock(ctx context.Context) error {
	if err := s.usable(ctx); err != nil {
		return fmt.Errorf("s3store: lock: %w", err)
	}
	s.op.Lock()
	defer s.op.Unlock()

	id := newID()
	s.mu.Lock()
	s.writerID, s.files, s.fenced = id, nil, nil
	s.mu.Unlock()

	if err := s.putLock(ctx); err != nil {
		return err
	}
	// Generations listed before the markers are read: one created later
	// is not a candidate for collection, whatever its markers say.
	gens, err := s.listGenerations(ctx)
	if err != nil {
		return err
	}
	files, err := s.takeMarkers(ctx)
	if err != nil {
		return err
	}
	referenced := map[string]bool{}
	for _, f := range files {
		if f.gen != "" {
			referenced[f.gen] = true
		}
	}
	if err := s.forEach(ctx, keys(referenced), s.tombstone); err != nil {
		return fmt.Errorf("s3store: lock: %w", err)
	}
	var orphans []string
	for _, g := range gens {
		if !referenced[g] {
			orphans = append(orphans, g)
		}
	}
	// Collect only while still the writer: a later one's new generations
	// may be among the orphans listed here.
	if err := s.checkLease(ctx, "lock"); err != nil {
		return err
	}
	if err := s.collect(ctx, orphans); err != nil {
		// The lock is taken; the garbage waits for the next Lock.
		s.log.Warn("s3store: lock: removing unreferenced generations failed", "err", err)
	}

	s.mu.Lock()
	s.files = files
	s.mu.Unlock()
	s.log.Debug("s3store: locked", "writer", id, "files", len(files), "collected", len(orphans))
	return nil
}

// putLock writes <Key>.lock naming this writer. The body is for people
// inspecting the bucket; the writer id in its metadata is what
// checkLease compares.
func (s *Store) putLock(ctx context.Context) error {
	host, _ := os.Hostname()
	body := fmt.Appendf(nil, "writer %s\nhost %s\npid %d\ntime %s\n", s.writerID, host, os.Getpid(), time.Now().UTC().Format(time.RFC3339Nano))
	err := s.do(ctx, "put lock", func(ctx context.Context) error {
		_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket:        &s.opts.Bucket,
			Key:           aws.String(s.lockKey()),
			Body:          bytes.NewReader(body),
			ContentLength: aws.Int64(int64(len(body))),
			ContentType:   aws.String("text/plain; charset=utf-8"),
			Metadata:      map[string]string{metaWriter: s.writerID},
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("s3store: lock: write %s: %w", s.lockKey(), err)
	}
	return nil
}

// takeMarkers rewrites Journal and Backup (creating them absent if new),
// so that the previous writer's ETags go stale, then reads every other
// marker. The listing comes after the rewrites: a previous writer renames
// by writing the new name before clearing the old, so a marker that took
// over a generation from Journal or Backup before the rewrite is listed.
func (s *Store) takeMarkers(ctx context.Context) (map[string]*file, error) {
	files := map[string]*file{}
	for _, name := range []string{store.Journal, store.Backup} {
		f, err := s.touch(ctx, name)
		if err != nil {
			return nil, err
		}
		files[name] = f
	}
	names, err := s.listNames(ctx)
	if err != nil {
		return nil, fmt.Errorf("s3store: lock: %w", err)
	}
	var others []string
	for _, n := range names {
		if !fixed(n) {
			others = append(others, n)
		}
	}
	found := make([]markerObj, len(others))
	err = s.forEachIndex(ctx, len(others), func(ctx context.Context, i int) error {
		var err error
		found[i], err = s.getMarker(ctx, others[i])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("s3store: lock: %w", err)
	}
	for i, o := range found {
		if o.present() {
			files[others[i]] = &file{gen: o.m.Gen}
		}
	}
	return files, nil
}

// touch rewrites a Journal or Backup marker with its generation and a
// new stamp, conditional on the ETag just read; on a race it reads again.
func (s *Store) touch(ctx context.Context, name string) (*file, error) {
	for range 20 {
		o, err := s.getMarker(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("s3store: lock: %w", err)
		}
		etag, err := s.putMarker(ctx, name, o.m.Gen, cond{ifMatch: o.etag})
		if errors.Is(err, errConflict) {
			if err := s.checkLease(ctx, "lock"); err != nil {
				return nil, err // a later writer took over meanwhile
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("s3store: lock: %w", err)
		}
		return &file{gen: o.m.Gen, etag: etag}, nil
	}
	return nil, fmt.Errorf("s3store: lock: the marker of %q keeps changing", name)
}

// listGenerations returns the ids of every generation with objects.
func (s *Store) listGenerations(ctx context.Context) ([]string, error) {
	prefix := s.genPrefix()
	in := &s3.ListObjectsV2Input{Bucket: &s.opts.Bucket, Prefix: &prefix, Delimiter: aws.String("/")}
	var gens []string
	for {
		var out *s3.ListObjectsV2Output
		err := s.do(ctx, "list generations", func(ctx context.Context) error {
			var err error
			out, err = s.client.ListObjectsV2(ctx, in)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("s3store: lock: list generations: %w", err)
		}
		for _, p := range out.CommonPrefixes {
			g := aws.ToString(p.Prefix)
			if len(g) > len(prefix) && g[len(g)-1] == '/' && validID(g[len(prefix):len(g)-1]) {
				gens = append(gens, g[len(prefix):len(g)-1])
			}
		}
		if !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
			return gens, nil
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
