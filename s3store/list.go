package s3store

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/store"
)

// List returns the journal's files with the bytes stored so far. It reads
// every marker and lists the generation of every file that is not sealed
// (complete, its length in its marker): one or two requests per file.
// A Backup older than the Journal (a fenced writer's late write) is not
// listed: it never takes precedence.
func (s *Store) List(ctx context.Context) ([]store.FileInfo, error) {
	if err := s.begin(ctx, "list", false); err != nil {
		return nil, err
	}
	names, err := s.listNames(ctx)
	if err != nil {
		return nil, fmt.Errorf("s3store: list: %w", err)
	}
	objs := make([]markerObj, len(names))
	infos := make([]*store.FileInfo, len(names))
	err = s.forEachIndex(ctx, len(names), func(ctx context.Context, i int) error {
		o, err := s.getMarker(ctx, names[i])
		if err != nil || !o.present() {
			return err // absent, or removed since it was listed
		}
		objs[i] = o
		s.noteMarker(o)
		fi := &store.FileInfo{Name: names[i], ModTime: o.mod}
		infos[i] = fi
		if o.m.Sealed {
			// Complete: the marker says how long, and was written last.
			fi.Size = o.m.Length
			return nil
		}
		if sl, ok := s.sealOf(o.m.Gen); ok {
			// Complete as this store knows: a sealed marker it read, or a
			// generation its Lock ended. Its length is final.
			fi.Size = sl.length
			return nil
		}
		c, err := s.listCover(ctx, o.m.Gen)
		if err != nil {
			return err
		}
		fi.Size = c.size
		if c.mod.After(fi.ModTime) {
			fi.ModTime = c.mod
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("s3store: list: %w", err)
	}
	var j, b markerObj
	for i, n := range names {
		switch n {
		case store.Journal:
			j = objs[i]
		case store.Backup:
			b = objs[i]
		}
	}
	hideBackup := stale(j, b) || (b.present() && archived(b.m.Gen, names, objs))
	var out []store.FileInfo
	for _, fi := range infos {
		if fi != nil && !(fi.Name == store.Backup && hideBackup) {
			out = append(out, *fi)
		}
	}
	return out, nil
}

// backupSuperseded reports whether the Backup marker b does not take
// precedence: older than the Journal, or on an archived generation (see
// archived). It reads the Journal marker and every archive marker.
func (s *Store) backupSuperseded(ctx context.Context, b markerObj) (bool, error) {
	j, err := s.getMarker(ctx, store.Journal)
	if err != nil || stale(j, b) {
		return err == nil, err
	}
	names, err := s.listNames(ctx)
	if err != nil {
		return false, err
	}
	var archives []string
	for _, n := range names {
		if strings.HasPrefix(n, store.ArchivePrefix) {
			archives = append(archives, n)
		}
	}
	objs := make([]markerObj, len(archives))
	err = s.forEachIndex(ctx, len(archives), func(ctx context.Context, i int) error {
		var err error
		objs[i], err = s.getMarker(ctx, archives[i])
		return err
	})
	return err == nil && archived(b.m.Gen, archives, objs), err
}

// listNames lists the names whose marker objects exist, present or not.
// The delimiter keeps the segments out of the listing.
func (s *Store) listNames(ctx context.Context) ([]string, error) {
	in := &s3.ListObjectsV2Input{Bucket: &s.opts.Bucket, Prefix: &s.key, Delimiter: aws.String("/")}
	var names []string
	err := s.listAll(ctx, in, func(out *s3.ListObjectsV2Output) error {
		for _, o := range out.Contents {
			if name, ok := strings.CutPrefix(aws.ToString(o.Key), s.key); ok && store.ValidName(name) {
				names = append(names, name)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list markers: %w", err)
	}
	return names, nil
}

// listAll runs one listing to its end, handing each page to page; every
// page's request is retried as do retries.
func (s *Store) listAll(ctx context.Context, in *s3.ListObjectsV2Input, page func(*s3.ListObjectsV2Output) error) error {
	for {
		var out *s3.ListObjectsV2Output
		err := s.do(ctx, "list "+aws.ToString(in.Prefix), func(ctx context.Context) error {
			var err error
			out, err = s.client.ListObjectsV2(ctx, in)
			return err
		})
		if err != nil {
			return err
		}
		if err := page(out); err != nil {
			return err
		}
		if !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
			return nil
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}

// forEachIndex runs fn for 0..n-1, Options.Concurrency at a time, and
// returns the first error.
func (s *Store) forEachIndex(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		slots = make(chan struct{}, s.opts.Concurrency)
	)
	for i := range n {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			if err := fn(ctx, i); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// forEach runs fn for every item, Options.Concurrency at a time.
func (s *Store) forEach(ctx context.Context, items []string, fn func(ctx context.Context, item string) error) error {
	return s.forEachIndex(ctx, len(items), func(ctx context.Context, i int) error { return fn(ctx, items[i]) })
}
