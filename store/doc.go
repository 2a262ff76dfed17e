// Package store defines the Store interface that keeps a prevalent
// system's journal, the errors every store shares, and the protocol the
// prevalent system follows on top of it.
//
// # Files
//
// A store holds the files of one journal, named relative to the store's
// base name (a path for localstore, an object key for s3store):
//
//	""                 Journal: the live journal
//	".backup"          Backup: the journal being replaced; takes precedence
//	".backup-<time>"   archives of retired journals (ArchiveName)
//	".tmp-<id>"        a journal being written; never read
//
// Classify sorts a listing into these kinds, and Files.Current names the
// file a start recovers from; the prevalent system and the prevayler
// command both read a listing through it, so the rules live here only.
//
// # Protocol
//
// The prevalent system drives every store the same way, so that a crash at
// any step loses nothing:
//
//  1. Lock. Remove leftover temporary files.
//  2. Read Backup if it exists, else Journal (if neither exists, start from
//     the initial state).
//  3. Write the recovered state to a new temporary file and Sync it.
//  4. If Journal was read, Rename it to Backup.
//  5. Rename the temporary file to Journal.
//  6. Rename Backup to a new archive name.
//  7. Append events to the Writer of step 3, which follows the renames.
//
// A snapshot while running repeats steps 3 to 6 with the live state, while
// writers go on appending to the old journal until the switch.
//
// The guarantees a store must give for this to be safe (atomic, durable
// Rename; Writer.Sync; Writers that follow renames; Lock) are written on
// each method and checked by the conformance suite in storetest.
package store
