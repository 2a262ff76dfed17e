package prevayler

import (
	"errors"
	"fmt"

	"github.com/prevayler-go/prevayler/store"
)

// Errors returned by the prevalent system. Match them with errors.Is: the
// errors actually returned wrap them with the file, offset or cause.
var (
	// ErrClosed is returned by Handle, Snapshot and Sync after Close.
	ErrClosed = store.ErrClosed

	// ErrCorrupt means a journal's bytes are invalid somewhere other than a
	// torn last write. The error names the file and the byte offset; the
	// file is kept as it is for inspection and Open keeps failing until an
	// operator repairs or removes it.
	ErrCorrupt = store.ErrCorrupt

	// ErrLocked means another writer, in this or another process, has the
	// journal open.
	ErrLocked = store.ErrLocked

	// ErrFenced means another writer took the journal over (S3 store); this
	// instance refuses every later event.
	ErrFenced = store.ErrFenced

	// ErrKey means the journal is encrypted and Options.Encryption is nil,
	// the key does not open it, or a key was given for a plaintext journal.
	ErrKey = store.ErrKey

	// ErrUnknownOutcome means Handle journaled the event, or tried to, and
	// cannot tell whether it is durable: a restart may or may not recover
	// it. Every error from Handle is either a refusal (the handler's error,
	// an encoding error, ErrClosed, ErrFenced before anything was written:
	// never journaled) or matches ErrUnknownOutcome.
	ErrUnknownOutcome = store.ErrUnknownOutcome

	// ErrReentrant is returned by Handle, Sync, Snapshot, Close and
	// Shutdown when they are called from inside a handler of their own
	// system, which would otherwise wait for ever for the handler to
	// return. It comes after about a second; the outer call goes on as
	// the handler decides. Handlers must be pure: they read their
	// arguments and return, and call no prevalent system.
	ErrReentrant = errors.New("called from inside a handler")

	// ErrUnencodable means the codec cannot encode the state, for example
	// an interface value of a type never passed to gob.Register: Snapshot
	// fails with it, the error naming the type as the codec reported it.
	// The system goes on journaling events; Stats.SnapshotError holds the
	// failure and automatic snapshots are retried with a growing delay,
	// from a second to ten minutes, until one succeeds. With
	// Options.CheckState, Open fails with it when the state does not come
	// back equal from encoding and decoding.
	ErrUnencodable = errors.New("the state cannot be encoded")

	// ErrDiverged stops a Follower whose state the journal no longer
	// extends: the journal was restored or copied over with one that
	// starts before the follower's Seq and does not descend from the file
	// the follower read. Follow again to start from the journal as it is.
	ErrDiverged = errors.New("prevayler: the journal no longer extends the follower's state")
)

// PanicError is the error Handle returns when the handler panics. The
// event is not journaled and the state does not change.
type PanicError struct {
	Value any    // what the handler panicked with
	Stack []byte // the handler's stack at the panic
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("prevayler: handler panicked: %v", e.Value)
}

// Unwrap returns the panic value if it is an error, so errors.Is sees it.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}
