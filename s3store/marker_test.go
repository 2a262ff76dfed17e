package s3store

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/prevayler-go/prevayler/store"
)

func TestMarkerRoundTrip(t *testing.T) {
	for _, m := range []marker{
		{Gen: newID(), Writer: newID(), Stamp: newID()},
		{Gen: "", Writer: newID(), Stamp: newID()},
	} {
		got, err := decodeMarker(m.encode())
		if err != nil || got != m {
			t.Fatalf("decode(encode(%+v)) = %+v, %v", m, got, err)
		}
	}
}

func TestMarkerRejects(t *testing.T) {
	good := string(marker{Gen: newID(), Writer: newID(), Stamp: newID()}.encode())
	for name, body := range map[string]string{
		"Empty":        "",
		"NoMagic":      strings.Replace(good, markerMagic, "prevayler-s3-marker 2", 1),
		"Truncated":    good[:len(good)-3],
		"NoNewline":    strings.TrimSuffix(good, "\n"),
		"BadGen":       strings.Replace(good, "gen ", "gen zz", 1),
		"Reordered":    strings.Replace(strings.Replace(good, "writer", "WRITER", 1), "stamp", "writer", 1),
		"ExtraLine":    good + "more\n",
		"UpperCaseHex": strings.ToUpper(good),
	} {
		if _, err := decodeMarker([]byte(body)); !errors.Is(err, store.ErrCorrupt) {
			t.Errorf("%s: decodeMarker(%q) = %v, want ErrCorrupt", name, body, err)
		}
	}
}

// FuzzDecodeMarker: the decoder never panics, and what it accepts is
// exactly what encode writes.
func FuzzDecodeMarker(f *testing.F) {
	f.Add(marker{Gen: newID(), Writer: newID(), Stamp: newID()}.encode())
	f.Add(marker{Writer: newID(), Stamp: newID()}.encode())
	f.Add([]byte(markerMagic + "\ngen -\nwriter x\nstamp y\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeMarker(b)
		if err != nil {
			if !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("error %v does not match ErrCorrupt", err)
			}
			return
		}
		if !bytes.Equal(m.encode(), b) {
			t.Fatalf("accepted %q, which encodes as %q", b, m.encode())
		}
	})
}

// FuzzParseSeq: segment numbers parse only from their canonical form.
func FuzzParseSeq(f *testing.F) {
	f.Add("00000000000000000001")
	f.Add("18446744073709551615")
	f.Add("99999999999999999999")
	f.Add("0000000000000000000a")
	f.Fuzz(func(t *testing.T, tail string) {
		n, ok := parseSeq(tail)
		if !ok {
			return
		}
		s := &Store{key: "k"}
		if got := strings.TrimPrefix(s.segKey("g", n), s.segPrefix("g")); got != tail {
			t.Fatalf("parseSeq(%q) = %d, which formats as %q", tail, n, got)
		}
	})
}
