//go:build !linux

package localstore

import (
	"errors"
	"os"
)

// Preallocation is Linux only: elsewhere a journal file grows with its
// writes.
func fallocate(*os.File, int64, int64) error { return errors.ErrUnsupported }

func clearAppend(*os.File) error { return errors.ErrUnsupported }
