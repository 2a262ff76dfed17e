package localstore

import (
	"os"
	"syscall"
)

// datasync uses fdatasync, which skips the inode's timestamps but still
// flushes the size of a file that grew.
func datasync(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		for {
			serr = syscall.Fdatasync(int(fd))
			// EINTR means the call did nothing; unlike a failed sync it is
			// safe to repeat.
			if serr != syscall.EINTR {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	if serr != nil {
		return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: serr}
	}
	return nil
}
