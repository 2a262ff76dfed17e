package uploader

import (
	"errors"
	"math/rand/v2"
	"time"
)

// Defaults of Retry.
const (
	DefaultAttempts = 8
	DefaultMinDelay = 100 * time.Millisecond
	DefaultMaxDelay = 5 * time.Second
	DefaultTimeout  = time.Minute
)

// Retry says how failed uploads are retried. The zero value means the
// defaults. Retrying never stops while the data is still wanted: Attempts
// only says when a failure is persistent enough to be reported.
type Retry struct {
	// Attempts is how many times in a row one segment may fail before Sync
	// reports the failure and Close gives up. Default DefaultAttempts.
	Attempts int
	// MinDelay is the pause after the first failure; it doubles after each
	// further one, up to MaxDelay. Defaults DefaultMinDelay, DefaultMaxDelay.
	MinDelay time.Duration
	MaxDelay time.Duration
	// Timeout bounds one attempt, so a stalled connection counts as a
	// failure instead of stopping the uploads. Default DefaultTimeout.
	Timeout time.Duration
}

// withDefaults fills in the zero fields.
func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = DefaultAttempts
	}
	if r.MinDelay <= 0 {
		r.MinDelay = DefaultMinDelay
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = DefaultMaxDelay
	}
	if r.MaxDelay < r.MinDelay {
		r.MaxDelay = r.MinDelay
	}
	if r.Timeout <= 0 {
		r.Timeout = DefaultTimeout
	}
	return r
}

// Normalized returns r with every zero field set to its default, for
// callers that share one policy between the uploader and their own
// requests.
func (r Retry) Normalized() Retry { return r.withDefaults() }

// Backoff returns the pause before retrying after the given number of
// failures in a row (1 for the first). Half of it is random, so that many
// writers failing together do not retry in lockstep.
func (r Retry) Backoff(failures int) time.Duration {
	r = r.withDefaults()
	d := r.MaxDelay
	if failures < 1 {
		failures = 1
	}
	if shift := failures - 1; shift < 30 {
		if exp := r.MinDelay << shift; exp > 0 && exp < d {
			d = exp
		}
	}
	half := d / 2
	return half + rand.N(half+1)
}

// Budget returns the longest the pauses between Attempts tries of one
// segment add up to: with the defaults, 11.3 s.
func (r Retry) Budget() time.Duration {
	r = r.withDefaults()
	var total time.Duration
	for f := 1; f < r.Attempts; f++ {
		d := r.MaxDelay
		if shift := f - 1; shift < 30 {
			if exp := r.MinDelay << shift; exp > 0 && exp < d {
				d = exp
			}
		}
		total += d
	}
	return total
}

// permanentError marks an error that retrying cannot cure.
type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }
func (p *permanentError) Unwrap() error { return p.err }

// Permanent marks err as one that retrying cannot cure (for example a
// writer that was fenced): the uploader stops at once and reports it from
// every later call. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}
