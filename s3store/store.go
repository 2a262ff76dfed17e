package s3store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/uploader"
)

// Store keeps one journal in an S3 bucket. Its methods are safe for
// concurrent use.
type Store struct {
	client Client
	opts   Options
	cfgErr error // configuration error, reported by every call
	key    string
	log    *slog.Logger
	retry  uploader.Retry
	reqs   requestCounts // every request made through client
	tail   tailCache     // what followers know of the files (tail.go)

	// op serialises the calls that change markers (Lock, Create, Rename,
	// Remove), so that files and garbage collection see one history.
	op sync.Mutex

	// probed is set once Lock has checked the server's conditional
	// requests; condDelete: it honours DeleteObject with If-Match.
	probed, condDelete bool

	mu       sync.Mutex
	closed   bool
	writerID string           // set by Lock
	epoch    uint64           // set by Lock: the writer epoch it took
	files    map[string]*file // present files as this writer last wrote or read them
	seals    map[string]seal  // complete generations, by id
	listed   map[string]cover // ended covers Lock listed, for the next Open of each
	fenced   error            // set once another writer took over
}

// meta is the metadata of every object this writer stores.
func (s *Store) meta() map[string]string {
	return map[string]string{metaWriter: s.writerID, metaEpoch: strconv.FormatUint(s.epoch, 10)}
}

// file is what the lock holder knows of one name.
type file struct {
	gen     string // "" for an absent Journal or Backup
	etag    string // ETag of the marker
	retired string // the retired generation its marker names
}

var _ store.Store = (*Store)(nil)

// New returns a store for the journal opts.Key in opts.Bucket. It does no
// I/O: a configuration error (no bucket, no client) is returned by the
// first call, Lock for the prevalent system.
func New(client Client, opts Options) *Store {
	opts, err := opts.withDefaults()
	if err == nil && client == nil {
		err = errors.New("s3store: Client is nil")
	}
	s := &Store{
		opts:   opts,
		cfgErr: err,
		key:    opts.Key,
		log:    opts.Logger.With("bucket", opts.Bucket, "key", opts.Key),
		retry:  opts.Retry,
	}
	if client != nil {
		s.client = counted{oneAttempt{client}, &s.reqs}
	}
	if err == nil && opts.MergeDeleteDelay < minSafeDeleteDelay {
		s.log.Warn("s3store: MergeDeleteDelay is shorter than a slow listing may take; fencing and followers assume every listing ends within it",
			"delay", opts.MergeDeleteDelay, "advised_at_least", minSafeDeleteDelay)
	}
	return s
}

// minSafeDeleteDelay is the shortest MergeDeleteDelay New accepts without
// a warning: far above what one listing takes.
const minSafeDeleteDelay = 10 * time.Second

// usable returns the error that stops any call: configuration, Close,
// or ctx.
func (s *Store) usable(ctx context.Context) error {
	if s.cfgErr != nil {
		return s.cfgErr
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return store.ErrClosed
	}
	return ctx.Err()
}

// begin checks a call once for every method: the names, then what
// usable checks, then for a call that changes the journal (mutating)
// that Lock was called and no one fenced this writer. op names the call
// in the error.
func (s *Store) begin(ctx context.Context, op string, mutating bool, names ...string) error {
	for _, n := range names {
		if !store.ValidName(n) {
			return fmt.Errorf("s3store: %s: invalid name %q: %w", op, n, store.ErrNotExist)
		}
	}
	err := s.usable(ctx)
	if err == nil && mutating {
		err = s.mutable()
	}
	if err != nil {
		return fmt.Errorf("s3store: %s: %w", op, err)
	}
	return nil
}

// mutable returns the error that stops a call that changes the journal:
// no Lock, or fenced.
func (s *Store) mutable() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.fenced != nil:
		return s.fenced
	case s.files == nil:
		return errNotLocked
	}
	return nil
}

var errNotLocked = errors.New("s3store: the store is not locked; call Lock first")

// fence records that another writer took over and returns the error that
// says so.
func (s *Store) fence(why string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fenced == nil {
		s.fenced = fmt.Errorf("s3store: %s: %w", why, store.ErrFenced)
		s.log.Warn("s3store: fenced: another writer took over the journal", "why", why)
	}
	return s.fenced
}

// Close releases the store. It does no I/O: a later writer's Lock takes
// over whether or not this one closed. Writers must have been closed
// first. Close is safe to call twice.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// do runs one request with the retry policy: transient failures are
// retried with backoff up to Retry.Attempts, each attempt bounded by
// Retry.Timeout. A clock too far from the server's is retried once (the
// SDK corrects its signing time from the refusal), then reported.
func (s *Store) do(ctx context.Context, what string, op func(ctx context.Context) error) error {
	for failures := 0; ; {
		actx, cancel := context.WithTimeout(ctx, s.retry.Timeout)
		err := op(actx)
		cancel()
		if err == nil || !isTransient(ctx, err) {
			return err
		}
		failures++
		if isSkew(err) && failures > 1 {
			return fmt.Errorf("%s: %w: %w", what, errClockSkew, err)
		}
		if failures >= s.retry.Attempts {
			return fmt.Errorf("%s: failed %d times: %w", what, failures, err)
		}
		pause := s.retry.Backoff(failures)
		s.log.Warn("s3store: request failed, will retry", "op", what, "failures", failures, "retry_in", pause, "err", err)
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}
