package prevayler_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
)

type note struct{ Text string }

func appendNote(s []string, e note, _ time.Time) ([]string, int, error) {
	return append(slices.Clip(s), e.Text), len(s) + 1, nil
}

func newAEAD(t *testing.T, seed byte) cipher.AEAD {
	t.Helper()
	key := bytes.Repeat([]byte{seed}, 32)
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

func openNotes(dir string, aead cipher.AEAD) (*prevayler.Prevayler[[]string, note, int], error) {
	return prevayler.Open(context.Background(), appendNote, prevayler.Options[[]string]{
		Store:        exactStore(filepath.Join(dir, "journal")), // tests find frames by the file's size
		Encryption:   aead,
		InitialState: []string{"initial-secret-state"},
	})
}

func snapshotDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, name := range dirNames(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	return files
}

func TestEncryptionAtRest(t *testing.T) {
	dir := t.TempDir()
	key := newAEAD(t, 1)
	p, err := openNotes(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"attack-at-dawn", "second-secret"} {
		if _, err := p.Handle(context.Background(), note{s}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Handle(context.Background(), note{"third-secret"}); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	before := snapshotDir(t, dir)
	for name, b := range before {
		for _, secret := range []string{"attack-at-dawn", "second-secret", "third-secret", "initial-secret-state", "Text"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Fatalf("%s holds the plaintext %q", name, secret)
			}
		}
	}

	for name, aead := range map[string]cipher.AEAD{"no key": nil, "wrong key": newAEAD(t, 2)} {
		if _, err := openNotes(dir, aead); !errors.Is(err, prevayler.ErrKey) {
			t.Fatalf("%s: %v, want ErrKey", name, err)
		}
		after := snapshotDir(t, dir)
		for f, b := range before {
			if !bytes.Equal(after[f], b) {
				t.Fatalf("%s: %s changed although the key was refused", name, f)
			}
		}
		if len(after) != len(before) {
			t.Fatalf("%s: files changed: %v", name, dirNames(t, dir))
		}
	}

	p, err = openNotes(dir, key)
	if err != nil {
		t.Fatalf("right key after refused tries: %v", err)
	}
	defer p.Close()
	want := []string{"initial-secret-state", "attack-at-dawn", "second-secret", "third-secret"}
	if got := p.State(); !slices.Equal(got, want) {
		t.Fatalf("recovered %v", got)
	}
}

func TestEncryptionKeyForPlaintextJournal(t *testing.T) {
	dir := t.TempDir()
	p, err := openNotes(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Handle(context.Background(), note{"x"})
	p.Close()
	if _, err := openNotes(dir, newAEAD(t, 1)); !errors.Is(err, prevayler.ErrKey) {
		t.Fatalf("a key for a plaintext journal: %v, want ErrKey", err)
	}
}

func TestEncryptionDetectsTampering(t *testing.T) {
	dir := t.TempDir()
	key := newAEAD(t, 1)
	p, err := openNotes(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	jp := filepath.Join(dir, "journal")
	fi, _ := os.Stat(jp)
	first := fi.Size()
	for _, s := range []string{"one", "two", "three"} {
		if _, err := p.Handle(context.Background(), note{s}); err != nil {
			t.Fatal(err)
		}
	}
	p.Close()
	data, _ := os.ReadFile(jp)
	// Flip one bit in the middle of the first event's sealed payload.
	data[first+30] ^= 0x01
	// Keep the checksum valid so that only authentication can notice.
	if err := os.WriteFile(jp, fixFrameCRC(t, data, first), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = openNotes(dir, key)
	if err == nil || !(errors.Is(err, prevayler.ErrCorrupt) || errors.Is(err, prevayler.ErrKey)) {
		t.Fatalf("tampered journal: %v", err)
	}
	if !strings.Contains(err.Error(), "byte") {
		t.Fatalf("error %q does not name the offset", err)
	}
}
