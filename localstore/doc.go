// Package localstore keeps a prevalent system's journal in files of the
// local file system: the store.Store that the prevalent system uses by
// default.
//
//	s := localstore.New("data/journal")
//
// # Files
//
// Every file of one journal lives in the directory of its path, named by
// a suffix of that path (the names of package store):
//
//	data/journal                     the live journal (store.Journal)
//	data/journal.backup              the journal being replaced (store.Backup)
//	data/journal.backup-<time>       archives (store.ArchiveName)
//	data/journal.tmp-<id>            a journal being written (store.TempPrefix)
//	data/journal.lock                the lock file; never listed, never removed
//
// Several journals may share a directory: List returns only the files of
// its own journal ("data/journal2" and its files are not "data/journal"'s).
// Lock creates the directory (0755) if needed; files are created 0644.
//
// # Lock
//
// Lock takes flock(LOCK_EX|LOCK_NB) on the lock file and fails at once
// with store.ErrLocked while another process, or another Store in this
// process, holds it. The kernel releases the lock when the process dies,
// however it dies, so a crash never leaves a stale lock. The lock file is
// kept: removing it would let a second writer lock a new file of the same
// name while the first still holds the old one. Platforms without flock
// get an error matching errors.ErrUnsupported from Lock.
//
// # Durability
//
// What survives, and when:
//
//   - Writer.Write returns once the operating system has the bytes (one
//     write(2) at the end of what was written). A crash of the process loses
//     nothing; a power loss may lose them.
//   - Writer.Sync calls fdatasync (fsync outside Linux; F_FULLFSYNC on
//     Darwin): everything written so far survives a power loss. The
//     first Sync, or Close if there was none, also fsyncs the directory,
//     which makes the file's creation durable.
//   - Rename and Remove fsync the directory before they return: the new
//     name, or the absence of the file, survives a power loss.
//
// # Preallocation
//
// On Linux a file created by Create reserves space ahead of its writes
// (Options.Preallocate, 16 MiB at a time by default; negative turns it
// off) with fallocate in mode 0: the space is zero-filled and counted in
// the file's size, so the fdatasync after a write has data to flush but
// no new size to record. The file is then written at its descriptor's
// offset instead of O_APPEND. Close truncates it to the bytes written
// and fsyncs it. Until then, and after a crash, List, Open and OpenAt
// show the reserved zeros after the written bytes; the journal format
// reads zeros to the end of a file as the end of the log, and a follower
// as events not written yet (docs/FORMAT.md, "The end of the log"). A
// file system without fallocate, or without room for a whole step, gets
// a file that grows with its writes. An FS's files preallocate only if
// they implement Preallocator (OSFS's do).
//
// On Linux a write into the reserved space is a copy into a shared,
// writable mapping of the file (16 MiB windows), not a write(2): the
// bytes land in the same page-cache pages, so a crash of the process
// loses none of them and a power cut loses what it would lose of
// write(2)s (what no Sync covered, in any order of pages); fdatasync
// flushes pages dirtied through the mapping as it flushes any other.
// Readers see the copies at once. If the file is cut under the mapping
// by someone else, the fault becomes an ordinary write(2) at the same
// place. Options.NoMmap keeps write(2).
//
// A Writer never retries. After a failed or short write, or a failed
// fsync, it returns that first error from every later call: appending
// after a torn record would bury it, and a second fsync may report
// success for pages the kernel dropped after the first one failed. The
// prevalent system then stops taking events, and the next start recovers
// from what is on disk.
//
// # Testing
//
// Options.FS replaces the operating system, so that tests can fail the
// n-th write, sync, rename or creation, or write half a buffer.
package localstore
