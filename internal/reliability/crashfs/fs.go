package crashfs

import (
	"bytes"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
)

// FS is an in-memory file system that models what a crash keeps. It is
// safe for concurrent use: every call runs under one lock, so calls are
// atomic and numbered in the order they happen.
type FS struct {
	mu     sync.Mutex
	hook   Hook
	seq    int
	counts map[Kind]int
	faults []Call
	epoch  int // bumped by Crash; files and locks of an older epoch are dead
	dirs   map[string]*dir
	locks  map[string]*lockHandle
}

var _ localstore.FS = (*FS)(nil)

// inode is one file's bytes. Only appends are modelled, so the durable
// bytes are a prefix: the first synced. A preallocating file's size runs
// past its bytes to reserved, in zeros; the reserve survives a crash as
// of the last Sync (fdatasync makes the size of a file durable).
type inode struct {
	data           []byte
	synced         int
	reserved       int
	reservedSynced int
	modTime        time.Time
}

// size is the file's size: its bytes, then the zeros reserved after them.
func (ino *inode) size() int { return max(len(ino.data), ino.reserved) }

// content is what a reader sees: the bytes, then the reserved zeros.
func (ino *inode) content() []byte {
	b := bytes.Clone(ino.data)
	return append(b, make([]byte, ino.size()-len(b))...)
}

// dir holds the two views of one directory and the changes between them.
type dir struct {
	live    map[string]*inode
	durable map[string]*inode
	pending []dirOp // made in live since the last SyncDir, in order
}

type dirOp struct {
	kind     Kind // OpenFile (a creation), Rename or Remove
	name, to string
	ino      *inode
}

// New returns an empty file system: no directory exists until MkdirAll.
func New() *FS {
	return &FS{counts: map[Kind]int{}, dirs: map[string]*dir{}, locks: map[string]*lockHandle{}}
}

// SetHook replaces the hook; nil lets every call through.
func (f *FS) SetHook(h Hook) {
	f.mu.Lock()
	f.hook = h
	f.mu.Unlock()
}

// Calls returns the number of calls so far, failed ones included.
func (f *FS) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seq
}

// Count returns the number of calls of kind so far.
func (f *FS) Count(kind Kind) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[kind]
}

// Reached reports whether call number seq was made: with CrashAt(seq),
// whether the workload got as far as the crash.
func (f *FS) Reached(seq int) bool { return f.Calls() >= seq }

// Faults returns the calls the hook failed, in order.
func (f *FS) Faults() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.faults)
}

// call numbers a call and asks the hook about it; the caller holds mu.
func (f *FS) call(kind Kind, path, to string) Fault {
	f.seq++
	f.counts[kind]++
	if f.hook == nil {
		return Fault{}
	}
	c := Call{Kind: kind, Path: path, To: to, Seq: f.seq, N: f.counts[kind]}
	ft := f.hook(c)
	if ft.Err != nil {
		f.faults = append(f.faults, c)
	}
	return ft
}

func pathErr(op, path string, err error) error { return &fs.PathError{Op: op, Path: path, Err: err} }

// lookup splits path into its directory and base name.
func (f *FS) lookup(path string) (*dir, string, bool) {
	path = filepath.Clean(path)
	d, ok := f.dirs[filepath.Dir(path)]
	return d, filepath.Base(path), ok
}

// create adds a new empty file to d; the caller holds mu.
func (d *dir) create(name string) *inode {
	ino := &inode{modTime: time.Now()}
	d.live[name] = ino
	d.pending = append(d.pending, dirOp{kind: OpenFile, name: name, ino: ino})
	return ino
}

// OpenFile opens or creates a file. O_TRUNC is refused: only appending
// writes are modelled.
func (f *FS) OpenFile(name string, flag int, perm fs.FileMode) (localstore.File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ft := f.call(OpenFile, name, ""); ft.Err != nil {
		return nil, pathErr("open", name, ft.Err)
	}
	if flag&os.O_TRUNC != 0 {
		return nil, pathErr("open", name, syscall.EINVAL)
	}
	d, base, ok := f.lookup(name)
	if !ok {
		return nil, pathErr("open", name, syscall.ENOENT)
	}
	ino, exists := d.live[base]
	switch {
	case exists && flag&os.O_CREATE != 0 && flag&os.O_EXCL != 0:
		return nil, pathErr("open", name, syscall.EEXIST)
	case !exists && flag&os.O_CREATE == 0:
		return nil, pathErr("open", name, syscall.ENOENT)
	case !exists:
		ino = d.create(base)
	}
	return &file{fs: f, ino: ino, path: name, flag: flag, epoch: f.epoch}, nil
}

