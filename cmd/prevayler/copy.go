package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

var copyCmd = &command{
	name: "copy",
	usage: `Usage: prevayler copy [--archives] [--force] SRC DST

Copies the journal at SRC to DST, between any two stores: from a local file
to S3 and back, from one bucket or prefix to another. An application then
finds its state at DST by changing its store URL. The bytes are copied as
they are, so an encrypted journal needs no key.

It copies the file the next start at SRC would recover from (journal.backup
when a rotation was interrupted, else journal) to DST's journal, and with
--archives the archives too. DST must hold no journal unless --force is
given; the journal --force replaces is kept at DST as an archive.

The copy is crash-safe: it takes DST's lock, writes each file under a
temporary name, makes it durable, then renames it into place; an
interrupted copy leaves DST as it was (the next start removes the
temporary file). Taking DST's lock fails on a local journal while an
application has it open; on S3 it takes the journal over, and a running
writer stops with ErrFenced: stop the application at DST first. SRC is only
read, without a lock; copying a journal that is being written copies it as
it was when read.

Flags:
  --archives   copy the archives too (an archive already at DST with the
               same size is skipped)
  --force      replace a journal, or an archive of another size, at DST
`,
	run: runCopy,
}

func runCopy(ctx context.Context, c *cli, args []string) error {
	fs := newFlags("copy")
	archives := fs.Bool("archives", false, "copy the archives too")
	force := fs.Bool("force", false, "replace a journal at DST")
	pos, err := parseArgs(fs, args, 2, "SRC and DST")
	if err != nil {
		return err
	}
	if pos[0] == pos[1] {
		return usagef("SRC and DST are the same: %s", pos[0])
	}
	src, dst, err := openPair(ctx, pos[0], pos[1])
	if err != nil {
		return err
	}
	defer src.s.Close()
	defer dst.s.Close()

	return c.copyJournal(ctx, src, dst, *archives, *force)
}

// copyJournal copies src's current journal, and its archives if asked,
// to dst, and closes dst.
func (c *cli) copyJournal(ctx context.Context, src, dst *location, archives, force bool) error {
	sf, err := listFiles(ctx, src)
	if err != nil {
		return err
	}
	cur := sf.Current()
	if cur == nil {
		return fmt.Errorf("no journal at %s", src.url)
	}
	if h, err := peekHeader(ctx, src, cur.Name); err == nil && h.Continuation && !archives {
		// Without a snapshot, the journal is replayed after the archive it
		// continues: a copy of it alone could not be opened.
		fmt.Fprintf(c.stdout, "%s continues an archive without a snapshot: copying the archives too\n", src.name(cur.Name))
		archives = true
	}
	// Checked before the lock too: on S3, taking the lock would stop a
	// running writer for nothing.
	df, err := listFiles(ctx, dst)
	if err == nil {
		err = checkFree(dst, df, force)
	}
	if err != nil {
		return err
	}
	if err := dst.s.Lock(ctx); err != nil {
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("%s is in use by a running application: %w", dst.url, err)
		}
		return err
	}
	if df, err = listFiles(ctx, dst); err != nil {
		return err
	}
	if err := checkFree(dst, df, force); err != nil {
		return err
	}

	start := time.Now()
	if archives {
		if err := c.copyArchives(ctx, src, sf, dst, df, force); err != nil {
			return err
		}
	}
	tmp := tempName()
	n, err := c.copyFile(ctx, src, cur.Name, cur.Size, dst, tmp)
	if err != nil {
		return err
	}
	if err := install(ctx, dst, df, tmp); err != nil {
		return err
	}
	if err := dst.s.Close(); err != nil {
		return fmt.Errorf("close %s: %w", dst.url, err)
	}
	elapsed := time.Since(start)
	fmt.Fprintf(c.stdout, "copied %s (%s) to %s in %v (%s/s)\n", src.name(cur.Name), humanBytes(n),
		dst.name(store.Journal), elapsed.Round(time.Millisecond), humanBytes(int64(float64(n)/elapsed.Seconds())))
	return nil
}

// checkFree refuses a destination that holds a journal, unless forced.
func checkFree(dst *location, df store.Files, force bool) error {
	if cur := df.Current(); cur != nil && !force {
		return fmt.Errorf("%s already exists: --force replaces it (and keeps it as an archive)", dst.name(cur.Name))
	}
	return nil
}

