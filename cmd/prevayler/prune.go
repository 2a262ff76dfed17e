package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

var pruneCmd = &command{
	name: "prune",
	usage: `Usage: prevayler prune (--keep N | --keep-for DURATION) [--dry-run] URL

Removes all but the newest N archives (journal.backup-<time>) of the journal
at URL, or the archives retired more than DURATION ago (720h: thirty days,
the window a point-in-time restore can still reach); with both, an archive
stays while either keeps it. The journal itself and a pending
journal.backup are never touched. --keep 0 removes every archive.

Pruning takes the journal's lock: on a local journal it fails while an
application has it open; on S3 it takes the journal over, and a running
writer stops with ErrFenced, so stop the application first (or let the
library's own archive retention do the job). --dry-run lists what would be
removed, without the lock.

Flags:
  --keep N              the number of newest archives to keep
  --keep-for DURATION   keep the archives retired within DURATION (a Go duration)
  --dry-run             list the archives that would be removed; remove nothing
`,
	run: runPrune,
}

func runPrune(ctx context.Context, c *cli, args []string) error {
	fs := newFlags("prune")
	keep := fs.Int("keep", -1, "number of newest archives to keep")
	keepFor := fs.Duration("keep-for", 0, "keep the archives retired within this duration")
	dry := fs.Bool("dry-run", false, "remove nothing")
	pos, err := parseArgs(fs, args, 1, "one URL")
	if err != nil {
		return err
	}
	if *keep < 0 && *keepFor <= 0 {
		return usagef("--keep N is required, N >= 0 (or --keep-for DURATION)")
	}
	l, err := openLocation(ctx, pos[0])
	if err != nil {
		return err
	}
	defer l.s.Close()
	if !*dry {
		if err := l.s.Lock(ctx); err != nil {
			if errors.Is(err, store.ErrLocked) {
				return fmt.Errorf("%s is in use by a running application: %w", l.url, err)
			}
			return err
		}
	}
	// Listed under the lock: no archive appears or goes meanwhile.
	files, err := listFiles(ctx, l)
	if err != nil {
		return err
	}
	var doomed []store.FileInfo
	now := time.Now()
	for i, a := range files.Archives {
		byCount := *keep >= 0 && i >= len(files.Archives)-*keep
		t, dated := store.ArchiveTime(a.Name)
		byAge := *keepFor > 0 && (!dated || now.Sub(t) < *keepFor)
		if !byCount && !byAge {
			doomed = append(doomed, a)
		}
	}
	rule := fmt.Sprintf("keeping the newest %d", *keep)
	switch {
	case *keep < 0:
		rule = fmt.Sprintf("keeping those retired within %v", *keepFor)
	case *keepFor > 0:
		rule += fmt.Sprintf(" and those retired within %v", *keepFor)
	}
	if len(doomed) == 0 {
		fmt.Fprintf(c.stdout, "%d archives, %s: nothing to remove\n", len(files.Archives), rule)
		return nil
	}
	verb := "removed"
	if *dry {
		verb = "would remove"
	}
	var freed int64
	for _, a := range doomed {
		if !*dry {
			if err := l.s.Remove(ctx, a.Name); err != nil && !errors.Is(err, store.ErrNotExist) {
				return fmt.Errorf("remove %s: %w", l.name(a.Name), err)
			}
		}
		freed += a.Size
		fmt.Fprintf(c.stdout, "%s %s (%s)\n", verb, l.name(a.Name), humanBytes(a.Size))
	}
	fmt.Fprintf(c.stdout, "%s %d of %d archives (%s), %s\n", verb, len(doomed), len(files.Archives), humanBytes(freed), rule)
	return nil
}
