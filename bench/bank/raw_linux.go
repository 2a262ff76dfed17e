package bank

import (
	"os"
	"syscall"
)

// fallocate reserves [off, off+n) of f, zero-filled and counted in its
// size (mode 0).
func fallocate(f *os.File, off, n int64) error { return syscall.Fallocate(int(f.Fd()), 0, off, n) }
