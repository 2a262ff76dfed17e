// Package prevayler makes an application's in-memory state durable without a
// database: the system prevalence pattern, after prevayler-clj.
//
// The business logic is a pure function of the state, an event and the
// event's time (a Handler). Every event is journaled before its caller gets
// the result; the journal starts with a snapshot of the state; on start-up,
// after a crash too, the state is rebuilt from the snapshot and the events
// since.
//
//	p, err := prevayler.Open(ctx, handle, prevayler.Options[Bank]{InitialState: NewBank()})
//	...
//	defer p.Close()
//	receipt, err := p.Handle(ctx, Transfer{From: "a", To: "b", Amount: 10})
//	balance := p.State().Balance("a")
//
// # Handle
//
// Handle applies the handler to the current state with the event's time. If
// the handler returns an error or panics (the panic becomes a *PanicError),
// or the event cannot be encoded, Handle returns that error, journals
// nothing, changes nothing and the system stays usable. Otherwise the event
// is journaled with its time, Handle waits as Options.Durability says, the
// new state is published and the result returned.
//
// The handler must be pure: it reads its arguments, returns, and calls no
// prevalent system (it runs under the apply lock; a call to its own system
// fails with ErrReentrant after about a second instead of deadlocking).
//
// Events are applied strictly one at a time, in journal order. Concurrent
// Handle calls share journal writes and syncs (group commit), so many
// callers cost about as much as one.
//
// # State
//
// Only what the codec stores survives a restart: gob and JSON store
// exported fields only. Open fails for a state type with no exported
// fields and warns of each field left out; Options.CheckState compares the
// state with its encoded and decoded copy once at Open.
//
// State returns the latest published state without locking. It never shows
// an event that is not yet acknowledged (in Durable mode: not yet durable).
// The state is an immutable value: the handler must return a new state and
// never modify the one it was given, since readers may hold it. Copy on
// write is cheap when the state is split into chunks or persistent
// structures; see the examples. Readers and writers following this rule are
// clean under the race detector.
//
// # Failure
//
// If writing or syncing the journal fails, the events in flight get the
// error and every later Handle is refused with an error wrapping the cause:
// a journal that may be torn is never written over. The last published
// state stays readable. Close, then Open again, to recover.
//
// A snapshot that fails stops nothing. If the state cannot be encoded (an
// interface value of a type never given to gob.Register), Snapshot returns
// an error matching ErrUnencodable, an ERROR naming the type is logged,
// Stats.SnapshotError holds it, and automatic snapshots are retried after a
// second, then ever less often, up to every ten minutes.
//
// # Files
//
// With the default local store (package localstore) the journal is a file,
// "journal" in the working directory unless Options.Store says otherwise:
//
//	journal                     header, snapshot of the state when it was started, events since
//	journal.backup              present only during a rotation; takes precedence over journal
//	journal.backup-<timestamp>  archives of earlier journals; no longer read
//	journal.lock                held by the open instance (an OS file lock)
//
// On start-up the backup, if present, is replayed (the journal beside it is
// an unfinished rewrite); otherwise the journal is. A new journal holding
// the recovered state is written under a temporary name, synced and renamed
// into place, and the old one becomes an archive. Snapshot does the same
// while running. A crash at any step loses nothing. A torn last write (a
// crash in the middle of it, before it was acknowledged) is dropped with a
// warning; damage anywhere else is ErrCorrupt naming the file and offset,
// and Open keeps failing, the files untouched, until an operator steps in.
// What may pass as a torn write: the last group commit (Durable), what was
// written since the last background sync, Sync, Snapshot or Close
// (Buffered, Options.SyncInterval), nothing after a clean Close. If the
// recovered state cannot be encoded, Open still starts, logging an ERROR,
// with a journal that continues the old one without a snapshot. The byte
// format is in docs/FORMAT.md.
//
// Only one writer may have a journal open: a second Open fails at once with
// ErrLocked (local store) or takes it over, fencing the first with ErrFenced
// (S3 store).
//
// # Followers
//
// Follow opens a read-only copy of the state that follows a writer's
// journal, in this process or another: it takes no lock, writes nothing,
// and applies the journaled events as they become visible, every
// Options.FollowInterval. Its state is always the writer's after some
// prefix of the journal; Seq and WaitFor let a client read its own
// writes. See Follower.
//
// # Large states
//
// A snapshot of a large state holds about the state in memory, besides the
// state itself, not copies of its encoding. With the default gob codec the
// large slices and maps among the state's fields (and those of the structs
// it holds by value, or the state itself if it is a slice or a map) are
// written and read in pieces of about a mebibyte, each decoded into its
// place in a slice or map made at its full size: nothing needs to be
// implemented for a plain struct holding a slice. A state whose bulk is
// reached through pointers, such as a tree, or whose codec is not gob,
// writes itself in chunks by implementing ChunkEncoder and ChunkDecoder;
// the bank example's model (examples/bank/model) does.
//
// # Time
//
// The handler's time comes from Options.Clock (default time.Now), in UTC,
// and is journaled with the event to the nanosecond: replay gives the
// handler exactly the same time, whatever the clock says then. A journaled
// time is never before the one of the event journaled before it, across
// restarts too: a clock that steps back, or callers that read it in one
// order and reach the apply lock in another, get the previous time.
//
// Events carry sequence numbers (Seq, StateSeq), counted since the
// journal's first start.
//
// # Encryption
//
// With Options.Encryption (an AEAD such as AES-GCM), the snapshot and every
// event are sealed with a unique nonce and authenticated with their
// position, so no plaintext reaches the store and tampering, reordering or
// repeating records is detected. A cut at a record boundary is not: it
// looks like a crash (see docs/FORMAT.md). A missing or wrong key is
// ErrKey, reported before any file is renamed.
package prevayler
