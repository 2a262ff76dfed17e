package integration

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"strings"
	"testing"

	"github.com/prevayler-go/prevayler"
)

// TestSnapshot: a snapshot starts a new, short journal, keeps the old one
// as an archive, and loses nothing; recovery reads only the new journal.
func TestSnapshot(t *testing.T) {
	e := newEnv(t)
	p := e.open(prevayler.Options[account]{})
	for range 200 {
		handle(t, p, 1)
	}
	long := e.journalSize()
	if err := p.Snapshot(t.Context()); err != nil {
		t.Fatal(err)
	}
	short := e.journalSize()
	if short >= long {
		t.Errorf("journal of %d bytes after the snapshot, %d before: want shorter", short, long)
	}
	handle(t, p, 1)
	closeOK(t, p)

	archives := 0
	for k := range e.objects() {
		if strings.HasPrefix(k, ".backup-") {
			archives++
		}
	}
	if archives < 1 {
		t.Error("no archive after a snapshot")
	}
	p2 := e.open(prevayler.Options[account]{})
	defer closeOK(t, p2)
	if got := p2.State(); got.Balance != 201 || got.Ops != 201 {
		t.Fatalf("recovered %+v, want 201 deposits of 1", got)
	}
}

// TestEncryption: with a key, no object holds any plaintext of the state
// or the events, the snapshot included; the journal reopens with the key
// and refuses to open without it.
func TestEncryption(t *testing.T) {
	e := newEnv(t)
	block, err := aes.NewCipher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "TOP-SECRET-MEMO"
	opts := prevayler.Options[account]{Encryption: aead}
	p := e.open(opts)
	for range 20 {
		if _, err := p.Handle(t.Context(), op{Amount: 3, Memo: secret}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Snapshot(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Handle(t.Context(), op{Amount: 3, Memo: secret}); err != nil {
		t.Fatal(err)
	}
	closeOK(t, p)

	objects := e.contents()
	for _, needle := range []string{secret, "Memo", "Balance"} {
		if k := containsAny(objects, []byte(needle)); k != "" {
			t.Errorf("object <key>%s holds the plaintext %q", k, needle)
		}
	}
	t.Logf("%d objects checked for plaintext", len(objects))

	p2 := e.open(opts)
	if got := p2.State(); got.Balance != 63 || got.Memo != secret {
		t.Fatalf("recovered %+v with the key", got)
	}
	closeOK(t, p2)

	_, err = prevayler.Open(t.Context(), apply, prevayler.Options[account]{Store: e.store()})
	if !errors.Is(err, prevayler.ErrKey) {
		t.Fatalf("Open without the key: %v, want ErrKey", err)
	}
}
