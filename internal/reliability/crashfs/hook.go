package crashfs

import (
	"errors"
	"fmt"
)

// Kind is the kind of a file system call.
type Kind int

// The calls a Hook sees.
const (
	OpenFile Kind = iota + 1
	Read
	Write
	Sync // File.Sync
	Close
	Rename
	Remove
	ReadDir
	MkdirAll
	SyncDir
	Lock
	Unlock
)

var kindNames = [...]string{"", "OpenFile", "Read", "Write", "Sync", "Close", "Rename", "Remove", "ReadDir", "MkdirAll", "SyncDir", "Lock", "Unlock"}

func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Call describes one call, given to the Hook before it is performed.
type Call struct {
	Kind Kind
	Path string // the file or directory; for Rename, the old path
	To   string // Rename only: the new path
	Seq  int    // 1-based number among all calls of this FS
	N    int    // 1-based number among the calls of this Kind
}

func (c Call) String() string {
	if c.Kind == Rename {
		return fmt.Sprintf("#%d %v(%d) %s -> %s", c.Seq, c.Kind, c.N, c.Path, c.To)
	}
	return fmt.Sprintf("#%d %v(%d) %s", c.Seq, c.Kind, c.N, c.Path)
}

// Fault is what a Hook does to a call. The zero value lets it through.
type Fault struct {
	// Err fails the call with this error (an errno such as syscall.EIO),
	// wrapped in *fs.PathError. The call does nothing, except a Write that
	// has Keep.
	Err error
	// Keep, for a failing Write, is how many bytes of the buffer land in
	// the file before the error: a write torn by a full disk.
	Keep int
}

// Hook decides the fate of each call. It is called with the FS's lock
// held, one call at a time, and must not call the FS.
type Hook func(Call) Fault

// ErrCrashed is the error of every call from the crash point of CrashAt on.
var ErrCrashed = errors.New("crashfs: the process crashed here")

// CrashAt returns a hook under which the call number seq and every later
// call fail with ErrCrashed without doing anything: the process died just
// before call seq. Use Reached to learn whether a workload got that far.
func CrashAt(seq int) Hook {
	return func(c Call) Fault {
		if c.Seq >= seq {
			return Fault{Err: ErrCrashed}
		}
		return Fault{}
	}
}

// FailNth returns a hook that fails the n-th call of kind with f and lets
// every other call through.
func FailNth(kind Kind, n int, f Fault) Hook {
	return func(c Call) Fault {
		if c.Kind == kind && c.N == n {
			return f
		}
		return Fault{}
	}
}
