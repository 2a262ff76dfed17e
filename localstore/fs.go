package localstore

import (
	"io"
	"io/fs"
	"os"
)

// FS is the seam between a Store and the operating system. A Store does
// all of its file system work through it, so tests can put a fake here
// that fails the n-th write, sync, rename or creation (EIO, ENOSPC) or
// writes only part of a buffer. Options.FS nil means OSFS.
//
// Paths are the ones the Store derives from its journal path. Errors
// should be the operating system's (*fs.PathError and friends) so that
// errors.Is(err, fs.ErrNotExist) and errors.Is(err, fs.ErrExist) work.
type FS interface {
	// OpenFile opens or creates a file, as os.OpenFile does.
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	// Rename renames a file, replacing the target, as os.Rename does.
	Rename(oldpath, newpath string) error
	// Remove removes a file, as os.Remove does.
	Remove(name string) error
	// ReadDir lists a directory, as os.ReadDir does.
	ReadDir(name string) ([]fs.DirEntry, error)
	// MkdirAll creates a directory and its parents, as os.MkdirAll does.
	MkdirAll(path string, perm fs.FileMode) error
	// SyncDir makes the entries of a directory durable: the creations,
	// renames and removals done in it so far survive a power loss.
	SyncDir(dir string) error
	// Lock creates the file name if needed and takes an exclusive lock on
	// it without waiting. While another holder has the lock it fails with
	// an error matching store.ErrLocked. Closing the returned io.Closer
	// releases the lock; so does the death of the process.
	Lock(name string) (io.Closer, error)
}

// File is an open file of an FS.
type File interface {
	io.Reader
	io.Writer
	io.Closer
	// Sync makes the data written so far durable, and the file's size
	// with it (fdatasync on Linux, fsync elsewhere).
	Sync() error
}

// OSFS is the operating system's file system. Its zero value is ready to
// use; fakes for tests usually embed it and override a few methods.
type OSFS struct{}

var _ FS = OSFS{}

// OpenFile opens name with os.OpenFile. Its files implement Preallocator.
func (OSFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &osFile{File: f}, nil
}

