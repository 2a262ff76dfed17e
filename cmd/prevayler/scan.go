package main

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store"
)

// fileReport is what reading one journal file found.
type fileReport struct {
	header      journal.Header
	stats       journal.ReaderStats
	valid       int64 // bytes of header and valid frames
	first, last time.Time
	torn        *journal.Torn
	lastSeq     uint64 // sequence number of the last event read
	closed      bool   // the file ends with a closed seal
}

// scanFile reads and checks every record of the file name, as a start-up
// would, without decoding the state or the events: their bytes are the
// application's. Damage is returned as a *journal.CorruptError; what was
// read before it is in the report.
func (c *cli) scanFile(ctx context.Context, l *location, name string, size int64, aead cipher.AEAD) (rep fileReport, err error) {
	rc, err := l.s.Open(ctx, name)
	if err != nil {
		return rep, fmt.Errorf("open %s: %w", l.name(name), err)
	}
	defer rc.Close()
	m := c.meter("read "+l.name(name), size)
	defer m.Stop()
	r, err := journal.NewReader(m.reader(rc), l.name(name), aead)
	if err != nil {
		return rep, err
	}
	rep.header = r.Header()
	// Also on damage: the report says how far the file was valid.
	defer func() { rep.stats, rep.valid, rep.lastSeq, rep.closed = r.Stats(), r.Offset(), r.Seq(), r.Closed() }()
	if _, err := io.Copy(io.Discard, r.Snapshot()); err != nil {
		return rep, err
	}
	for {
		e, err := r.Next()
		if err == io.EOF {
			rep.torn = r.Torn()
			return rep, nil
		}
		if err != nil {
			return rep, err
		}
		if rep.first.IsZero() {
			rep.first = e.At
		}
		rep.last = e.At
		if n := m.events.Add(1); n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
		}
	}
}

// problem describes damage for people: the file, the byte offset and why.
func problem(err error) (string, bool) {
	var ce *journal.CorruptError
	if errors.As(err, &ce) {
		return fmt.Sprintf("%s: damaged at byte %d: %s", ce.Name, ce.Offset, ce.Reason), true
	}
	return "", false
}

// keyProblem turns a key error into advice.
func keyProblem(err error, aead cipher.AEAD) error {
	if !errors.Is(err, store.ErrKey) {
		return err
	}
	if aead == nil {
		return fmt.Errorf("%w; give the key with --key-file or --key-env", err)
	}
	return err
}

// peekHeader reads the plain fields of a file's header (version, flags,
// codec) without the key, so that inspect can describe an encrypted
// journal it cannot open. The layout is in docs/FORMAT.md.
func peekHeader(ctx context.Context, l *location, name string) (journal.Header, error) {
	rc, err := l.s.Open(ctx, name)
	if err != nil {
		return journal.Header{}, err
	}
	defer rc.Close()
	return journal.PeekHeader(rc, l.name(name))
}
