package main

import (
	"crypto/cipher"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/prevayler-go/prevayler/internal/journal"
)

// eventFrames returns the offsets of the events frames of the journal
// file at path.
func eventFrames(t *testing.T, path string) []int64 { return sealedEventFrames(t, path, nil) }

// sealedEventFrames is eventFrames for a journal sealed with aead.
func sealedEventFrames(t *testing.T, path string, aead cipher.AEAD) []int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := journal.NewReader(f, path, aead)
	if err != nil {
		t.Fatal(err)
	}
	var offs []int64
	for {
		e, err := r.Next()
		if err == io.EOF {
			return offs
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(offs) == 0 || offs[len(offs)-1] != e.FrameOffset {
			offs = append(offs, e.FrameOffset)
		}
	}
}

// flipByte inverts one byte of the file at path.
func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0xff
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyIntact(t *testing.T) {
	path := journalPath(t)
	writeJournal(t, path, 10, journalOptions{})
	writeJournal(t, path, 10, journalOptions{snapshot: true})
	r := runCmd(t, "verify", "--all", path)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	// The journal and two archives: one from the second start, one from
	// the snapshot.
	if n := strings.Count(r.stdout, "ok "); n != 3 {
		t.Errorf("%d files reported ok, want 3:\n%s", n, r.stdout)
	}
	if !strings.Contains(r.stdout, "ok      "+path+": ") {
		t.Errorf("the journal is not reported:\n%s", r.stdout)
	}
	r = runCmd(t, "verify", path)
	if r.code != exitOK || !strings.Contains(r.stdout, "(2 archives not checked; use --all)") {
		t.Errorf("without --all: exit %d, want 0 and a note on the archives", r.code)
	}
}

func TestVerifyDamage(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, path string) (offset int64)
	}{
		{"events frame payload", func(t *testing.T, path string) int64 {
			off := eventFrames(t, path)[3]
			flipByte(t, path, off+journal.FrameHeaderSize+1)
			return off
		}},
		{"events frame header", func(t *testing.T, path string) int64 {
			off := eventFrames(t, path)[5]
			flipByte(t, path, off+2)
			return off
		}},
		{"magic", func(t *testing.T, path string) int64 {
			flipByte(t, path, 0)
			return 0
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := journalPath(t)
			writeJournal(t, path, 20, journalOptions{})
			off := tt.damage(t, path)
			r := runCmd(t, "verify", path)
			if r.code != exitFail {
				t.Errorf("exit %d, want %d", r.code, exitFail)
			}
			want := fmt.Sprintf("%s: damaged at byte %d: ", path, off)
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr %q lacks %q", r.stderr, want)
			}
			if !strings.Contains(r.stdout, "DAMAGED "+want) {
				t.Errorf("stdout %q lacks the damaged line", r.stdout)
			}
		})
	}
}

// A torn last write is what a crash leaves; the next start drops it, so
// verify accepts it and says so.
func TestVerifyTornTail(t *testing.T) {
	path := journalPath(t)
	writeJournal(t, path, 5, journalOptions{})
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// Cut 3 bytes into the last event's frame, before the seal Close wrote
	// (24 + 21 bytes): a cut seal alone costs no event.
	if err := os.Truncate(path, fi.Size()-45-3); err != nil {
		t.Fatal(err)
	}
	r := runCmd(t, "verify", path)
	if r.code != exitOK || !strings.Contains(r.stdout, "torn last write of ") {
		t.Errorf("exit %d, stdout %q; want 0 and the torn write reported", r.code, r.stdout)
	}
	if got := recoverJournal(t, path, nil); got != sum(4) {
		t.Errorf("recovered %+v, want the first 4 events", got)
	}
}

func TestVerifyDamagedArchive(t *testing.T) {
	path := journalPath(t)
	writeJournal(t, path, 20, journalOptions{})
	writeJournal(t, path, 1, journalOptions{})
	arch := archives(t, path)
	if len(arch) != 1 {
		t.Fatalf("archives %q, want 1", arch)
	}
	off := eventFrames(t, arch[0])[2]
	flipByte(t, arch[0], off+journal.FrameHeaderSize)

	if r := runCmd(t, "verify", path); r.code != exitOK {
		t.Errorf("without --all: exit %d, want 0 (the archive is not checked)", r.code)
	}
	r := runCmd(t, "verify", path, "--all")
	want := fmt.Sprintf("%s: damaged at byte %d", arch[0], off)
	if r.code != exitFail || !strings.Contains(r.stderr, want) {
		t.Errorf("with --all: exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
	}
	if !strings.Contains(r.stdout, "ok      "+path+": ") {
		t.Errorf("the intact journal is not reported ok:\n%s", r.stdout)
	}
}

func TestVerifyNoJournal(t *testing.T) {
	r := runCmd(t, "verify", journalPath(t))
	if r.code != exitFail || !strings.Contains(r.stderr, "no journal at ") {
		t.Errorf("exit %d, stderr %q; want 1 and no journal", r.code, r.stderr)
	}
}

func TestVerifyEncrypted(t *testing.T) {
	key := []byte("sixteen byte key")
	path := journalPath(t)
	writeJournal(t, path, 5, journalOptions{aead: testAEAD(t, key)})
	r := runCmd(t, "verify", path)
	if r.code != exitFail || !strings.Contains(r.stderr, "--key-file or --key-env") {
		t.Errorf("without a key: exit %d, stderr %q; want 1 and advice", r.code, r.stderr)
	}
	t.Setenv("TEST_JOURNAL_KEY", string(key))
	if r := runCmd(t, "verify", "--key-env", "TEST_JOURNAL_KEY", path); r.code != exitOK {
		t.Errorf("with the key: exit %d, want 0", r.code)
	}
	off := sealedEventFrames(t, path, testAEAD(t, key))[1]
	flipByte(t, path, off+journal.FrameHeaderSize+2)
	r = runCmd(t, "verify", "--key-env", "TEST_JOURNAL_KEY", path)
	if want := fmt.Sprintf("damaged at byte %d", off); r.code != exitFail || !strings.Contains(r.stderr, want) {
		t.Errorf("damaged: exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
	}
}
