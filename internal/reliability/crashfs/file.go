package crashfs

import (
	"io"
	"os"
	"syscall"
	"time"

	"github.com/prevayler-go/prevayler/localstore"
)

// file is an open file. It reads and appends the live view of its inode,
// which it follows across renames, as a file descriptor does.
type file struct {
	fs     *FS
	ino    *inode
	path   string // as opened, for messages
	flag   int
	epoch  int
	off    int
	closed bool
	step   int // preallocating in steps of step bytes; 0: not
}

var _ localstore.Preallocator = (*file)(nil)

// Preallocate makes the file reserve zeros ahead of its writes, as
// localstore's files do on Linux: the size grows by whole steps, the
// reserve becomes durable with the next Sync, and Close cuts the file
// back to its bytes and makes that durable. Faults of fallocate itself
// are not modelled: localstore goes on without preallocation then.
func (fl *file) Preallocate(step int64) error {
	f := fl.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := fl.usable("fallocate"); err != nil {
		return err
	}
	if !fl.writable() || len(fl.ino.data) != 0 {
		return pathErr("fallocate", fl.path, syscall.EINVAL)
	}
	fl.step = int(step)
	return nil
}

// usable returns why the file cannot be used; the caller holds fs.mu.
func (fl *file) usable(op string) error {
	switch {
	case fl.epoch != fl.fs.epoch:
		return pathErr(op, fl.path, ErrCrashed) // opened before a crash
	case fl.closed:
		return pathErr(op, fl.path, os.ErrClosed)
	}
	return nil
}

func (fl *file) writable() bool { return fl.flag&(os.O_WRONLY|os.O_RDWR) != 0 }

// Read reads the live bytes from the file's offset.
func (fl *file) Read(p []byte) (int, error) {
	f := fl.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	if ft := f.call(Read, fl.path, ""); ft.Err != nil {
		return 0, pathErr("read", fl.path, ft.Err)
	}
	if err := fl.usable("read"); err != nil {
		return 0, err
	}
	if fl.flag&os.O_WRONLY != 0 {
		return 0, pathErr("read", fl.path, syscall.EBADF)
	}
	if fl.off >= fl.ino.size() {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	n := min(len(p), fl.ino.size()-fl.off)
	if fl.off < len(fl.ino.data) {
		m := copy(p[:n], fl.ino.data[fl.off:])
		clear(p[m:n])
	} else {
		clear(p[:n])
	}
	fl.off += n
	return n, nil
}

// Write appends p. A hook's Fault with Keep lands that many bytes first.
func (fl *file) Write(p []byte) (int, error) {
	f := fl.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	ft := f.call(Write, fl.path, "")
	if ft.Err != nil && ft.Keep <= 0 {
		return 0, pathErr("write", fl.path, ft.Err)
	}
	if err := fl.usable("write"); err != nil {
		return 0, err
	}
	if !fl.writable() {
		return 0, pathErr("write", fl.path, syscall.EBADF)
	}
	if fl.flag&os.O_APPEND == 0 {
		return 0, pathErr("write", fl.path, syscall.EINVAL) // not modelled
	}
	if ft.Err != nil {
		k := min(ft.Keep, len(p))
		fl.append(p[:k])
		return k, pathErr("write", fl.path, ft.Err)
	}
	fl.append(p)
	return len(p), nil
}

func (fl *file) append(p []byte) {
	if end := len(fl.ino.data) + len(p); fl.step > 0 && end > fl.ino.reserved {
		fl.ino.reserved = (end + fl.step - 1) / fl.step * fl.step
	}
	fl.ino.data = append(fl.ino.data, p...)
	fl.ino.modTime = time.Now()
}

// Sync makes the file's bytes durable (fdatasync). Its directory entry is
// not: that takes SyncDir.
func (fl *file) Sync() error {
	f := fl.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	if ft := f.call(Sync, fl.path, ""); ft.Err != nil {
		return pathErr("sync", fl.path, ft.Err)
	}
	if err := fl.usable("sync"); err != nil {
		return err
	}
	fl.ino.synced = len(fl.ino.data)
	fl.ino.reservedSynced = fl.ino.reserved
	return nil
}

// Close closes the file. Like close(2) it releases the file even when it
// reports an error; it makes nothing durable.
func (fl *file) Close() error {
	f := fl.fs
	f.mu.Lock()
	defer f.mu.Unlock()
	ft := f.call(Close, fl.path, "")
	if fl.closed {
		return pathErr("close", fl.path, os.ErrClosed)
	}
	fl.closed = true
	if ft.Err != nil {
		return pathErr("close", fl.path, ft.Err)
	}
	if fl.step > 0 && fl.epoch == f.epoch && fl.ino.reserved > 0 {
		// ftruncate to the bytes, then fsync: all of them durable.
		fl.ino.reserved, fl.ino.reservedSynced = 0, 0
		fl.ino.synced = len(fl.ino.data)
	}
	return nil
}
