package store

import (
	"context"
	"io"
	"time"
)

// Names of the files of one journal, relative to the store's base name
// (the local path or the S3 key the store was created with). The empty
// name is the journal itself; localstore maps ".backup" to "<path>.backup",
// s3store maps it to the object "<Key>.backup".
const (
	// Journal is the live journal: a snapshot followed by every event since.
	Journal = ""
	// Backup is the journal being replaced. While it exists it takes
	// precedence over Journal, which is then an unfinished rewrite.
	Backup = ".backup"
	// ArchivePrefix starts the name of every archived journal:
	// ".backup-<timestamp>", see ArchiveName.
	ArchivePrefix = ".backup-"
	// TempPrefix starts the name of a journal being written. Such a file is
	// never read; whoever holds the lock may remove it.
	TempPrefix = ".tmp-"
)

// ArchiveTimeFormat formats the timestamp of an archive name: UTC, sortable
// as text, nanosecond precision, no characters that need escaping in a file
// name or an S3 key.
const ArchiveTimeFormat = "20060102T150405.000000000Z"

// ArchiveName returns the archive name for a journal retired at t.
func ArchiveName(t time.Time) string {
	return ArchivePrefix + t.UTC().Format(ArchiveTimeFormat)
}

// FileInfo describes one file of a journal.
type FileInfo struct {
	Name string // relative name: Journal, Backup, an archive or a temporary name
	// Size is the bytes written so far (for S3: stored so far). A store
	// that preallocates (localstore) also counts the zero bytes reserved
	// after them while a writer has the file open, or had it when a crash
	// came; the journal format reads zeros to the end as the end of the
	// log.
	Size    int64
	ModTime time.Time // last modification, as the store reports it
}

// Store keeps the files of one journal. The prevalent system drives it
// through a small protocol (see the package documentation): take the lock,
// read the journal, write a new journal under a temporary name, rename it
// into place.
//
// Every method that does I/O takes a context. Missing files are reported
// with an error matching ErrNotExist. Once another writer has taken over
// the journal (S3), every mutating call fails with an error matching
// ErrFenced.
//
// A Store is safe for concurrent use; each of its Writers is used by one
// goroutine at a time.
type Store interface {
	// Lock makes the caller the only writer of the journal until Close.
	// It must be called before any other method except List and Open.
	// A local store fails at once with ErrLocked while another process or
	// another Store value holds the lock. A store that supports takeover
	// (S3) succeeds, and from then on every mutating call of the previous
	// writer fails with ErrFenced, and no write of the previous writer can
	// extend a file after Lock returns.
	Lock(ctx context.Context) error

	// List returns every file of the journal, in no particular order.
	List(ctx context.Context) ([]FileInfo, error)

	// Open streams the whole content of a file, with the zeros a
	// preallocating store reserved (see FileInfo.Size). ErrNotExist if
	// missing.
	Open(ctx context.Context, name string) (io.ReadCloser, error)

	// Create starts a new, empty file. It fails if the file exists.
	// The creation itself is durable once the returned Writer has been
	// synced (Writer.Sync) or closed.
	Create(ctx context.Context, name string) (Writer, error)

	// Rename atomically gives the file oldname the name newname, replacing
	// any file of that name. It is durable when it returns. Writers of the
	// file keep working: later writes extend the renamed file.
	Rename(ctx context.Context, oldname, newname string) error

	// Remove deletes a file. ErrNotExist if missing. It is durable when it
	// returns.
	Remove(ctx context.Context, name string) error

	// Close releases the lock and every resource of the store. Writers must
	// have been closed first. Close is safe to call twice.
	Close() error
}

// Writer appends to one file. It is used by one goroutine at a time.
type Writer interface {
	// Write appends p as a whole or not at all. When it returns, the store
	// holds the bytes: a crash of the process loses nothing (local: the
	// operating system's page cache; S3: the upload buffer of a store
	// that outlives the call), but a power loss may.
	Write(p []byte) (int, error)

	// Sync makes everything written so far durable: fsync for a local
	// file, stored objects for S3.
	Sync(ctx context.Context) error

	// Close makes everything written durable, as Sync does, then releases
	// the writer. Close is safe to call twice.
	Close() error
}

// Throttle is an optional interface of a Writer whose buffer is bounded
// (S3). Wait blocks until the buffer has room for more data or ctx is done.
// Callers wait before they commit to writing, so that a full buffer delays
// new events instead of growing without end.
type Throttle interface {
	Wait(ctx context.Context) error
}

// Backlog is an optional interface of a Writer that buffers data before
// making it durable in the background (S3). It reports the bytes written
// but not yet stored and when the oldest of them was written (zero time:
// nothing pending).
type Backlog interface {
	Backlog() (bytes int64, oldest time.Time)
}

// Failer is an optional interface of a Writer that makes data durable in
// the background (S3). Err returns the failure that stopped the
// background uploads for good (a refusal such as access denied, or
// failures that lasted past the store's bound), or nil while they work.
// Once non-nil it stays, and every later Write and Sync fails: what was
// written and not yet durable will not become durable. The prevalent
// system polls it to fail at once, in Buffered mode too.
type Failer interface {
	Err() error
}

// Tailer is an optional interface of a Store whose files can be read while
// they grow, for followers (read-only replicas that tail the journal).
// Neither method needs the lock, and neither writes anything.
//
// A Tailer may answer from what it learnt earlier about which file a name
// holds, to keep a check cheap (S3 reads a marker again only now and
// then): once the writer of a renamed or removed file has closed it, an
// open that reads that file to its end lets the store notice, and the
// next open shows the name as it is now; storetest checks both.
type Tailer interface {
	// OpenAt streams a file from byte offset off to its end as it is now
	// (bytes written later may or may not be seen). An offset at or past
	// the end yields an empty stream. ErrNotExist if missing. The stream
	// may also be an io.Seeker, which a follower uses to read a file's
	// header and then its new frames through one open.
	OpenAt(ctx context.Context, name string, off int64) (io.ReadCloser, error)

	// PollInterval is how often a follower looks for new data unless told
	// otherwise: about what one check costs the store and its bill.
	PollInterval() time.Duration
}

// Pipeline is an optional interface of a Writer whose Sync may be called
// again, with more Writes in between, while earlier Syncs still wait
// (S3, whose uploads overlap). Each Sync makes durable everything written
// before it, and a Sync that returns nil means every earlier one would.
// PipelineDepth says how many Syncs are worth having in flight at once;
// the prevalent system then writes a Durable batch while the syncs of
// earlier ones are in flight, and acknowledges the batches in order.
type Pipeline interface {
	PipelineDepth() int
}
