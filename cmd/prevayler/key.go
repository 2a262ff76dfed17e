package main

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
)

const keyHelp = `Encrypted journals: give the AES key the application passes to
cipher.NewGCM(aes.NewCipher(key)), 16, 24 or 32 bytes, with --key-file F or
--key-env VAR. The file or variable holds the key either as hex digits
(32, 48 or 64 of them; surrounding white space ignored) or as the raw bytes.
Content that reads as a hex key is taken as hex. Journals sealed with another AEAD
cannot be read by this command.
`

// keyFlags are the flags that name an encryption key.
type keyFlags struct {
	file, env string
}

func (k *keyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&k.file, "key-file", "", "read the AES key from file `F`")
	fs.StringVar(&k.env, "key-env", "", "read the AES key from environment variable `VAR`")
}

// aead returns the AES-GCM the flags name, or nil when they name no key.
func (k *keyFlags) aead() (cipher.AEAD, error) {
	var raw []byte
	var from string
	switch {
	case k.file != "" && k.env != "":
		return nil, usagef("give --key-file or --key-env, not both")
	case k.file != "":
		b, err := os.ReadFile(k.file)
		if err != nil {
			return nil, fmt.Errorf("read key: %w", err)
		}
		raw, from = b, "key file "+k.file
	case k.env != "":
		v, ok := os.LookupEnv(k.env)
		if !ok || v == "" {
			return nil, fmt.Errorf("environment variable %s holding the key is not set", k.env)
		}
		raw, from = []byte(v), "environment variable "+k.env
	default:
		return nil, nil
	}
	key, err := parseKey(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	return cipher.NewGCM(block)
}

// parseKey decodes the content of a key file or variable: hex digits, else
// raw bytes, of an AES key length.
func parseKey(raw []byte) ([]byte, error) {
	if t := bytes.TrimSpace(raw); len(t) > 0 {
		if key, err := hex.DecodeString(string(t)); err == nil && aesLength(len(key)) {
			return key, nil
		}
	}
	if !aesLength(len(raw)) {
		return nil, fmt.Errorf("key of %d bytes: want 16, 24 or 32 raw bytes, or 32, 48 or 64 hex digits", len(raw))
	}
	return raw, nil
}

func aesLength(n int) bool { return n == 16 || n == 24 || n == 32 }