// copyArchives copies every archive of src that dst lacks.
func (c *cli) copyArchives(ctx context.Context, src *location, sf store.Files, dst *location, df store.Files, force bool) error {
	var copied, skipped int
	var bytes int64
	for _, a := range sf.Archives {
		i := slices.IndexFunc(df.Archives, func(d store.FileInfo) bool { return d.Name == a.Name })
		if i >= 0 && df.Archives[i].Size == a.Size {
			skipped++
			continue
		}
		if i >= 0 && !force {
			return fmt.Errorf("%s exists with %d bytes, %s has %d; --force replaces it",
				dst.name(a.Name), df.Archives[i].Size, src.name(a.Name), a.Size)
		}
		tmp := tempName()
		n, err := c.copyFile(ctx, src, a.Name, a.Size, dst, tmp)
		if err != nil {
			return err
		}
		if err := dst.s.Rename(ctx, tmp, a.Name); err != nil {
			return fmt.Errorf("rename %s to %s: %w", dst.name(tmp), dst.name(a.Name), err)
		}
		copied++
		bytes += n
	}
	fmt.Fprintf(c.stdout, "copied %d archives (%s) to %s", copied, humanBytes(bytes), dst.url)
	if skipped > 0 {
		fmt.Fprintf(c.stdout, "; %d already there", skipped)
	}
	fmt.Fprintln(c.stdout)
	return nil
}

// copyFile streams the file name of src into a new file tmp of dst and
// makes it durable. On failure it removes tmp.
func (c *cli) copyFile(ctx context.Context, src *location, name string, size int64, dst *location, tmp string) (n int64, err error) {
	rc, err := src.s.Open(ctx, name)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", src.name(name), err)
	}
	defer rc.Close()
	w, err := dst.s.Create(ctx, tmp)
	if err != nil {
		return 0, fmt.Errorf("create %s: %w", dst.name(tmp), err)
	}
	defer func() {
		if err != nil {
			w.Close()
			// The copy failed or was interrupted: tidy up even so.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			dst.s.Remove(rctx, tmp)
		}
	}()
	m := c.meter("copy "+src.name(name), size)
	defer m.Stop()
	throttle, _ := w.(store.Throttle)
	buf := make([]byte, 1<<20)
	r := m.reader(rc)
	for {
		k, rerr := io.ReadFull(r, buf)
		if k > 0 {
			if throttle != nil {
				if err := throttle.Wait(ctx); err != nil {
					return n, err
				}
			}
			if _, err := w.Write(buf[:k]); err != nil {
				return n, fmt.Errorf("write %s: %w", dst.name(tmp), err)
			}
			n += int64(k)
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return n, fmt.Errorf("read %s: %w", src.name(name), rerr)
		}
		if err := ctx.Err(); err != nil {
			return n, err
		}
	}
	if err := w.Sync(ctx); err != nil {
		return n, fmt.Errorf("sync %s: %w", dst.name(tmp), err)
	}
	if err := w.Close(); err != nil {
		return n, fmt.Errorf("close %s: %w", dst.name(tmp), err)
	}
	return n, nil
}

// install renames the durable copy tmp into place as dst's journal with
// the renames of a start-up rotation, so that a crash between any two of
// them leaves dst recovering either its old state or the copy.
func install(ctx context.Context, dst *location, df store.Files, tmp string) error {
	rename := func(from, to string) error {
		if err := dst.s.Rename(ctx, from, to); err != nil {
			return fmt.Errorf("rename %s to %s: %w", dst.name(from), dst.name(to), err)
		}
		return nil
	}
	switch {
	case df.Backup != nil:
		// The backup is the live state; the journal beside it is an
		// unfinished rewrite that the next start would discard anyway.
		if df.Journal != nil {
			if err := dst.s.Remove(ctx, store.Journal); err != nil {
				return fmt.Errorf("remove %s: %w", dst.name(store.Journal), err)
			}
		}
	case df.Journal != nil:
		if err := rename(store.Journal, store.Backup); err != nil {
			return err
		}
	default:
		return rename(tmp, store.Journal)
	}
	if err := rename(tmp, store.Journal); err != nil {
		return err
	}
	return rename(store.Backup, archiveName(df))
}

// archiveName returns a new archive name, distinct from df's archives.
func archiveName(df store.Files) string {
	t := time.Now()
	for {
		name := store.ArchiveName(t)
		if !slices.ContainsFunc(df.Archives, func(a store.FileInfo) bool { return a.Name == name }) {
			return name
		}
		t = t.Add(time.Nanosecond)
	}
}

func tempName() string { return tempNameFor("copy") }

// tempNameFor returns a new temporary name for a file the command op writes.
func tempNameFor(op string) string {
	b := make([]byte, 8)
	rand.Read(b)
	return store.TempPrefix + op + "-" + hex.EncodeToString(b)
}
