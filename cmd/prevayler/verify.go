package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/prevayler-go/prevayler/store"
)

var verifyCmd = &command{
	name: "verify",
	usage: `Usage: prevayler verify [--all] [--key-file F | --key-env VAR] URL

Reads every record of the journal at URL and checks it as a start-up would:
header, checksums, frame order, snapshot and event entries, and, for an
encrypted journal, authentication. It checks the journal and a pending
journal.backup; with --all, every archive too. It prints one line per file
and exits with status 0 when every file is intact, 1 with the file and the
byte offset of the first problem otherwise. A torn last write (a crash
while writing) is not damage: the next start drops it, and verify says so.
It takes no lock.

Flags:
  --all           check the archives too
  --key-file F    read the AES key of an encrypted journal from file F
  --key-env VAR   read it from environment variable VAR

` + keyHelp,
	run: runVerify,
}

func runVerify(ctx context.Context, c *cli, args []string) error {
	fs := newFlags("verify")
	var k keyFlags
	k.register(fs)
	all := fs.Bool("all", false, "check the archives too")
	aead, l, files, err := openForReading(ctx, fs, &k, args)
	if err != nil {
		return err
	}
	defer l.s.Close()

	var check []store.FileInfo
	for _, f := range []*store.FileInfo{files.Backup, files.Journal} {
		if f != nil {
			check = append(check, *f)
		}
	}
	if len(check) == 0 {
		return fmt.Errorf("no journal at %s", l.url)
	}
	if *all {
		check = append(check, files.Archives...)
	}

	var first error
	for _, f := range check {
		rep, err := c.scanFile(ctx, l, f.Name, f.Size, aead)
		if err != nil {
			msg, damaged := problem(err)
			if !damaged {
				return keyProblem(err, aead)
			}
			fmt.Fprintf(c.stdout, "DAMAGED %s\n", msg)
			if first == nil {
				first = errors.New(msg)
			}
			continue
		}
		line := fmt.Sprintf("ok      %s: %s, %d events", l.name(f.Name), humanBytes(rep.valid), rep.stats.Events)
		if rep.torn != nil {
			line += fmt.Sprintf("; torn last write of %d bytes at byte %d, dropped at the next start", rep.torn.Bytes, rep.torn.Offset)
		}
		fmt.Fprintln(c.stdout, line)
	}
	if !*all && len(files.Archives) > 0 {
		fmt.Fprintf(c.stdout, "(%d archives not checked; use --all)\n", len(files.Archives))
	}
	return first
}
