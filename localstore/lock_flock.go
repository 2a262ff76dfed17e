//go:build (unix && !solaris && !aix) || illumos

package localstore

import (
	"io"
	"os"
	"syscall"

	"github.com/prevayler-go/prevayler/store"
)

// Lock takes flock(LOCK_EX|LOCK_NB) on name. flock belongs to the open
// file description, so a second Store in the same process, with its own
// open of the lock file, is refused just like another process.
func (OSFS) Lock(name string) (io.Closer, error) {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	var lerr error
	err = rc.Control(func(fd uintptr) {
		for {
			lerr = syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB)
			if lerr != syscall.EINTR {
				return
			}
		}
	})
	if err == nil {
		err = lerr
	}
	if err != nil {
		f.Close()
		if err == syscall.EWOULDBLOCK {
			return nil, store.ErrLocked
		}
		return nil, &os.PathError{Op: "flock", Path: name, Err: err}
	}
	// Closing the file drops the lock; the kernel does the same when the
	// process dies, so a crash never leaves a stale lock behind.
	return f, nil
}
