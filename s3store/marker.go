package s3store

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/prevayler-go/prevayler/store"
)

// markerMagic starts every marker body.
const markerMagic = "prevayler-s3-marker 1"

// marker is the body of the object that makes a name exist: which
// generation holds the file's bytes, or none (Gen "") for a Journal or
// Backup that does not exist. Writer and Stamp make every body written
// unique, so that its ETag is too: rewriting a marker with the same
// generation still invalidates every ETag seen before.
type marker struct {
	Gen    string // generation id, or "" for absent
	Writer string // writer id of the store that wrote it
	Stamp  string // random, unique per write
}

// encode returns the marker's body: four lines of text, readable with any
// S3 browser.
func (m marker) encode() []byte {
	gen := m.Gen
	if gen == "" {
		gen = "-"
	}
	return fmt.Appendf(nil, "%s\ngen %s\nwriter %s\nstamp %s\n", markerMagic, gen, m.Writer, m.Stamp)
}

// decodeMarker parses a marker body. Anything else is ErrCorrupt: a
// marker is written whole by one PUT, so a damaged one is not a torn
// write.
func decodeMarker(b []byte) (marker, error) {
	bad := func(why string) (marker, error) {
		return marker{}, fmt.Errorf("marker %s: %w", why, store.ErrCorrupt)
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) != 5 || lines[4] != "" {
		return bad("is not four lines")
	}
	if lines[0] != markerMagic {
		return bad("has no magic line")
	}
	var m marker
	for i, field := range []struct {
		name string
		dst  *string
	}{{"gen", &m.Gen}, {"writer", &m.Writer}, {"stamp", &m.Stamp}} {
		v, ok := strings.CutPrefix(lines[i+1], field.name+" ")
		if !ok {
			return bad("lacks " + field.name)
		}
		*field.dst = v
	}
	if m.Gen == "-" {
		m.Gen = ""
	} else if !validID(m.Gen) {
		return bad("has an invalid generation")
	}
	if !validID(m.Writer) || !validID(m.Stamp) {
		return bad("has an invalid writer or stamp")
	}
	if !bytes.Equal(m.encode(), b) {
		return bad("is not in canonical form")
	}
	return m, nil
}
