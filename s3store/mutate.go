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
	op := fmt.Sprintf("create %q", name)
	if err := s.begin(ctx, op, true, name); err != nil {
		return nil, err
	}
	s.op.Lock()
	defer s.op.Unlock()
	// Checked before, so that a fenced writer leaves nothing behind...
	if err := s.checkLease(ctx, "create"); err != nil {
		return nil, err
	}
	gen := newID()
	var (
		etag string
		err  error
	)
	if fixed(name) {
		f := s.known(name)
		if f.gen != "" {
			return nil, fmt.Errorf("s3store: %s: %w", op, fs.ErrExist)
		}
		etag, err = s.writeFixed(ctx, name, gen, "", cond{ifMatch: f.etag})
	} else {
		etag, err = s.putMarker(ctx, name, gen, "", cond{})
		if errors.Is(err, errConflict) {
			return nil, fmt.Errorf("s3store: %s: %w", op, fs.ErrExist)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("s3store: %s: %w", op, err)
	}
	// ...and after, so that a writer taking over meanwhile is sure to
	// see the new marker and fence its generation.
	if err := s.checkLease(ctx, "create"); err != nil {
		if !fixed(name) {
			s.deleteMarker(context.WithoutCancel(ctx), name, "")
		}
		return nil, err
	}
	s.setFile(name, &file{gen: gen, etag: etag})
	return s.newWriter(name, gen), nil
}

// Rename gives oldname's generation the name newname: a lock check, a
// marker write for newname, a marker delete (or write) for oldname,
// whatever the file's size. Writers of the generation follow. A crash
// between the two writes leaves both names on the same bytes, which the
// protocol of package store reads as the rename having happened (a
// temporary file) or not (a journal and its backup with equal content).
// A generation the rename replaces is recorded in newname's marker as
// retired, so that a Lock after a crash collects it.
func (s *Store) Rename(ctx context.Context, oldname, newname string) error {
	op := fmt.Sprintf("rename %q to %q", oldname, newname)
	if err := s.begin(ctx, op, true, oldname, newname); err != nil {
		return err
	}
	s.op.Lock()
	defer s.op.Unlock()
	if err := s.checkLease(ctx, "rename"); err != nil {
		return err
	}
	old, err := s.current(ctx, oldname)
	if err != nil {
		return fmt.Errorf("s3store: %s: %w", op, err)
	}
	if old.gen == "" {
		return fmt.Errorf("s3store: %s: %w", op, store.ErrNotExist)
	}
	if oldname == newname {
		return nil
	}
	target, err := s.current(ctx, newname)
	if err != nil {
		return fmt.Errorf("s3store: %s: %w", op, err)
	}
	retired := ""
	if target.gen != old.gen {
		retired = target.gen
	}
	var etag string
	if fixed(newname) {
		etag, err = s.writeFixed(ctx, newname, old.gen, retired, cond{ifMatch: target.etag})
	} else {
		etag, err = s.putMarker(ctx, newname, old.gen, retired, cond{ifMatch: target.etag})
		if errors.Is(err, errConflict) {
			err = s.fence("the marker of " + newname + " changed")
		}
	}
	if err != nil {
		return fmt.Errorf("s3store: %s: %w", op, err)
	}
	s.setFile(newname, &file{gen: old.gen, etag: etag, retired: retired})
	if err := s.clear(ctx, oldname, old); err != nil {
		return fmt.Errorf("s3store: %s: %w", op, err)
	}
	s.collectIfUnreferenced(ctx, retired)
	return nil
}

// Remove deletes name: first its generation's data segments, unless
// another name shares them, then its marker; a crash between leaves a
// shorter file, still named, that the caller removes again.
func (s *Store) Remove(ctx context.Context, name string) error {
	op := fmt.Sprintf("remove %q", name)
	if err := s.begin(ctx, op, true, name); err != nil {
		return err
	}
	s.op.Lock()
	defer s.op.Unlock()
	if err := s.checkLease(ctx, "remove"); err != nil {
		return err
	}
	f, err := s.current(ctx, name)
	if err != nil {
		return fmt.Errorf("s3store: %s: %w", op, err)
	}
	if f.gen == "" {
		return fmt.Errorf("s3store: %s: %w", op, store.ErrNotExist)
	}
	if !s.sharedBy(f.gen, name) {
		if err := s.deleteGeneration(ctx, f.gen); err != nil {
			return fmt.Errorf("s3store: %s: %w", op, err)
		}
	}
	if err := s.clear(ctx, name, f); err != nil {
		return fmt.Errorf("s3store: %s: %w", op, err)
	}
	return nil
}

// writeFixed writes the Journal or Backup marker on the ETag this writer
// knows (none: it knows the file absent). A marker found in place of an
// absent one that an older epoch wrote is a fenced writer's late write:
// it is overwritten. Any other change means a newer writer took over.
func (s *Store) writeFixed(ctx context.Context, name, gen, retired string, c cond) (string, error) {
	for range 5 {
		etag, err := s.putMarker(ctx, name, gen, retired, c)
		if !errors.Is(err, errConflict) {
			return etag, err
		}
		if c.ifMatch != "" {
			return "", s.fence("the marker of " + name + " changed")
		}
		o, err := s.getMarker(ctx, name)
		if err != nil {
			return "", err
		}
		if o.exists && o.m.Epoch >= s.epoch {
			return "", s.fence(fmt.Sprintf("the marker of %q was written by epoch %d", name, o.m.Epoch))
		}
		if o.exists {
			s.log.Warn("s3store: replacing a marker a fenced writer wrote late", "file", name, "its_epoch", o.m.Epoch)
			c.ifMatch = o.etag
		}
	}
	return "", fmt.Errorf("s3store: the marker of %q keeps changing", name)
}

// clear makes name absent: its marker is deleted, on the ETag this writer
// knows for Journal and Backup; a server without conditional deletes
// gets an absent marker for those two instead.
func (s *Store) clear(ctx context.Context, name string, f file) error {
	if !fixed(name) {
		if err := s.deleteMarker(ctx, name, ""); err != nil {
			return err
		}
		s.setFile(name, nil)
		return nil
	}
	etag, err := s.clearObj(ctx, name, f.etag)
	if errors.Is(err, errConflict) {
		return s.fence("the marker of " + name + " changed")
	}
	if err != nil {
		return err
	}
	if etag == "" {
		s.setFile(name, nil)
	} else {
		s.setFile(name, &file{etag: etag})
	}
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
	s.noteMarker(o)
	return file{gen: o.m.Gen, etag: o.etag, retired: o.m.Retired}, nil
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

// sharedBy reports whether a file other than name names gen.
func (s *Store) sharedBy(gen, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for n, f := range s.files {
		if n != name && f.gen == gen {
			return true
		}
	}
	return false
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
