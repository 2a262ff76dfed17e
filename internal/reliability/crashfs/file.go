package crashfs

import (
	"io"
	"os"
	"syscall"
	"time"
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
	if fl.off >= len(fl.ino.data) {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	n := copy(p, fl.ino.data[fl.off:])
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
	return nil
}
