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
// Once preallocating, it writes at the descriptor's offset (O_APPEND
// would land past the reserved space) and keeps count of what it wrote.
type osFile struct {
	*os.File
	step    int64 // 0: not preallocating
	written int64
	end     int64 // size reserved so far
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
	f.step = step
	return nil
}

func (f *osFile) Write(p []byte) (int, error) {
	if f.step > 0 && f.written+int64(len(p)) > f.end {
		f.reserve(f.written + int64(len(p)))
	}
	n, err := f.File.Write(p)
	f.written += int64(n)
	return n, err
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
	var err error
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
