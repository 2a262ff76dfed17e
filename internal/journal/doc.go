// Package journal reads and writes the journal file format, version 2
// (and reads version 1), specified in docs/FORMAT.md at the root of the
// module. It knows nothing
// of stores, codecs or handlers: it turns a snapshot and event entries into
// framed, checksummed and optionally sealed bytes, and back.
//
// # Writing
//
// A Framer builds one file. Write its header (AppendHeader), then the
// snapshot through a SnapshotWriter, then events frames: AppendEvent
// packs entries into a payload, AppendFrame frames it. Set FlagSynced on a
// frame when everything before it is durable (so, in a write of several
// frames, on the first at most), and append a seal (AppendSeal) after a
// sync that no write follows, a closed one when the file is complete; a
// reader relies on both to tell a torn write from damage to acknowledged
// events. FileInfo places a file in the journal's history: the sequence
// number and time of the last event its snapshot covers, its predecessor,
// and whether it is a continuation without a snapshot.
//
// # Reading
//
// NewReader checks the header and the key. Snapshot streams the state's
// bytes; Next returns the events that follow, one at a time, without
// allocating. Damage follows the rules of docs/FORMAT.md: a torn last
// write ends the events with io.EOF and is described by Torn; anything
// else is a *CorruptError (matching store.ErrCorrupt) naming the file and
// byte offset; key problems match store.ErrKey.
//
// # Files
//
//	format.go           constants, kinds, flags, Header, checksums, nonces
//	header.go           encoding and checking the file header
//	framer.go           Framer: the header and frames of a file
//	event.go            event entries: AppendEvent and their parser
//	snapshot_writer.go  SnapshotWriter: a state as snapshot frames
//	reader.go           Reader: header, frame reading, errors
//	reader_frames.go    Reader: the snapshot, events and damage rules
//	scan.go             the search for a synced frame or seal after damage
//	resume.go           ReadHeader, Position and Resume: reading a file as it grows
//	errors.go           CorruptError, Torn, key errors
//
// testdata holds small journals, good and bad, that pin the format; see
// its README.
package journal
