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
)
