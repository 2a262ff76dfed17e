package system_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/reliability/crashfs"
	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
)

type hSecret struct{ Note string }

func hKeep(s []string, e hSecret, _ time.Time) ([]string, int, error) {
	return append(slices.Clip(s), e.Note), len(s), nil
}

// TestHarnessNoSecretsInLogsOrErrors runs an encrypted journal through
// events, a snapshot, a failed fsync, a reopen, a power loss that tears
// the tail, a damaged journal and a wrong key, with every logger at Debug
// level, and checks that no event content, no state and no key reaches a
// log line, an error string or, in plaintext, the disk.
func TestHarnessNoSecretsInLogsOrErrors(t *testing.T) {
	ctx := context.Background()
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var errs []error
	note := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	secret := "secret-" + rand.Text()
	key := make([]byte, 32)
	rand.Read(key)
	aead := newAEADKey(t, key)

	fs := crashfs.New()
	open := func(aead cipher.AEAD) (*prevayler.Prevayler[[]string, hSecret, int], error) {
		return prevayler.Open(ctx, hKeep, prevayler.Options[[]string]{
			Store:        localstore.NewWithOptions(hPath, localstore.Options{FS: fs, Logger: log}),
			Logger:       log,
			InitialState: []string{secret + "-initial"},
			Encryption:   aead,
		})
	}

	p, err := open(aead)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		_, err := p.Handle(ctx, hSecret{Note: secret + "-event-" + string(rune('a'+i))})
		note(err)
		if i == 10 {
			note(p.Snapshot(ctx))
		}
	}
	// A failed fsync: the event's caller, later callers and Close hear of it.
	fs.SetHook(crashfs.FailNth(crashfs.Sync, fs.Count(crashfs.Sync)+1, crashfs.Fault{Err: syscall.EIO}))
	_, err = p.Handle(ctx, hSecret{Note: secret + "-failed"})
	note(err)
	_, err = p.Handle(ctx, hSecret{Note: secret + "-refused"})
	note(err)
	note(p.Close())
	fs.SetHook(nil)
	if len(errs) < 3 {
		t.Fatalf("the failed fsync was not reported: %v", errs)
	}

	// Reopen, write unsynced events, lose power with a torn tail: the
	// next start drops it with a warning.
	p, err = open(aead)
	if err != nil {
		t.Fatal(err)
	}
	fs.SetHook(crashfs.CrashAt(fs.Calls() + 8)) // three events get through, the fourth is written, not synced
	for range 6 {
		_, err := p.Handle(ctx, hSecret{Note: secret + "-torn"})
		note(err)
	}
	note(p.Close())
	fs.SetHook(nil)
	fs.Crash(crashfs.CrashOptions{Unsynced: crashfs.KeepHalf, DirOps: crashfs.AllDirOps})
	p, err = open(aead)
	if err != nil {
		t.Fatal(err)
	}
	note(p.Close())

	// A wrong key, a missing key, then a damaged journal.
	_, err = open(newAEADKey(t, make([]byte, 32)))
	if !errors.Is(err, prevayler.ErrKey) {
		t.Fatalf("wrong key: %v", err)
	}
	note(err)
	_, err = open(nil)
	note(err)
	data, _ := fs.ReadFile(hPath)
	data[len(data)/2] ^= 0x40
	fs.WriteFile(hPath, data)
	_, err = open(aead)
	if !errors.Is(err, prevayler.ErrCorrupt) {
		t.Fatalf("damaged journal: %v", err)
	}
	note(err)

	if !strings.Contains(logs.String(), "level=DEBUG") || !strings.Contains(logs.String(), "level=WARN") {
		t.Fatalf("the workload logged no debug or warning line; the check would be empty:\n%s", logs.String())
	}
	forbidden := map[string]string{
		"event or state content": secret,
		"key (hex)":              hex.EncodeToString(key),
		"key (base64)":           base64.StdEncoding.EncodeToString(key),
		"key (raw)":              string(key),
	}
	for what, s := range forbidden {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the log holds the %s", what)
		}
		for _, err := range errs {
			if strings.Contains(err.Error(), s) {
				t.Errorf("an error holds the %s: %v", what, err)
			}
		}
	}
	for _, name := range []string{"", ".backup"} {
		if b, ok := fs.ReadFile(hPath + name); ok && strings.Contains(string(b), secret) {
			t.Errorf("journal%s holds plaintext", name)
		}
	}
	files, err := localstore.NewWithOptions(hPath, localstore.Options{FS: fs}).List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if b, _ := fs.ReadFile(hPath + f.Name); strings.Contains(string(b), secret) {
			t.Errorf("journal%s holds plaintext", f.Name)
		}
	}
	if !slices.ContainsFunc(files, func(f store.FileInfo) bool { return strings.HasPrefix(f.Name, store.ArchivePrefix) }) {
		t.Errorf("no archive was written; the check of the files is thin: %v", files)
	}
	t.Logf("%d log bytes and %d errors checked", len(logs.String()), len(errs))
}

func newAEADKey(t *testing.T, key []byte) cipher.AEAD {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return aead
}
