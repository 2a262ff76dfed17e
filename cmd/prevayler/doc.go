// Command prevayler looks into, checks, moves, restores and trims the
// journals of the prevayler library on any store, without knowing the
// application's types: event and state bytes are the application's
// codec's, and the command only reads the framing around them.
//
// Install it with
//
//	go install github.com/prevayler-go/prevayler/cmd/prevayler@latest
//
// Usage:
//
//	prevayler inspect [--key-file F | --key-env VAR] URL
//	prevayler verify  [--all] [--key-file F | --key-env VAR] URL
//	prevayler copy    [--archives] [--force] SRC DST
//	prevayler restore (--at TIME | --seq N) [--key-file F | --key-env VAR] SRC DST
//	prevayler prune   (--keep N | --keep-for DURATION) [--dry-run] URL
//
// A URL is anything store.Open accepts: a local path (data/journal), a
// file URL, or s3://BUCKET/KEY?region=...&endpoint=... with credentials
// from the standard AWS configuration. Every command takes --help. Errors
// are one line on standard error; the exit status is 0 on success, 1 on
// failure (for verify: damage found), 2 for a bad command line. On a
// terminal, long reads and copies print a progress line on standard error
// every second; piped, they stay quiet.
//
// # Files
//
//	main.go      dispatch, usage, exit codes, flag parsing
//	files.go     opening a store from its URL, classifying its files
//	scan.go      reading and checking every record of a file
//	key.go       the AES-GCM key of an encrypted journal
//	progress.go  progress lines on a terminal
//	restore_history.go  restore: the line of files behind the journal, the start
//	restore_write.go    restore: the new journal, re-framed
//	inspect.go, verify.go, copy.go, restore.go, prune.go: the commands
package main
