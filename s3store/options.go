package s3store

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prevayler-go/prevayler/uploader"
)

// Defaults of Options.
const (
	DefaultKey         = "journal"
	DefaultSleepTime   = uploader.DefaultSleepTime
	DefaultMaxBuffer   = uploader.DefaultMaxBuffer
	DefaultConcurrency = 8
	// DefaultMaxInflight is the segment uploads a writer keeps in flight
	// at once. One, measured through a proxy adding 30 ms to every
	// request (docs/BENCHMARKS.md): closed loops of 16 to 256 Durable
	// callers then run at 0.9 to 1.0 times the c / round trip limit, since
	// the prevalent system gathers the callers one upload acknowledged into
	// the next (group commit), with the fewest PUTs; four in flight gave
	// them less, for three to four times the PUTs. More in flight pays
	// where events arrive spread over the round trip rather than in step.
	DefaultMaxInflight = 1
	// DefaultCloseTimeout bounds Writer.Close against a server that does
	// not answer.
	DefaultCloseTimeout = 30 * time.Second
)

// Options configure a Store. The zero value of every field but Bucket
// means its default.
type Options struct {
	// Bucket holds the journal. Required.
	Bucket string
	// Key is the journal's key; every object the store writes starts with
	// it. It may carry a prefix: "apps/bank/journal". Default DefaultKey.
	Key string
	// SleepTime is the longest an appended byte waits before its upload
	// starts when no one calls Sync: with Buffered durability, a crash
	// loses at most the events of the last SleepTime plus one upload.
	// Every writer uploads at most one segment (one PUT) per SleepTime
	// while events arrive only through Buffered writes. Default
	// DefaultSleepTime.
	SleepTime time.Duration
	// Logger receives debug output, retried failures and fencing; nil is
	// silent.
	Logger *slog.Logger
	// MaxBuffer bounds the bytes a writer holds that are not yet stored;
	// beyond it, Wait (store.Throttle) blocks new events. Default
	// DefaultMaxBuffer.
	MaxBuffer int
	// Retry is the policy for failed requests: uploads are retried until
	// they succeed (Sync reports a failure after Retry.Attempts); other
	// requests give up after Retry.Attempts.
	Retry uploader.Retry
	// FailAfter is how old the oldest byte not yet stored may grow while
	// uploads keep failing with errors worth retrying before the writer
	// fails for good (store.Failer: the prevalent system then refuses
	// events and reports it); an upload refused for good (access denied,
	// no such bucket) fails it at once. Default SleepTime plus
	// Retry.Budget(), at least uploader.MinFailAfter: 12.3 s with the
	// defaults. Raise it for uploads that
	// take longer on a slow link.
	FailAfter time.Duration
	// CloseTimeout bounds a Writer's Close (and so the prevalent
	// system's Close): past it, the bytes not yet stored are given up
	// and Close says how many. Default DefaultCloseTimeout.
	CloseTimeout time.Duration
	// MaxInflight bounds the segment uploads of a writer in flight at
	// once (at most uploader.MaxInflightLimit): Durable callers that
	// arrive while uploads are in flight start their own instead of
	// waiting for them, and are acknowledged once their segment and
	// every earlier one are stored. 1 is a strict group commit: the
	// fewest PUTs, and at most one round trip of events per PUT; more
	// shortens the wait of a caller that arrives while an upload is in
	// flight, at the price of more PUTs. Default DefaultMaxInflight.
	MaxInflight int
	// MergeFanIn is how many consecutive objects of a generation its
	// writer merges into one (compaction, see compact.go): a cold start
	// then reads a few dozen objects where it would read one per upload.
	// Default DefaultMergeFanIn; 1 or a negative value turns compaction
	// off.
	MergeFanIn int
	// MergeMaxBytes bounds a merged object, and so what a writer keeps in
	// memory per level to merge. Default DefaultMergeMaxBytes.
	MergeMaxBytes int
	// MergeDeleteDelay is how long the objects a merge replaced stay after
	// the merged object was stored, so that a listing racing the merge,
	// and a follower polling a segment key, never miss both. Default
	// DefaultMergeDeleteDelay. Fencing and followers are sound only while
	// every listing takes less than it: values under ten seconds are for
	// tests, and are logged as a warning.
	MergeDeleteDelay time.Duration
	// Concurrency bounds the segments downloaded at once by Open and the
	// requests List and Lock make side by side. Default
	// DefaultConcurrency.
	Concurrency int
	// PollInterval is how often a follower checks the journal
	// (store.Tailer): one GET per check that finds nothing new. Default
	// DefaultPollInterval.
	PollInterval time.Duration
	// TailRefresh is how long a follower trusts the markers it read and
	// the absence of the next segment before it reads the markers and
	// lists the generation again: a rotation or a takeover that ends the
	// generation with a tombstone is seen at the next check anyway.
	// Default DefaultTailRefresh, or half of MergeDeleteDelay if that is
	// less; a value above half of MergeDeleteDelay is a configuration
	// error (see doc.go, "Followers"). Set MergeDeleteDelay alike on the
	// writer and its followers.
	TailRefresh time.Duration
}

// withDefaults returns opts with every zero field set, and the
// configuration error if there is one.
func (o Options) withDefaults() (Options, error) {
	if o.Key == "" {
		o.Key = DefaultKey
	}
	if o.SleepTime <= 0 {
		o.SleepTime = DefaultSleepTime
	}
	if o.MaxBuffer <= 0 {
		o.MaxBuffer = DefaultMaxBuffer
	}
	if o.CloseTimeout <= 0 {
		o.CloseTimeout = DefaultCloseTimeout
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MergeFanIn == 0 {
		o.MergeFanIn = DefaultMergeFanIn
	}
	if o.MergeMaxBytes <= 0 {
		o.MergeMaxBytes = DefaultMergeMaxBytes
	}
	if o.MergeDeleteDelay <= 0 {
		o.MergeDeleteDelay = DefaultMergeDeleteDelay
	}
	if o.MaxInflight <= 0 {
		o.MaxInflight = DefaultMaxInflight
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}

	o.Retry = o.Retry.Normalized()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	// A follower relisting less often than every half delay could miss a
	// segment merged and deleted between two of its listings (doc.go,
	// Followers).
	if o.TailRefresh <= 0 {
		o.TailRefresh = min(DefaultTailRefresh, o.MergeDeleteDelay/2)
	} else if o.TailRefresh > o.MergeDeleteDelay/2 {
		return o, fmt.Errorf("s3store: Options.TailRefresh %v is above half of MergeDeleteDelay %v", o.TailRefresh, o.MergeDeleteDelay)
	}
	switch {
	case o.Bucket == "":
		return o, errors.New("s3store: Options.Bucket is empty")
	case strings.HasSuffix(o.Key, "/"):
		return o, errors.New("s3store: Options.Key ends with a slash; name the journal: " + o.Key + "journal")
	case strings.HasPrefix(o.Key, "/"):
		return o, errors.New("s3store: Options.Key starts with a slash")
	case o.MaxInflight > uploader.MaxInflightLimit:
		return o, fmt.Errorf("s3store: Options.MaxInflight %d is above %d", o.MaxInflight, uploader.MaxInflightLimit)
	}
	return o, nil
}