// Rename renames a file within its directory, replacing the target.
func (f *FS) Rename(oldpath, newpath string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ft := f.call(Rename, oldpath, newpath); ft.Err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: ft.Err}
	}
	d, oldbase, ok := f.lookup(oldpath)
	d2, newbase, ok2 := f.lookup(newpath)
	if !ok || !ok2 {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: syscall.ENOENT}
	}
	if d != d2 {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: syscall.EXDEV}
	}
	ino, exists := d.live[oldbase]
	if !exists {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: syscall.ENOENT}
	}
	if oldbase == newbase {
		return nil
	}
	delete(d.live, oldbase)
	d.live[newbase] = ino
	d.pending = append(d.pending, dirOp{kind: Rename, name: oldbase, to: newbase})
	return nil
}

// Remove removes a file.
func (f *FS) Remove(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ft := f.call(Remove, name, ""); ft.Err != nil {
		return pathErr("remove", name, ft.Err)
	}
	d, base, ok := f.lookup(name)
	if !ok {
		return pathErr("remove", name, syscall.ENOENT)
	}
	if _, exists := d.live[base]; !exists {
		return pathErr("remove", name, syscall.ENOENT)
	}
	delete(d.live, base)
	d.pending = append(d.pending, dirOp{kind: Remove, name: base})
	return nil
}

// ReadDir lists the files and subdirectories of a directory, sorted.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ft := f.call(ReadDir, name, ""); ft.Err != nil {
		return nil, pathErr("readdirent", name, ft.Err)
	}
	name = filepath.Clean(name)
	d, ok := f.dirs[name]
	if !ok {
		return nil, pathErr("open", name, syscall.ENOENT)
	}
	var out []fs.DirEntry
	for base, ino := range d.live {
		out = append(out, entry{info: fileInfo{name: base, size: int64(ino.size()), modTime: ino.modTime}})
	}
	for p := range f.dirs {
		if p != name && filepath.Dir(p) == name {
			out = append(out, entry{info: fileInfo{name: filepath.Base(p), dir: true}})
		}
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int {
		switch {
		case a.Name() < b.Name():
			return -1
		case a.Name() > b.Name():
			return 1
		}
		return 0
	})
	return out, nil
}

// MkdirAll creates a directory and its parents. Directories are durable at
// once (see the package documentation).
func (f *FS) MkdirAll(path string, perm fs.FileMode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ft := f.call(MkdirAll, path, ""); ft.Err != nil {
		return pathErr("mkdir", path, ft.Err)
	}
	for p := filepath.Clean(path); ; p = filepath.Dir(p) {
		if _, ok := f.dirs[p]; !ok {
			f.dirs[p] = &dir{live: map[string]*inode{}, durable: map[string]*inode{}}
		}
		if filepath.Dir(p) == p {
			return nil
		}
	}
}

// SyncDir makes the directory's entries durable.
func (f *FS) SyncDir(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ft := f.call(SyncDir, name, ""); ft.Err != nil {
		return pathErr("sync", name, ft.Err)
	}
	d, ok := f.dirs[filepath.Clean(name)]
	if !ok {
		return pathErr("open", name, syscall.ENOENT)
	}
	d.durable = maps.Clone(d.live)
	d.pending = nil
	return nil
}

// Lock creates name if needed and locks it; a lock held by anyone fails
// with store.ErrLocked, as localstore.OSFS does. Crash frees every lock.
func (f *FS) Lock(name string) (io.Closer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ft := f.call(Lock, name, ""); ft.Err != nil {
		return nil, pathErr("flock", name, ft.Err)
	}
	d, base, ok := f.lookup(name)
	if !ok {
		return nil, pathErr("open", name, syscall.ENOENT)
	}
	if _, exists := d.live[base]; !exists {
		d.create(base)
	}
	if f.locks[name] != nil {
		return nil, store.ErrLocked
	}
	l := &lockHandle{fs: f, name: name, epoch: f.epoch}
	f.locks[name] = l
	return l, nil
}

type lockHandle struct {
	fs     *FS
	name   string
	epoch  int
	closed bool
}

// Close releases the lock. Like close(2), it frees the lock even when it
// reports an error.
func (l *lockHandle) Close() error {
	f := l.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	ft := f.call(Unlock, l.name, "")
	if l.closed {
		return pathErr("close", l.name, os.ErrClosed)
	}
	l.closed = true
	if l.epoch == f.epoch && f.locks[l.name] == l {
		delete(f.locks, l.name)
	}
	if ft.Err != nil {
		return pathErr("close", l.name, ft.Err)
	}
	return nil
}

// fileInfo and entry describe a file for ReadDir.
type fileInfo struct {
	name    string
	size    int64
	modTime time.Time
	dir     bool
}

func (i fileInfo) Name() string       { return i.name }
func (i fileInfo) Size() int64        { return i.size }
func (i fileInfo) ModTime() time.Time { return i.modTime }
func (i fileInfo) IsDir() bool        { return i.dir }
func (i fileInfo) Sys() any           { return nil }
func (i fileInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}

type entry struct{ info fileInfo }

func (e entry) Name() string               { return e.info.name }
func (e entry) IsDir() bool                { return e.info.dir }
func (e entry) Type() fs.FileMode          { return e.info.Mode().Type() }
func (e entry) Info() (fs.FileInfo, error) { return e.info, nil }
