package journal

import (
	"crypto/cipher"
	"errors"
	"strings"
	"testing"

	"github.com/prevayler-go/prevayler/store"
)

func TestKeyErrors(t *testing.T) {
	sealed := build(t, spec{aead: std(t), snapshot: []byte("s"), batches: batches(1, 1)}).data
	plain := build(t, spec{snapshot: []byte("s"), batches: batches(1, 1)}).data
	cases := []struct {
		name string
		data []byte
		aead cipher.AEAD
		want string
	}{
		{"no key for an encrypted journal", sealed, nil, "no key"},
		{"wrong key", sealed, gcm(t, testKey(1), 0, 0), "does not open"},
		{"AES-128 instead of AES-256", sealed, gcm(t, testKey(0)[:16], 0, 0), "does not open"},
		{"other nonce size", sealed, gcm(t, testKey(0), 24, 0), "nonces"},
		{"other tag size", sealed, gcm(t, testKey(0), 0, 12), "tags"},
		{"key for a plaintext journal", plain, std(t), "not encrypted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := readAll(c.data, c.aead)
			var ce *CorruptError
			if !errors.Is(res.err, store.ErrKey) || errors.As(res.err, &ce) {
				t.Fatalf("got %v, want an error matching ErrKey only", res.err)
			}
			if msg := res.err.Error(); !strings.Contains(msg, "journal.test") || !strings.Contains(msg, c.want) {
				t.Fatalf("message %q lacks the file name or %q", msg, c.want)
			}
		})
	}
}

// A header damaged where the key check or the encrypted flag lives is
// damage, not a key problem: the checksum is verified first.
func TestDamagedEncryptedHeaderIsCorrupt(t *testing.T) {
	b := build(t, spec{aead: std(t), snapshot: []byte("s")})
	for i := range b.headerLen {
		data := flip(b.data, i, 0x01)
		wantCorrupt(t, readAll(data, std(t)), -1)
		wantCorrupt(t, readAll(data, nil), -1)
	}
}

func flip(data []byte, i int, mask byte) []byte {
	out := append([]byte(nil), data...)
	out[i] ^= mask
	return out
}
