package s3store

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/prevayler-go/prevayler/store"
)

func TestMarkerRoundTrip(t *testing.T) {
	for _, m := range []marker{
		{Version: 2, Gen: newID(), Writer: newID(), Epoch: 7, Stamp: newID()},
		{Version: 2, Gen: "", Writer: newID(), Stamp: newID()},
		{Version: 2, Gen: newID(), Writer: newID(), Epoch: 1 << 60, Sealed: true, Length: 12345, Segments: 3, Retired: newID(), Stamp: newID()},
		{Version: 1, Gen: newID(), Writer: newID(), Stamp: newID()},
		{Version: 1, Gen: "", Writer: newID(), Stamp: newID()},
	} {
		got, err := decodeMarker(m.encode())
		if err != nil || got != m {
			t.Fatalf("decode(encode(%+v)) = %+v, %v", m, got, err)
		}
	}
}

// TestMarkerV1 reads a marker as version 1 wrote it: epoch 0.
func TestMarkerV1(t *testing.T) {
	gen, w, st := newID(), newID(), newID()
	body := "prevayler-s3-marker 1\ngen " + gen + "\nwriter " + w + "\nstamp " + st + "\n"
	m, err := decodeMarker([]byte(body))
	if err != nil || m.Version != 1 || m.Gen != gen || m.Epoch != 0 {
		t.Fatalf("decodeMarker(v1) = %+v, %v", m, err)
	}
}

func TestMarkerRejects(t *testing.T) {
	good := string(marker{Version: 2, Gen: newID(), Writer: newID(), Epoch: 3, Stamp: newID()}.encode())
	v1 := string(marker{Version: 1, Gen: newID(), Writer: newID(), Stamp: newID()}.encode())
	for name, body := range map[string]string{
		"Empty":          "",
		"NoMagic":        strings.Replace(good, markerMagic, "prevayler-s3-marker 3", 1),
		"V1WithEpoch":    strings.Replace(good, markerMagic, markerMagicV1, 1),
		"V2WithoutEpoch": strings.Replace(v1, markerMagicV1, markerMagic, 1),
		"BadEpoch":       strings.Replace(good, "epoch 3", "epoch -3", 1),
		"LeadingZero":    strings.Replace(good, "epoch 3", "epoch 03", 1),
		"BadSeal":        strings.Replace(good, "sealed -", "sealed 12", 1),
		"NegativeSeal":   strings.Replace(good, "sealed -", "sealed -1 2", 1),
		"BadRetired":     strings.Replace(good, "retired -", "retired x", 1),
		"Truncated":      good[:len(good)-3],
		"NoNewline":      strings.TrimSuffix(good, "\n"),
		"BadGen":         strings.Replace(good, "gen ", "gen zz", 1),
		"Reordered":      strings.Replace(strings.Replace(good, "writer", "WRITER", 1), "stamp", "writer", 1),
		"ExtraLine":      good + "more\n",
		"UpperCaseHex":   strings.ToUpper(good),
	} {
		if _, err := decodeMarker([]byte(body)); !errors.Is(err, store.ErrCorrupt) {
			t.Errorf("%s: decodeMarker(%q) = %v, want ErrCorrupt", name, body, err)
		}
	}
}

// FuzzDecodeMarker: the decoder never panics, and what it accepts is
// exactly what encode writes.
func FuzzDecodeMarker(f *testing.F) {
	f.Add(marker{Version: 2, Gen: newID(), Writer: newID(), Epoch: 9, Stamp: newID()}.encode())
	f.Add(marker{Version: 2, Writer: newID(), Sealed: true, Length: 5, Segments: 1, Retired: newID(), Stamp: newID()}.encode())
	f.Add(marker{Version: 1, Gen: newID(), Writer: newID(), Stamp: newID()}.encode())
	f.Add([]byte(markerMagic + "\ngen -\nwriter x\nepoch 0\nsealed -\nretired -\nstamp y\n"))
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

// FuzzLockEpoch: the lock object's decoder never panics; a format 2 body
// it accepts names the epoch it was written with.
func FuzzLockEpoch(f *testing.F) {
	f.Add([]byte(lockMagic + "\nepoch 7\nwriter x\n"))
	f.Add([]byte("writer x\nhost h\n"))
	f.Add([]byte(lockMagic + "\nepoch -1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := lockEpoch(b)
		if err != nil {
			if !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("error %v does not match ErrCorrupt", err)
			}
			return
		}
		if strings.HasPrefix(string(b), lockMagic+"\n") && !strings.HasPrefix(string(b), fmt.Sprintf("%s\nepoch %d", lockMagic, n)) {
			t.Fatalf("%q read as epoch %d", b, n)
		}
	})
}
