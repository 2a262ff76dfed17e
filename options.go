package prevayler

import (
	"crypto/cipher"
	"fmt"
	"log/slog"
	"time"

	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
)

// DefaultJournal is the journal path used when Options.Store is nil, relative
// to the working directory, as in the original prevayler.
const DefaultJournal = "journal"

// Durability says when Handle returns.
type Durability int

const (
	// Durable: Handle returns after the store made the event durable
	// (local: fdatasync; S3: the segment holding it is stored). A crash or
	// power loss at any moment loses no acknowledged event.
	Durable Durability = iota

	// Buffered: Handle returns once the store has the event (local: the
	// operating system's page cache; S3: the upload buffer). A crash of
	// the process loses nothing on the local store; a power loss, or the
	// loss of the machine for S3, can lose what was not yet synced. Sync
	// and Close make everything durable.
	Buffered
)

func (d Durability) String() string {
	switch d {
	case Durable:
		return "durable"
	case Buffered:
		return "buffered"
	}
	return fmt.Sprintf("Durability(%d)", int(d))
}

// Options configure Open and Follow. The zero value is usable: a local journal named
// "journal" in the working directory, Durable, gob, plaintext.
type Options[S any] struct {
	// Store keeps the journal. nil: localstore.New(DefaultJournal).
	Store store.Store

	// InitialState is the state when the store holds no journal yet.
	InitialState S

	// Durability says when Handle returns; the zero value is Durable.
	Durability Durability

	// SyncInterval is how often a Buffered journal on a local store is
	// made durable in the background (fdatasync, then a seal). What was
	// written before the latest such sync is protected like a Durable
	// journal: damage to it is ErrCorrupt, never dropped as a torn write;
	// a crash may lose, or a torn write drop, only what came after. Zero:
	// DefaultSyncInterval; negative: never (only Sync, Snapshot and Close
	// then sync). Durable journals, and S3 (whose uploader syncs every
	// SleepTime), ignore it.
	SyncInterval time.Duration

	// Clock gives each event's time. nil: time.Now. The time is journaled
	// with the event and replayed as it was, whatever Clock the next start
	// uses.
	Clock func() time.Time

	// Encryption seals every journal record, snapshot included, with a
	// unique nonce (an AEAD such as AES-GCM). nil: plaintext.
	Encryption cipher.AEAD

	// Codec encodes state and events. nil: Gob.
	Codec Codec

	// Logger receives warnings (a torn tail dropped), the progress of long
	// recoveries and debug output. nil: silent.
	Logger *slog.Logger

	// Automatic snapshots, so that start-up stays short: a snapshot is
	// taken in the background once SnapshotEvery events, or SnapshotBytes
	// bytes of journal, were written since the last one, or SnapshotInterval
	// passed with at least one event. Zero disables each rule.
	SnapshotEvery    int
	SnapshotBytes    int64
	SnapshotInterval time.Duration

	// CheckState, if true, encodes and decodes the recovered state once at
	// Open, before anything is written, and fails Open with an error
	// matching ErrUnencodable, naming the first difference, unless the
	// state comes back equal (nil and empty slices and maps count as
	// equal). It catches what the codec silently leaves out, such as the
	// unexported fields gob and JSON do not store, at the cost of one
	// more encoding of the state at start-up.
	CheckState bool

	// KeepArchives, if positive, removes all but the newest KeepArchives
	// archives (journal.backup-<timestamp>) after each snapshot and at
	// start-up. Zero keeps them all. The removal runs in the background:
	// Open and Snapshot return without waiting for the store's deletes,
	// a failed delete is logged and retried after the next snapshot, and
	// Close cancels a pass that is still running and waits for it.
	KeepArchives int

	// KeepArchivesFor, if positive, removes the archives retired more than
	// KeepArchivesFor ago (the time in their name), in the background as
	// KeepArchives does: point-in-time restore (prevayler restore --at)
	// needs a window of history, not a count. An archive holds the events
	// up to its retirement, so every moment of the last KeepArchivesFor
	// stays restorable. With both rules set, an archive is kept while
	// either keeps it. Zero: no age rule.
	KeepArchivesFor time.Duration

	// FollowInterval is, for Follow only, how often the store is checked
	// for new events. Zero: the store's default (store.Tailer's
	// PollInterval: 100 ms local, 1 s S3).
	FollowInterval time.Duration
}

// DefaultSyncInterval is the background sync interval of a Buffered
// journal when Options.SyncInterval is zero.
const DefaultSyncInterval = time.Second

func (o *Options[S]) withDefaults() (Options[S], error) {
	r := *o
	if r.Durability != Durable && r.Durability != Buffered {
		return r, fmt.Errorf("prevayler: invalid Options.Durability %d", int(r.Durability))
	}
	if r.SnapshotEvery < 0 || r.SnapshotBytes < 0 || r.SnapshotInterval < 0 || r.KeepArchives < 0 || r.KeepArchivesFor < 0 {
		return r, fmt.Errorf("prevayler: negative snapshot or archive option")
	}
	if r.Store == nil {
		r.Store = localstore.New(DefaultJournal)
	}
	switch {
	case r.SyncInterval == 0:
		r.SyncInterval = DefaultSyncInterval
	case r.SyncInterval < 0:
		r.SyncInterval = 0
	}
	if r.Clock == nil {
		r.Clock = time.Now
	}
	if r.Codec == nil {
		r.Codec = Gob
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	return r, nil
}
