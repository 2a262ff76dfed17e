package localstore

import (
	"os"
	"syscall"
)

// datasync uses fdatasync, which skips the inode's timestamps but still
// flushes the size of a file that grew.
func datasync(f *os.File) error {
	return fdCall(f, "fdatasync", syscall.Fdatasync)
}

// fdCall runs call on f's descriptor, again while it fails with EINTR,
// which means the call did nothing (unlike a failed sync, it is safe to
// repeat), and names op and the file in the error.
func fdCall(f *os.File, op string, call func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		for {
			serr = call(int(fd))
			if serr != syscall.EINTR {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	if serr != nil {
		return &os.PathError{Op: op, Path: f.Name(), Err: serr}
	}
	return nil
}
