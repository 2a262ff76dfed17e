//go:build !linux

package localstore

import "os"

// datasync falls back to a full fsync (F_FULLFSYNC on Darwin, through
// os.File.Sync) where fdatasync is missing or not trusted.
func datasync(f *os.File) error { return f.Sync() }
