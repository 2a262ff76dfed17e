//go:build !linux

package bank

import (
	"errors"
	"os"
)

// fallocate is Linux only: the preallocated probe fails elsewhere.
func fallocate(*os.File, int64, int64) error { return errors.ErrUnsupported }
