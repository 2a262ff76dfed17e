package store

import (
	"errors"
	"io/fs"
)

// Errors shared by every store and by the prevalent system. The root
// package re-exports them; match them with errors.Is.
var (
	// ErrNotExist: the file does not exist. It is fs.ErrNotExist, so
	// os.IsNotExist-style checks keep working.
	ErrNotExist = fs.ErrNotExist

	// ErrLocked: another writer holds the journal (local store).
	ErrLocked = errors.New("journal is locked by another writer")

	// ErrFenced: another writer took over the journal (S3 store); this
	// writer must stop.
	ErrFenced = errors.New("journal was taken over by another writer")

	// ErrCorrupt: the journal's bytes are invalid somewhere other than a
	// torn last write. Errors that wrap it name the file and byte offset.
	ErrCorrupt = errors.New("journal is corrupt")

	// ErrClosed: the store or prevalent system was closed.
	ErrClosed = errors.New("closed")

	// ErrKey: the journal is encrypted and no key was given, the key is
	// wrong, or a key was given for a journal written in plaintext.
	ErrKey = errors.New("wrong or missing encryption key")

	// ErrUnknownOutcome: a write was attempted and may or may not be
	// durable: the bytes may have reached the store before the failure
	// (an fsync that failed after the write, an upload whose answer was
	// lost, a context that ended while the journal was being written). A
	// restart may or may not recover the event. Callers that retry should
	// give events their own id so that a retry can be recognised.
	ErrUnknownOutcome = errors.New("outcome unknown: the event may or may not be durable")
)