// Rename calls os.Rename.
func (OSFS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// Remove calls os.Remove.
func (OSFS) Remove(name string) error { return os.Remove(name) }

// ReadDir calls os.ReadDir.
func (OSFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }

// MkdirAll calls os.MkdirAll.
func (OSFS) MkdirAll(path string, perm fs.FileMode) error { return os.MkdirAll(path, perm) }

// SyncDir opens the directory and fsyncs it.
func (OSFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Preallocator is an optional interface of a File that the Store has
// just created, empty, for appending (O_APPEND). A Store whose
// Options.Preallocate is on calls Preallocate once, before the first
// write; fakes that do not implement it simply get no preallocation.
type Preallocator interface {
	// Preallocate makes the file reserve space ahead of its writes, step
	// bytes at a time, zero-filled and counted in the file's size, so that
	// a data sync need not also record a new size after every write.
	// Writes still land one after the other from the start of the file;
	// Close truncates the file to the bytes written and syncs it. An
	// error matching errors.ErrUnsupported means the file cannot: it
	// stays an ordinary appending file.
	Preallocate(step int64) error
}

// osFile replaces Sync with a data sync: the journal only ever grows, so
// the size is the only metadata that matters and fdatasync covers it.
//
// Once preallocating, it writes at f.written (O_APPEND would land past
// the reserved space) and keeps count of what it wrote. On Linux its
// writes into reserved space are copies into a shared mapping of the
// file (mmap_linux.go): the same page-cache pages a write(2) would fill, so a
// crash of the process loses nothing written and a power cut loses
// exactly what it would lose of write(2)s, but without a system call.
type osFile struct {
	*os.File
	step    int64 // 0: not preallocating
	written int64
	end     int64 // size reserved so far
	offset  bool  // O_APPEND is off: writes go at written
	fdAt    int64 // the descriptor's offset, once offset

	noMap  bool   // writes go through write(2) even into reserved space
	win    []byte // a mapping of the file from winOff, within end
	winOff int64
}

var _ Preallocator = (*osFile)(nil)

func (f *osFile) Sync() error { return datasync(f.File) }

// Preallocate stops appending and reserves the first step.
func (f *osFile) Preallocate(step int64) error {
	if step <= 0 {
		return nil
	}
	if err := clearAppend(f.File); err != nil {
		return err
	}
	f.step, f.offset = step, true
	return nil
}

func (f *osFile) Write(p []byte) (int, error) {
	if f.step > 0 && f.written+int64(len(p)) > f.end {
		f.reserve(f.written + int64(len(p)))
	}
	if !f.offset {
		n, err := f.File.Write(p)
		f.written += int64(n)
		return n, err
	}
	n := 0
	if !f.noMap {
		n = f.copyMapped(p)
	}
	if n < len(p) {
		// os.File keeps refusing WriteAt after O_APPEND was cleared, so the
		// descriptor's offset is put where the mapped copies ended.
		at := f.written + int64(n)
		if f.fdAt != at {
			if _, err := f.File.Seek(at, io.SeekStart); err != nil {
				f.written += int64(n)
				return n, err
			}
		}
		m, err := f.File.Write(p[n:])
		n += m
		f.fdAt = at + int64(m)
		if err != nil {
			f.written += int64(n)
			return n, err
		}
	}
	f.written += int64(n)
	return n, nil
}

// copyMapped copies what it can of p into the mapping at f.written, which
// it moves along the reserved space as the file fills; it returns the
// bytes copied. Past the reserved space, or where mapping fails, the
// rest is left to write(2).
func (f *osFile) copyMapped(p []byte) int {
	n := 0
	for n < len(p) {
		at := f.written + int64(n)
		if at >= f.end {
			return n
		}
		if at < f.winOff || at >= f.winOff+int64(len(f.win)) {
			if err := f.remap(at); err != nil {
				f.noMap = true
				return n
			}
		}
		c, err := copyInto(f.win[at-f.winOff:], p[n:])
		n += c
		if err != nil {
			// The mapping faulted: the file is shorter than reserved, cut
			// by someone else. write(2) reports what the file system says.
			f.unmap()
			f.noMap = true
			return n
		}
	}
	return n
}

// remap maps the window of the reserved space holding at.
func (f *osFile) remap(at int64) error {
	f.unmap()
	off := at &^ (mapWindow - 1)
	size := min(mapWindow, f.end-off)
	b, err := mapFile(f.File, off, int(size))
	if err != nil {
		return err
	}
	f.win, f.winOff = b, off
	return nil
}

func (f *osFile) unmap() {
	if f.win != nil {
		unmapFile(f.win)
		f.win = nil
	}
}

// reserve extends the reserved space to cover need bytes, in whole steps.
// If the file system cannot (no fallocate, or no room for a whole step)
// the file goes on without preallocation: the write itself then reports
// a full disk if the disk is full.
func (f *osFile) reserve(need int64) {
	end := (need + f.step - 1) / f.step * f.step
	if err := fallocate(f.File, f.end, end-f.end); err != nil {
		f.step = 0
		return
	}
	f.end = end
}

// Close gives back the reserved space that was not written, makes the
// new size durable, then closes the file.
func (f *osFile) Close() error {
	f.unmap()
	var err error
	if f.offset && f.end <= f.written {
		// A fallocate that failed for want of room may still have grown
		// the file: trust its size, not f.end.
		if fi, serr := f.File.Stat(); serr == nil && fi.Size() > f.written {
			f.end = fi.Size()
		}
	}
	if f.end > f.written {
		if err = f.File.Truncate(f.written); err == nil {
			err = f.File.Sync()
		}
	}
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	return err
}
