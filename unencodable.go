package prevayler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// unencodable wraps the codec's failure to encode the state. writeSnapshot's
// error matches ErrUnencodable exactly when the codec failed, not the
// store: the start-up may then go on without a snapshot
// (errors.Is(err, ErrUnencodable)) and pass the error to snapshotFailed.
func unencodable(err error) error {
	return fmt.Errorf("%w: %w", ErrUnencodable, err)
}

// unencodableType returns the type that the codec could not encode, as its
// error names it, or "" if it names none.
func unencodableType(err error) string {
	var ute *json.UnsupportedTypeError
	if errors.As(err, &ute) {
		return ute.Type.String()
	}
	msg := err.Error()
	for _, re := range typeInMessage {
		if m := re.FindStringSubmatch(msg); m != nil {
			return m[1]
		}
	}
	return ""
}

// typeInMessage finds the type in encoding/gob's and encoding/json's
// messages, which carry no typed error.
var typeInMessage = []*regexp.Regexp{
	regexp.MustCompile(`type not registered for interface: (\S+)`),
	regexp.MustCompile(`gob: type (\S+) has no exported fields`),
	regexp.MustCompile(`unsupported type: (\S+)`),
	regexp.MustCompile(`of type (\S+)`),
}

// Automatic snapshots after a failure wait snapshotRetryMin, then twice as
// long after each further failure, up to snapshotRetryMax: a state that
// cannot be encoded is not encoded whole after every write.
const (
	snapshotRetryMin = time.Second
	snapshotRetryMax = 10 * time.Minute
)

// snapshotFailed records a failed snapshot, the start-up's included: it is
// reported by Stats apart from LastError, automatic snapshots back off, and
// a state that cannot be encoded is logged as an ERROR naming the type.
// Failures that say nothing of the snapshot (the caller's context ended,
// the system is closed or stopped, a handler called Snapshot) are not
// recorded.
func (p *Prevayler[S, E, R]) snapshotFailed(ctx context.Context, err error) {
	if err == nil || ctx.Err() != nil || errors.Is(err, ErrClosed) || errors.Is(err, ErrReentrant) {
		return
	}
	if p.w != nil && p.w.err() != nil {
		return // the journal failed: LastError says so
	}
	c := &p.stats
	c.snapFailures.Add(1)
	c.snapErr.Store(&err)
	wait := time.Duration(c.snapBackoff.Load())
	if wait == 0 {
		wait = snapshotRetryMin
	} else {
		wait = min(2*wait, snapshotRetryMax)
	}
	c.snapBackoff.Store(int64(wait))
	c.snapRetryAt.Store(time.Now().Add(wait).UnixNano())
	if errors.Is(err, ErrUnencodable) {
		attrs := []any{"err", err, "retry_in", wait}
		if t := unencodableType(err); t != "" {
			attrs = append([]any{"type", t}, attrs...)
		}
		p.log.Error("prevayler: the state cannot be encoded, so no snapshot can be taken; events are still journaled", attrs...)
	}
}

// snapshotRetryDue reports whether automatic snapshots may be tried at
// now, after the latest failure's back-off.
func (c *counters) snapshotRetryDue(now time.Time) bool {
	at := c.snapRetryAt.Load()
	return at == 0 || now.UnixNano() >= at
}
