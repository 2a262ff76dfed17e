package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	// Register the stores store.Open knows.
	_ "github.com/prevayler-go/prevayler/localstore"
	_ "github.com/prevayler-go/prevayler/s3store"
)

// Exit codes.
const (
	exitOK    = 0 // success; verify: every file is intact
	exitFail  = 1 // the operation failed, or verify found damage
	exitUsage = 2 // bad command line
)

const usage = `prevayler looks into, checks, moves, restores and trims the journals of
the prevayler library, on any store, without knowing the application's
types.

Usage:
  prevayler inspect [--key-file F | --key-env VAR] URL
  prevayler verify  [--all] [--key-file F | --key-env VAR] URL
  prevayler copy    [--archives] [--force] SRC DST
  prevayler restore (--at TIME | --seq N) [--key-file F | --key-env VAR] SRC DST
  prevayler prune   (--keep N | --keep-for DURATION) [--dry-run] URL

URL names a journal:
  data/journal                         a local file (relative path)
  file:///var/lib/app/journal          a local file (absolute path)
  s3://BUCKET/apps/bank/journal?region=eu-west-1
  s3://BUCKET/journal?endpoint=http://127.0.0.1:4566
S3 credentials and region come from the standard AWS configuration
(environment, profiles, roles); an s3 URL's parameters are those of
the s3store package: region, endpoint, profile, pathstyle, sleep, buffer,
concurrency, attempts, timeout.

Exit status: 0 success, 1 failure (verify: damage found), 2 bad usage.
Run 'prevayler COMMAND --help' for the details of a command.
`

// command is one subcommand.
type command struct {
	name  string
	usage string // printed by --help
	run   func(ctx context.Context, c *cli, args []string) error
}

var commands = []*command{inspectCmd, verifyCmd, copyCmd, restoreCmd, pruneCmd}

// cli is what every command writes to.
type cli struct {
	stdout, stderr io.Writer
	progress       bool // stderr is a terminal: report progress of long operations
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := &cli{stdout: stdout, stderr: stderr, progress: isTerminal(stderr)}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	for _, cmd := range commands {
		if cmd.name != name {
			continue
		}
		err := cmd.run(ctx, c, args[1:])
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			fmt.Fprint(stdout, cmd.usage)
			return exitOK
		}
		fmt.Fprintf(stderr, "prevayler %s: %s\n", name, oneLine(err))
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "Run 'prevayler %s --help' for usage.\n", name)
			return exitUsage
		}
		return exitFail
	}
	fmt.Fprintf(stderr, "prevayler: unknown command %q\nRun 'prevayler --help' for usage.\n", name)
	return exitUsage
}

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// oneLine keeps an error message on one line, as a shell user expects.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// newFlags returns a flag set that reports errors to the caller instead of
// printing them.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseArgs parses flags placed anywhere on the command line ("prune URL
// --keep 3" as well as "prune --keep 3 URL") and returns the operands,
// which must number operands, described by names for the error.
// Everything after "--" is an operand.
func parseArgs(fs *flag.FlagSet, args []string, operands int, names string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		rest := fs.Args()
		// The flag package stops at "--" after consuming it.
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if len(pos) != operands {
		return nil, usagef("want %s, got %d argument(s)", names, len(pos))
	}
	return pos, nil
}
