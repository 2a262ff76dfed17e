package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/prevayler-go/prevayler/store"
)

var pruneCmd = &command{
	name: "prune",
	usage: `Usage: prevayler prune --keep N [--dry-run] URL

Removes all but the newest N archives (journal.backup-<time>) of the journal
at URL. The journal itself and a pending journal.backup are never touched.
--keep 0 removes every archive.

Pruning takes the journal's lock: on a local journal it fails while an
application has it open; on S3 it takes the journal over, and a running
writer stops with ErrFenced, so stop the application first (or let the
library's own archive retention do the job). --dry-run lists what would be
removed, without the lock.

Flags:
  --keep N     the number of newest archives to keep (required)
  --dry-run    list the archives that would be removed; remove nothing
`,
	run: runPrune,
}

func runPrune(ctx context.Context, c *cli, args []string) error {
	fs := newFlags("prune")
	keep := fs.Int("keep", -1, "number of newest archives to keep")
	dry := fs.Bool("dry-run", false, "remove nothing")
	pos, err := parseArgs(fs, args, 1, "one URL")
	if err != nil {
		return err
	}
	if *keep < 0 {
		return usagef("--keep N is required, N >= 0")
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
	if len(files.Archives) <= *keep {
		fmt.Fprintf(c.stdout, "%d archives, keeping %d: nothing to remove\n", len(files.Archives), *keep)
		return nil
	}
	doomed := files.Archives[:len(files.Archives)-*keep]
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
	fmt.Fprintf(c.stdout, "%s %d of %d archives (%s), keeping the newest %d\n", verb, len(doomed), len(files.Archives), humanBytes(freed), *keep)
	return nil
}
