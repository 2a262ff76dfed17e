//go:build !((unix && !solaris && !aix) || illumos)

package localstore

import (
	"errors"
	"fmt"
	"io"
	"runtime"
)

// Lock is not implemented on this platform: without an OS lock that the
// kernel releases on process death, two writers could corrupt a journal.
func (OSFS) Lock(name string) (io.Closer, error) {
	return nil, fmt.Errorf("lock %s: file locking is not supported on %s: %w", name, runtime.GOOS, errors.ErrUnsupported)
}
