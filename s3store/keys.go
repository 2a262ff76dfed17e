package s3store

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/prevayler-go/prevayler/store"
)

// Key suffixes besides the file names of package store.
const (
	lockSuffix = ".lock" // <Key>.lock: who took the journal last
	genSuffix  = ".g/"   // <Key>.g/<gen>/<seq>: segments of a generation
	seqDigits  = 20      // digits of a segment number, so keys sort numerically
)

// fixed reports whether name is Journal or Backup: the two names whose
// markers are never deleted, so that every change to them is a
// conditional write on a known ETag.
func fixed(name string) bool {
	return name == store.Journal || name == store.Backup
}

// markerKey is the object holding name's marker.
func (s *Store) markerKey(name string) string { return s.key + name }

// lockKey is the object naming the latest writer.
func (s *Store) lockKey() string { return s.key + lockSuffix }

// genPrefix is the key prefix of every generation.
func (s *Store) genPrefix() string { return s.key + genSuffix }

// segPrefix is the key prefix of one generation's segments.
func (s *Store) segPrefix(gen string) string { return s.genPrefix() + gen + "/" }

// segKey is the key of segment seq of gen.
func (s *Store) segKey(gen string, seq uint64) string {
	return fmt.Sprintf("%s%0*d", s.segPrefix(gen), seqDigits, seq)
}

// mergedKey is the key of the object that holds segments first to last
// of gen, merged: "<last>-<first>", so that it lists right after the
// last of the segments it replaces and before the next one.
func (s *Store) mergedKey(gen string, first, last uint64) string {
	return fmt.Sprintf("%s%0*d-%0*d", s.segPrefix(gen), seqDigits, last, seqDigits, first)
}

// parseSeq reads the segment number at the end of a segment key.
func parseSeq(tail string) (uint64, bool) {
	if len(tail) != seqDigits {
		return 0, false
	}
	for i := 0; i < len(tail); i++ {
		if tail[i] < '0' || tail[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(tail, 10, 64)
	return n, err == nil && n > 0
}

// newID returns 128 random bits in hex: generation and writer ids.
func newID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// validID accepts what newID makes.
func validID(s string) bool {
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
