package s3store

import (
	"errors"
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
	// Concurrency bounds the segments downloaded at once by Open and the
	// requests List and Lock make side by side. Default
	// DefaultConcurrency.
	Concurrency int
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
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	o.Retry = o.Retry.Normalized()
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case o.Bucket == "":
		return o, errors.New("s3store: Options.Bucket is empty")
	case strings.HasSuffix(o.Key, "/"):
		return o, errors.New("s3store: Options.Key ends with a slash; name the journal: " + o.Key + "journal")
	case strings.HasPrefix(o.Key, "/"):
		return o, errors.New("s3store: Options.Key starts with a slash")
	}
	return o, nil
}
