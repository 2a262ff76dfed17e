package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

var restoreCmd = &command{
	name: "restore",
	usage: `Usage: prevayler restore (--at TIME | --seq N) [--key-file F | --key-env VAR] SRC DST

Writes at DST a new journal whose state is the state of the journal at SRC
at an earlier point: after its events up to number N (--seq), or after
every event journaled at or before TIME (--at; the events are taken in
order up to the first one journaled after TIME). An application then finds
that state at DST by changing its store URL. Any two stores work, S3 to a
local file included; DST must hold no journal, backup or archive.

The command knows nothing of the application's types: it copies the bytes
of the newest snapshot at or before the point, and of the events that
follow it up to the point, from the journal and its archives
(journal.backup-<time>), into a new file. It follows the history of SRC's
current journal, file by file, so the archives of a journal that another
one replaced (copy --force) are not mixed in. It fails, writing nothing,
when the point is before the oldest snapshot still at SRC, when the
archives it needs were pruned, and with --seq, when event N was never
journaled. A journal in format 1 records no sequence numbers: it counts
its events from its own snapshot on, as the library does.

An encrypted journal needs its key, and the new one is sealed with the same
key. The restore takes DST's lock, writes the journal under a temporary
name, makes it durable and closed, then renames it into place; SRC is only
read, without a lock, so it can run beside the application.

Flags:
  --at TIME       the point in time, RFC 3339: 2026-01-02T15:04:05Z,
                  2026-01-02T17:04:05.25+02:00
  --seq N         the point as an event's sequence number (0: the state
                  before the first event ever journaled)
  --key-file F    read the AES key of an encrypted journal from file F
  --key-env VAR   read it from environment variable VAR

` + keyHelp,
	run: runRestore,
}

// Why a restore cannot be done. Each is wrapped with the details.
var (
	// errPruned: the point is before every snapshot left, and the history
	// before them was pruned (their predecessors are not among the
	// archives).
	errPruned = errors.New("the archives needed were pruned")
	// errBeforeHistory: the point is before the oldest snapshot of a
	// history that is complete.
	errBeforeHistory = errors.New("the point is before the oldest snapshot")
	// errAfterEnd: --seq names an event that was never journaled.
	errAfterEnd = errors.New("the point is after the last event")
	// errNotEmpty: DST holds a journal, a backup or an archive.
	errNotEmpty = errors.New("the destination is not empty")
	// errConcurrentChange: a writer at SRC rotated its journal between
	// the listing and the reading.
	errConcurrentChange = errors.New("the journal changed during the restore; run it again")
)

// point is where a restore stops: after event seq, or after the last
// event of the prefix journaled at or before at.
type point struct {
	bySeq bool
	seq   uint64
	at    time.Time
}

func (pt point) String() string {
	if pt.bySeq {
		return fmt.Sprintf("event %d", pt.seq)
	}
	return pt.at.Format(time.RFC3339Nano)
}

// includes reports whether the event numbered seq, journaled at, is within the
// point.
func (pt point) includes(seq uint64, at time.Time) bool {
	if pt.bySeq {
		return seq <= pt.seq
	}
	return !at.After(pt.at)
}

func runRestore(ctx context.Context, c *cli, args []string) error {
	fs := newFlags("restore")
	at := fs.String("at", "", "restore the state at `TIME` (RFC 3339)")
	seq := fs.String("seq", "", "restore the state after event `N`")
	var k keyFlags
	k.register(fs)
	pos, err := parseArgs(fs, args, 2, "SRC and DST")
	if err != nil {
		return err
	}
	var pt point
	switch {
	case (*at == "") == (*seq == ""):
		return usagef("give one of --at TIME and --seq N")
	case *seq != "":
		n, err := strconv.ParseUint(*seq, 10, 64)
		if err != nil {
			return usagef("--seq %q: want an event's sequence number, 0 or more", *seq)
		}
		pt = point{bySeq: true, seq: n}
	default:
		t, err := time.Parse(time.RFC3339Nano, *at)
		if err != nil {
			return usagef("--at %q: want a time in RFC 3339, such as 2026-01-02T15:04:05Z", *at)
		}
		pt = point{at: t.UTC()}
	}
	if pos[0] == pos[1] {
		return usagef("SRC and DST are the same: %s", pos[0])
	}
	aead, err := k.aead()
	if err != nil {
		return err
	}
	src, dst, err := openPair(ctx, pos[0], pos[1])
	if err != nil {
		return err
	}
	defer src.s.Close()
	defer dst.s.Close()

	start := time.Now()
	h, err := loadHistory(ctx, src, aead)
	if err != nil {
		return keyProblem(err, aead)
	}
	plan, err := h.plan(pt)
	if err != nil {
		return err
	}
	// Checked before the lock too: on S3, taking the lock would stop a
	// running writer for nothing.
	if err := checkEmpty(ctx, dst); err != nil {
		return err
	}
	if err := dst.s.Lock(ctx); err != nil {
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("%s is in use by a running application: %w", dst.url, err)
		}
		return err
	}
	if err := checkEmpty(ctx, dst); err != nil {
		return err
	}
	res, err := c.writeRestore(ctx, src, plan, pt, dst, aead)
	if err != nil {
		return err
	}
	if err := dst.s.Close(); err != nil {
		return fmt.Errorf("close %s: %w", dst.url, err)
	}
	last := "no event"
	if !res.lastAt.IsZero() {
		last = "journaled " + res.lastAt.Format(time.RFC3339Nano)
	}
	fmt.Fprintf(c.stdout, "restored %s to event %d (%s) at %s: the snapshot of %s (event %d) and %d events from %d file(s), %s, in %v\n",
		src.url, res.lastSeq, last, dst.name(store.Journal), src.name(plan.files[0].info.Name), plan.files[0].hdr.BaseSeq,
		res.events, res.files, humanBytes(res.bytes), time.Since(start).Round(time.Millisecond))
	return nil
}

// checkEmpty refuses a destination that holds any file of a journal but
// temporary ones (which the next start removes).
func checkEmpty(ctx context.Context, dst *location) error {
	df, err := listFiles(ctx, dst)
	if err != nil {
		return err
	}
	var found *store.FileInfo
	switch {
	case df.Journal != nil:
		found = df.Journal
	case df.Backup != nil:
		found = df.Backup
	case len(df.Archives) > 0:
		found = &df.Archives[0]
	}
	if found != nil {
		return fmt.Errorf("%s exists: restore writes only where there is no journal yet: %w", dst.name(found.Name), errNotEmpty)
	}
	return nil
}
