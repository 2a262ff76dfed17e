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

// OpenFile opens name with os.OpenFile.
func (OSFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
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

// osFile replaces Sync with a data sync: the journal only ever grows, so
// the size is the only metadata that matters and fdatasync covers it.
type osFile struct{ *os.File }

func (f osFile) Sync() error { return datasync(f.File) }
