package s3store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/prevayler-go/prevayler/store"
)

// Create starts name as a new, empty generation: one marker write and two
// lock checks. The file exists from then on; its bytes are durable as
// the Writer syncs them.
func (s *Store) Create(ctx context.Context, name string) (store.Writer, error) {
	if !store.ValidName(name) {
		return nil, fmt.Errorf("s3store: create %q: invalid name", name)
	}
	if err := s.mutable(ctx); err != nil {
		return nil, fmt.Errorf("s3store: create %q: %w", name, err)
	}
	s.op.Lock()
	defer s.op.Unlock()
	// Checked before, so that a fenced writer leaves nothing behind...
	if err := s.checkLease(ctx, "create"); err != nil {
		return nil, err
	}
	gen := newID()
	var c cond
	if fixed(name) {
		f := s.known(name)
		if f.gen != "" {
			return nil, fmt.Errorf("s3store: create %q: %w", name, fs.ErrExist)
		}
		c.ifMatch = f.etag
	}
	etag, err := s.putMarker(ctx, name, gen, c)
	switch {
	case errors.Is(err, errConflict) && fixed(name):
		return nil, s.fence("create " + name + ": its marker changed")
	case errors.Is(err, errConflict):
		return nil, fmt.Errorf("s3store: create %q: %w", name, fs.ErrExist)
	case err != nil:
		return nil, fmt.Errorf("s3store: create %q: %w", name, err)
	}
	// ...and after, so that a writer taking over meanwhile is sure to
	// see the new marker and fence its generation.
	if err := s.checkLease(ctx, "create"); err != nil {
		if !fixed(name) {
			s.deleteMarker(context.WithoutCancel(ctx), name)
		}
		return nil, err
	}
	s.setFile(name, &file{gen: gen, etag: etag})
	return s.newWriter(name, gen), nil
}

// Rename gives oldname's generation the name newname: a lock check, a
// marker write for newname, a marker write or delete for oldname,
// whatever the file's size. Writers of the generation follow. A crash
// between the two writes leaves both names on the same bytes, which the
// protocol of package store reads as the rename having happened (a
// temporary file) or not (a journal and its backup with equal content).
func (s *Store) Rename(ctx context.Context, oldname, newname string) error {
	if !store.ValidName(oldname) || !store.ValidName(newname) {
		return fmt.Errorf("s3store: rename %q to %q: invalid name", oldname, newname)
	}
	if err := s.mutable(ctx); err != nil {
		return fmt.Errorf("s3store: rename %q to %q: %w", oldname, newname, err)
	}
	s.op.Lock()
	defer s.op.Unlock()
	if err := s.checkLease(ctx, "rename"); err != nil {
		return err
	}
	old, err := s.current(ctx, oldname)
	if err != nil {
		return fmt.Errorf("s3store: rename %q to %q: %w", oldname, newname, err)
	}
	if old.gen == "" {
		return fmt.Errorf("s3store: rename %q to %q: %w", oldname, newname, store.ErrNotExist)
	}
	if oldname == newname {
		return nil
	}
	target, err := s.current(ctx, newname)
	if err != nil {
		return fmt.Errorf("s3store: rename %q to %q: %w", oldname, newname, err)
	}
	etag, err := s.putMarker(ctx, newname, old.gen, cond{ifMatch: target.etag})
	if errors.Is(err, errConflict) {
		return s.fence("rename " + oldname + " to " + newname + ": the marker of " + newname + " changed")
	}
	if err != nil {
		return fmt.Errorf("s3store: rename %q to %q: %w", oldname, newname, err)
	}
	s.setFile(newname, &file{gen: old.gen, etag: etag})
	if err := s.clear(ctx, oldname, old); err != nil {
		return fmt.Errorf("s3store: rename %q to %q: %w", oldname, newname, err)
	}
	if target.gen != old.gen {
		s.collectIfUnreferenced(ctx, target.gen)
	}
	return nil
}

// Remove deletes name: a marker write (Journal, Backup) or delete
// (others), then its generation's segments unless another name shares
// them.
func (s *Store) Remove(ctx context.Context, name string) error {
	if !store.ValidName(name) {
		return fmt.Errorf("s3store: remove %q: invalid name", name)
	}
	if err := s.mutable(ctx); err != nil {
		return fmt.Errorf("s3store: remove %q: %w", name, err)
	}
	s.op.Lock()
	defer s.op.Unlock()
	if err := s.checkLease(ctx, "remove"); err != nil {
		return err
	}
	f, err := s.current(ctx, name)
	if err != nil {
		return fmt.Errorf("s3store: remove %q: %w", name, err)
	}
	if f.gen == "" {
		return fmt.Errorf("s3store: remove %q: %w", name, store.ErrNotExist)
	}
	if err := s.clear(ctx, name, f); err != nil {
		return fmt.Errorf("s3store: remove %q: %w", name, err)
	}
	s.collectIfUnreferenced(ctx, f.gen)
	return nil
}

// clear makes name absent: Journal and Backup get an absent marker, on
// the ETag this writer knows; other markers are deleted.
func (s *Store) clear(ctx context.Context, name string, f file) error {
	if !fixed(name) {
		if err := s.deleteMarker(ctx, name); err != nil {
			return err
		}
		s.setFile(name, nil)
		return nil
	}
	etag, err := s.putMarker(ctx, name, "", cond{ifMatch: f.etag})
	if errors.Is(err, errConflict) {
		return s.fence("the marker of " + name + " changed")
	}
	if err != nil {
		return err
	}
	s.setFile(name, &file{etag: etag})
	return nil
}

// current returns what name holds now: for Journal and Backup, what this
// writer last wrote (no one else may change them without fencing it); for
// other names, the marker as read now, with its ETag.
func (s *Store) current(ctx context.Context, name string) (file, error) {
	if fixed(name) {
		return s.known(name), nil
	}
	o, err := s.getMarker(ctx, name)
	if err != nil {
		return file{}, err
	}
	if !o.exists {
		return file{}, nil
	}
	return file{gen: o.m.Gen, etag: o.etag}, nil
}

// known returns this writer's record of name.
func (s *Store) known(name string) file {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.files[name]; f != nil {
		return *f
	}
	return file{}
}

// setFile records name's new state; nil forgets it.
func (s *Store) setFile(name string, f *file) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == nil {
		delete(s.files, name)
	} else {
		s.files[name] = f
	}
}
