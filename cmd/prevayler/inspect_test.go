package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// field returns the value of "name:" in inspect's output.
func field(t *testing.T, out, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `:\s+(.*)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("inspect output has no %q line:\n%s", name, out)
	}
	return m[1]
}

func TestInspect(t *testing.T) {
	path := journalPath(t)
	writeJournal(t, path, 3, journalOptions{})
	writeJournal(t, path, 5, journalOptions{}) // retires the first journal: one archive
	r := runCmd(t, "inspect", path)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want := map[string]string{
		"store":   path,
		"journal": path,
		"format":  "version 2, codec gob, plaintext",
		"events":  "5 in ",
		// The second run's clock starts at epoch again, but journaled time
		// never runs backwards: its events start at the first run's last.
		"first event":    epoch.Add(2 * time.Second).Format(time.RFC3339Nano),
		"last event":     epoch.Add(4 * time.Second).Format(time.RFC3339Nano),
		"torn tail":      "none",
		"closed":         "yes",
		"pending backup": "none",
		"archives":       "1, ",
	}
	for k, v := range want {
		if got := field(t, r.stdout, k); !strings.HasPrefix(got, v) {
			t.Errorf("%s: %q, want it to start with %q", k, got, v)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := field(t, r.stdout, "size"); !strings.Contains(got, "("+strconv.FormatInt(fi.Size(), 10)+" bytes)") {
		t.Errorf("size: %q, want %d bytes", got, fi.Size())
	}
	if !strings.Contains(r.stdout, filepath.Base(archives(t, path)[0])) {
		t.Errorf("the archive is not listed:\n%s", r.stdout)
	}
}

func TestInspectPendingBackup(t *testing.T) {
	path := journalPath(t)
	writeJournal(t, path, 4, journalOptions{})
	// An interrupted rotation: the journal renamed to the backup, the new
	// journal not yet in place.
	if err := os.Rename(path, path+".backup"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".tmp-x", []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCmd(t, "inspect", path)
	if r.code != exitOK {
		t.Fatalf("exit %d", r.code)
	}
	if got := field(t, r.stdout, "journal"); got != path+".backup" {
		t.Errorf("journal: %q, want the backup", got)
	}
	if got := field(t, r.stdout, "events"); !strings.HasPrefix(got, "4 ") {
		t.Errorf("events: %q, want the backup's 4", got)
	}
	if got := field(t, r.stdout, "pending backup"); !strings.Contains(got, "the next start recovers from it") {
		t.Errorf("pending backup: %q", got)
	}
	if got := field(t, r.stdout, "temporary files"); !strings.HasPrefix(got, "1 ") {
		t.Errorf("temporary files: %q", got)
	}
}

func TestInspectNoJournal(t *testing.T) {
	r := runCmd(t, "inspect", journalPath(t))
	if r.code != exitOK || !strings.Contains(field(t, r.stdout, "journal"), "none") {
		t.Errorf("exit %d, want 0 and no journal", r.code)
	}
}

func TestInspectEncrypted(t *testing.T) {
	sum := sha256.Sum256([]byte("test key"))
	key := sum[:]
	path := journalPath(t)
	writeJournal(t, path, 7, journalOptions{aead: testAEAD(t, key)})

	r := runCmd(t, "inspect", path)
	if r.code != exitOK {
		t.Fatalf("without a key: exit %d", r.code)
	}
	if got := field(t, r.stdout, "format"); got != "version 2, codec gob, encrypted" {
		t.Errorf("format: %q", got)
	}
	if got := field(t, r.stdout, "events"); !strings.Contains(got, "--key-file") {
		t.Errorf("events without a key: %q, want advice", got)
	}

	t.Setenv("TEST_JOURNAL_KEY", hex.EncodeToString(key))
	r = runCmd(t, "inspect", "--key-env", "TEST_JOURNAL_KEY", path)
	if r.code != exitOK || !strings.HasPrefix(field(t, r.stdout, "events"), "7 ") {
		t.Errorf("with the key: exit %d, want 0 and 7 events", r.code)
	}

	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	r = runCmd(t, "inspect", path, "--key-file", keyFile)
	if r.code != exitOK || !strings.HasPrefix(field(t, r.stdout, "events"), "7 ") {
		t.Errorf("with a raw key file: exit %d, want 0 and 7 events", r.code)
	}

	t.Setenv("TEST_JOURNAL_KEY", strings.Repeat("ab", 32))
	r = runCmd(t, "inspect", "--key-env", "TEST_JOURNAL_KEY", path)
	if r.code != exitFail || !strings.Contains(r.stderr, "wrong or missing encryption key") {
		t.Errorf("wrong key: exit %d, stderr %q; want 1 and a key error", r.code, r.stderr)
	}
}

func TestInspectPlaintextWithKey(t *testing.T) {
	path := journalPath(t)
	writeJournal(t, path, 1, journalOptions{})
	t.Setenv("TEST_JOURNAL_KEY", strings.Repeat("ab", 16))
	r := runCmd(t, "inspect", "--key-env", "TEST_JOURNAL_KEY", path)
	if r.code != exitFail || !strings.Contains(r.stderr, "encryption key") {
		t.Errorf("exit %d, stderr %q; want 1 and a key error", r.code, r.stderr)
	}
}
