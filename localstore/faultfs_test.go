package localstore

import (
	"io"
	"io/fs"
	"sync"
)

// faultFS wraps OSFS and fails chosen calls, to check how the Store
// reacts to the errors a real disk gives (EIO, ENOSPC, short writes).
type faultFS struct {
	OSFS

	mu     sync.Mutex
	counts map[string]int
	// fail is asked before each call, with the call's kind and its
	// 1-based number among calls of that kind; a non-nil error fails it.
	fail func(kind string, n int) error
	// partial, if set, decides for each Write how many bytes really reach
	// the file and what error comes back.
	partial func(n int, p []byte) (int, error)
}

func (f *faultFS) check(kind string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.counts == nil {
		f.counts = map[string]int{}
	}
	f.counts[kind]++
	if f.fail == nil {
		return nil
	}
	return f.fail(kind, f.counts[kind])
}

func (f *faultFS) count(kind string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[kind]
}

func (f *faultFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	if err := f.check("open"); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	file, err := f.OSFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultFile{File: file, fs: f}, nil
}

func (f *faultFS) Rename(oldpath, newpath string) error {
	if err := f.check("rename"); err != nil {
		return err
	}
	return f.OSFS.Rename(oldpath, newpath)
}

func (f *faultFS) Remove(name string) error {
	if err := f.check("remove"); err != nil {
		return err
	}
	return f.OSFS.Remove(name)
}

func (f *faultFS) SyncDir(dir string) error {
	if err := f.check("syncdir"); err != nil {
		return err
	}
	return f.OSFS.SyncDir(dir)
}

func (f *faultFS) MkdirAll(path string, perm fs.FileMode) error {
	if err := f.check("mkdir"); err != nil {
		return err
	}
	return f.OSFS.MkdirAll(path, perm)
}

func (f *faultFS) Lock(name string) (io.Closer, error) {
	if err := f.check("lock"); err != nil {
		return nil, err
	}
	return f.OSFS.Lock(name)
}

type faultFile struct {
	File
	fs *faultFS
}

func (f *faultFile) Write(p []byte) (int, error) {
	if err := f.fs.check("write"); err != nil {
		return 0, err
	}
	if f.fs.partial != nil {
		n, err := f.fs.partial(f.fs.count("write"), p)
		if n > 0 {
			if _, werr := f.File.Write(p[:n]); werr != nil {
				return 0, werr
			}
		}
		if n < len(p) || err != nil {
			return n, err
		}
		return len(p), nil
	}
	return f.File.Write(p)
}

func (f *faultFile) Sync() error {
	if err := f.fs.check("sync"); err != nil {
		return err
	}
	return f.File.Sync()
}

func (f *faultFile) Read(p []byte) (int, error) {
	if err := f.fs.check("read"); err != nil {
		return 0, err
	}
	return f.File.Read(p)
}
