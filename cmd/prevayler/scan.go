package main

import (
	"context"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
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
	var fixed [12]byte
	if _, err := io.ReadFull(rc, fixed[:]); err != nil {
		return journal.Header{}, fmt.Errorf("read header: %w", err)
	}
	if string(fixed[:8]) != journal.Magic {
		return journal.Header{}, errors.New("not a journal (bad magic)")
	}
	n := binary.LittleEndian.Uint32(fixed[8:])
	if n > 4096 || n < 2+2+16+1 {
		return journal.Header{}, fmt.Errorf("header body of %d bytes", n)
	}
	buf := make([]byte, 12+n+4)
	copy(buf, fixed[:])
	if _, err := io.ReadFull(rc, buf[12:]); err != nil {
		return journal.Header{}, fmt.Errorf("read header: %w", err)
	}
	crc := crc32.Checksum(buf[:12+n], crc32.MakeTable(crc32.Castagnoli))
	if crc != binary.LittleEndian.Uint32(buf[12+n:]) {
		return journal.Header{}, errors.New("header checksum mismatch")
	}
	body := buf[12 : 12+n]
	h := journal.Header{
		Version:   binary.LittleEndian.Uint16(body),
		Encrypted: binary.LittleEndian.Uint16(body[2:])&1 != 0,
	}
	copy(h.FileID[:], body[4:20])
	if cl := int(body[20]); 21+cl <= len(body) {
		h.Codec = string(body[21 : 21+cl])
	}
	return h, nil
}
