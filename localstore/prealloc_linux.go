package localstore

import (
	"os"
	"syscall"
)

// fallocate reserves bytes [off, off+n) of f, zero-filled, growing its
// size (mode 0, not FALLOC_FL_KEEP_SIZE: the point is that the size no
// longer changes with each write).
func fallocate(f *os.File, off, n int64) error {
	return fdCall(f, "fallocate", func(fd int) error { return syscall.Fallocate(fd, 0, off, n) })
}

// clearAppend turns O_APPEND off, so that writes go to the descriptor's
// offset instead of past the space fallocate reserved.
func clearAppend(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		fl, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
		if e != 0 {
			serr = e
			return
		}
		if _, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_SETFL, fl&^syscall.O_APPEND); e != 0 {
			serr = e
		}
	})
	if err != nil {
		return err
	}
	if serr != nil {
		return &os.PathError{Op: "fcntl", Path: f.Name(), Err: serr}
	}
	return nil
}
