//go:build !linux

package localstore

import (
	"errors"
	"os"
)

// Elsewhere there is no preallocation, so nothing is mapped.
const mapWindow = DefaultPreallocate

func mapFile(*os.File, int64, int) ([]byte, error) { return nil, errors.ErrUnsupported }

func unmapFile([]byte) {}

func copyInto(dst, src []byte) (int, error) { return copy(dst, src), nil }
