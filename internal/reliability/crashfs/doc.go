// Package crashfs is an in-memory file system for localstore (it
// implements localstore.FS) that remembers what a crash would keep, in the
// manner of LazyFS and ALICE, and fails chosen calls.
//
// It keeps two views of every file and directory. The live view is what
// the process sees: every write, creation, rename and removal at once. The
// durable view is what a power loss leaves:
//
//   - the bytes of a file up to its last File.Sync, plus whatever
//     CrashOptions.Unsynced keeps of the rest (nothing, a prefix, garbage);
//   - the entries of a directory as of its last SyncDir, plus the first
//     CrashOptions.DirOps of the creations, renames and removals made in it
//     since, in the order they were made. A file whose creation is lost is
//     lost with its bytes, synced or not.
//
// Crash replaces the live view with what survives, makes every open file
// and lock of the old view dead, and frees the locks, as a reboot would.
// Models lists the crashes the reliability harness tries at each point.
//
// # Faults
//
// A Hook sees every call before it is performed, numbered overall (Seq)
// and among the calls of its kind (N), and may fail it with an errno
// (syscall.EIO, syscall.ENOSPC) or, for a Write, let only part of the
// buffer land first. CrashAt stops the world at one call: that call and
// every later one fail without doing anything, so the file system stays
// exactly as it was at that moment, ready for Crash.
//
// # Layout
//
//	fs.go     the FS type, its directory operations and locks
//	file.go   open files: reads and appending writes
//	crash.go  Crash, CrashOptions, Clone and the crash models
//	hook.go   calls, faults and ready-made hooks
//
// Directories are created by MkdirAll and are durable at once: the model
// is about the journal's files, not about its directory. Only appending
// writes are modelled (localstore opens every file it writes O_APPEND).
package crashfs
