package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseKey(t *testing.T) {
	raw16 := []byte("sixteen byte key")
	tests := []struct {
		name string
		in   []byte
		want []byte // nil: an error
	}{
		{"hex 16", []byte("00112233445566778899aabbccddeeff"), []byte{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}},
		{"hex 32 with newline", []byte(strings.Repeat("ab", 32) + "\n"), bytes.Repeat([]byte{0xab}, 32)},
		{"hex 24 upper case", []byte(strings.Repeat("CD", 24)), bytes.Repeat([]byte{0xcd}, 24)},
		{"raw 16", raw16, raw16},
		{"raw 32 ending in a newline byte", append(bytes.Repeat([]byte{1}, 31), '\n'), append(bytes.Repeat([]byte{1}, 31), '\n')},
		// 16 hex digits decode to 8 bytes, no AES key: the raw reading wins.
		{"raw 16 made of hex digits", []byte("0123456789abcdef"), []byte("0123456789abcdef")},
		{"hex of 8 bytes, 17 raw", []byte("0123456789abcdef\n"), nil},
		{"empty", nil, nil},
		{"raw 20", bytes.Repeat([]byte{2}, 20), nil},
	}
	for _, tt := range tests {
		got, err := parseKey(tt.in)
		switch {
		case tt.want == nil && err == nil:
			t.Errorf("%s: parseKey = %x, want an error", tt.name, got)
		case tt.want != nil && (err != nil || !bytes.Equal(got, tt.want)):
			t.Errorf("%s: parseKey = %x, %v; want %x", tt.name, got, err, tt.want)
		}
	}
}

func TestKeyFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(file, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_EMPTY_KEY", "")
	tests := []struct {
		k    keyFlags
		want string
	}{
		{keyFlags{file: filepath.Join(t.TempDir(), "missing")}, "read key: "},
		{keyFlags{file: file}, "key file " + file + ": key of 5 bytes"},
		{keyFlags{env: "TEST_EMPTY_KEY"}, "TEST_EMPTY_KEY holding the key is not set"},
		{keyFlags{env: "TEST_UNSET_KEY_VARIABLE"}, "TEST_UNSET_KEY_VARIABLE holding the key is not set"},
	}
	for _, tt := range tests {
		if _, err := tt.k.aead(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want an error containing %q", tt.k, err, tt.want)
		}
	}
	if a, err := (&keyFlags{}).aead(); a != nil || err != nil {
		t.Errorf("no flags: %v, %v; want no key", a, err)
	}
}

func TestMeterLine(t *testing.T) {
	c := &cli{}
	m := c.meter("copy journal", 4<<20)
	m.start = time.Now().Add(-2 * time.Second)
	m.bytes.Store(1 << 20)
	m.events.Store(1234)
	line := m.line()
	for _, want := range []string{"copy journal: 1.0 MiB of 4.0 MiB (25%)", "1234 events", "KiB/s", "s left"} {
		if !strings.Contains(line, want) {
			t.Errorf("line %q lacks %q", line, want)
		}
	}
	m.Stop()
}

// On a terminal a meter prints lines until it stops; elsewhere it prints
// nothing.
func TestMeterPrints(t *testing.T) {
	defer func(d time.Duration) { progressInterval = d }(progressInterval)
	progressInterval = 5 * time.Millisecond
	for _, terminal := range []bool{true, false} {
		var out syncBuffer
		c := &cli{stderr: &out, progress: terminal}
		m := c.meter("verify journal", 0)
		time.Sleep(40 * time.Millisecond)
		m.Stop()
		m.Stop()
		n := strings.Count(out.String(), "verify journal: 0 B")
		if terminal && n == 0 || !terminal && n != 0 {
			t.Errorf("terminal %v: %d progress lines", terminal, n)
		}
		after := out.String()
		time.Sleep(20 * time.Millisecond)
		if out.String() != after {
			t.Errorf("terminal %v: lines printed after Stop", terminal)
		}
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) || isTerminal(&bytes.Buffer{}) {
		t.Error("a file or a buffer taken for a terminal")
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 3 << 20: "3.0 MiB", 5 << 30: "5.0 GiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// FuzzParseKey checks that any key content either fails or gives an AES
// key length.
func FuzzParseKey(f *testing.F) {
	f.Add([]byte("00112233445566778899aabbccddeeff\n"))
	f.Add([]byte("sixteen byte key"))
	f.Fuzz(func(t *testing.T, b []byte) {
		key, err := parseKey(b)
		if err == nil && !aesLength(len(key)) {
			t.Errorf("parseKey(%q) = %d bytes", b, len(key))
		}
	})
}
