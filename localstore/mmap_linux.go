package localstore

import (
	"os"
	"runtime/debug"
	"syscall"
)

// mapWindow is how much of the reserved space one mapping covers: the
// page cache holds the file anyway, and a window the size of the default
// step costs one mmap per step.
const mapWindow = DefaultPreallocate

// mapFile maps size bytes of f from off, shared and writable: what is
// copied there is the file's content.
func mapFile(f *os.File, off int64, size int) ([]byte, error) {
	var b []byte
	err := fdCall(f, "mmap", func(fd int) error {
		var err error
		b, err = syscall.Mmap(fd, off, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
		return err
	})
	return b, err
}

func unmapFile(b []byte) { _ = syscall.Munmap(b) }

// copyInto copies src into the mapping dst. A page the file no longer
// holds (truncated by another process) faults; that fault becomes an
// error here instead of killing the process.
func copyInto(dst, src []byte) (n int, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = errMapFault
		}
	}()
	return copy(dst, src), nil
}
