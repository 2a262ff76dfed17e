package main

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store"
)

var inspectCmd = &command{
	name: "inspect",
	usage: `Usage: prevayler inspect [--key-file F | --key-env VAR] URL

Describes the journal at URL: its format version, codec and encryption, the
size of its snapshot, the number of its events and the times of the first
and last, a pending journal.backup, temporary files and the archives with
their sizes. It reads the whole current journal (the backup when there is
one: the next start recovers from it), checking every record on the way,
and exits with status 1 if it finds damage. It takes no lock: it can run
beside the application, and then sees the journal as it was when read.

Flags:
  --key-file F    read the AES key of an encrypted journal from file F
  --key-env VAR   read it from environment variable VAR

` + keyHelp,
	run: runInspect,
}

func runInspect(ctx context.Context, c *cli, args []string) error {
	fs := newFlags("inspect")
	var k keyFlags
	k.register(fs)
	aead, l, files, err := openForReading(ctx, fs, &k, args)
	if err != nil {
		return err
	}
	defer l.s.Close()

	w := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	row := func(k, format string, args ...any) { fmt.Fprintf(w, "%s:\t%s\n", k, fmt.Sprintf(format, args...)) }
	row("store", "%s", l.url)

	cur := files.Current()
	var scanErr error
	switch {
	case cur == nil:
		row("journal", "none: the next start begins from the application's initial state")
	default:
		scanErr = inspectCurrent(ctx, c, l, cur, aead, row)
	}

	switch {
	case files.Backup != nil && files.Journal != nil:
		row("pending backup", "%s, %s: a rotation was interrupted; the next start recovers from the backup and discards %s",
			l.name(store.Backup), humanBytes(files.Backup.Size), l.name(store.Journal))
	case files.Backup != nil:
		row("pending backup", "%s, %s: a rotation was interrupted; the next start recovers from it",
			l.name(store.Backup), humanBytes(files.Backup.Size))
	default:
		row("pending backup", "none")
	}
	if len(files.Temps) > 0 {
		row("temporary files", "%d (left by an interrupted write; the next start removes them)", len(files.Temps))
	}
	row("archives", "%d, %s in all", len(files.Archives), humanBytes(archiveBytes(files)))
	w.Flush()

	// The lists go in a table of their own, so that long names do not
	// widen the one above.
	list := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	for _, group := range [][]store.FileInfo{files.Temps, files.Archives} {
		for _, f := range group {
			fmt.Fprintf(list, "  %s\t%s\t%s\t\n", l.name(f.Name), humanBytes(f.Size), f.ModTime.UTC().Format(time.DateTime))
		}
	}
	list.Flush()
	return scanErr
}

// inspectCurrent reads the current journal and prints what it holds. It
// returns the damage it found, after printing what came before it.
func inspectCurrent(ctx context.Context, c *cli, l *location, cur *store.FileInfo, aead cipher.AEAD, row func(k, format string, args ...any)) error {
	row("journal", "%s", l.name(cur.Name))
	row("size", "%s (%d bytes)", humanBytes(cur.Size), cur.Size)
	rep, err := c.scanFile(ctx, l, cur.Name, cur.Size, aead)
	if errors.Is(err, store.ErrKey) && aead == nil {
		h, perr := peekHeader(ctx, l, cur.Name)
		if perr != nil {
			return fmt.Errorf("%s: %w", l.name(cur.Name), perr)
		}
		row("format", "version %d, codec %s, %s", h.Version, h.Codec, encryption(h.Encrypted))
		if !h.Encrypted {
			return err
		}
		row("events", "unknown: the journal is encrypted; give its key with --key-file or --key-env to read it")
		return nil
	}
	if err != nil && rep.header.Version == 0 {
		if msg, ok := problem(err); ok {
			return errors.New(msg)
		}
		return keyProblem(err, aead)
	}
	h := rep.header
	row("format", "version %d, codec %s, %s", h.Version, h.Codec, encryption(h.Encrypted))
	if h.Continuation {
		row("snapshot", "none: this journal continues the one with file id %x (an archive), from event %d", h.PrevFileID, h.BaseSeq)
	} else {
		row("snapshot", "%s of state in %d frames, after event %d", humanBytes(rep.stats.SnapshotBytes), rep.stats.SnapshotFrames, h.BaseSeq)
	}
	row("events", "%d in %d frames, %s", rep.stats.Events, rep.stats.EventFrames, humanBytes(rep.stats.EventFrameBytes))
	if rep.stats.Events > 0 {
		row("sequence", "events %d to %d", h.BaseSeq+1, rep.lastSeq)
	}
	if rep.stats.Events > 0 {
		row("first event", "%s", rep.first.Format(time.RFC3339Nano))
		row("last event", "%s", rep.last.Format(time.RFC3339Nano))
	}
	if err != nil {
		msg, ok := problem(err)
		if !ok {
			return err
		}
		row("damage", "%s", msg)
		return errors.New(msg)
	}
	if rep.torn != nil {
		row("torn tail", "%d bytes at byte %d (%s): the next start drops them", rep.torn.Bytes, rep.torn.Offset, rep.torn.Reason)
	} else {
		row("torn tail", "none")
	}
	switch {
	case rep.closed:
		row("closed", "yes: sealed by a clean Close")
	case h.Version == journal.Version1:
		row("closed", "unknown: format version 1 has no seals")
	default:
		row("closed", "no: still open, or its writer crashed")
	}
	return nil
}

func encryption(encrypted bool) string {
	if encrypted {
		return "encrypted"
	}
	return "plaintext"
}
