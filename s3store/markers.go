package s3store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/store"
)

// Magic lines of the marker formats. Version 2 is written; version 1
// (no epoch, no seal, no retired generation) is still read, as epoch 0.
const (
	markerMagicV1 = "prevayler-s3-marker 1"
	markerMagic   = "prevayler-s3-marker 2"
)

// maxMarkerSize bounds what is read of an object that should be a marker.
const maxMarkerSize = 4 << 10

// marker is the body of the object that makes a name exist: which
// generation holds the file's bytes, or none (Gen "") for a Journal or
// Backup that does not exist. Writer and Stamp make every body written
// unique, so that its ETag is too: rewriting a marker with the same
// generation still invalidates every ETag seen before.
type marker struct {
	Version int    // 1 or 2, as read; encode writes 2
	Gen     string // generation id, or "" for absent
	Writer  string // writer id of the store that wrote it
	Epoch   uint64 // the writer's epoch (0 in version 1)
	// Sealed: the generation is complete, Length bytes in segments 1 to
	// Segments (see seal).
	Sealed   bool
	Length   int64
	Segments uint64
	Retired  string // a generation this write stopped naming, to collect after a crash
	Stamp    string // random, unique per write
}

// encode returns the marker's body in format version 2: lines of text,
// readable with any S3 browser.
func (m marker) encode() []byte {
	if m.Version == 1 {
		return fmt.Appendf(nil, "%s\ngen %s\nwriter %s\nstamp %s\n", markerMagicV1, dash(m.Gen), m.Writer, m.Stamp)
	}
	sealed := "-"
	if m.Sealed {
		sealed = fmt.Sprintf("%d %d", m.Length, m.Segments)
	}
	return fmt.Appendf(nil, "%s\ngen %s\nwriter %s\nepoch %d\nsealed %s\nretired %s\nstamp %s\n",
		markerMagic, dash(m.Gen), m.Writer, m.Epoch, sealed, dash(m.Retired), m.Stamp)
}

func dash(id string) string {
	if id == "" {
		return "-"
	}
	return id
}

// decodeMarker parses a marker body of version 1 or 2. Anything else is
// ErrCorrupt: a marker is written whole by one PUT, so a damaged one is
// not a torn write.
func decodeMarker(b []byte) (marker, error) {
	bad := func(why string) (marker, error) {
		return marker{}, fmt.Errorf("marker %s: %w", why, store.ErrCorrupt)
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 2 || lines[len(lines)-1] != "" {
		return bad("does not end with a newline")
	}
	lines = lines[:len(lines)-1]
	var m marker
	var names []string
	switch lines[0] {
	case markerMagicV1:
		m.Version, names = 1, []string{"gen", "writer", "stamp"}
	case markerMagic:
		m.Version, names = 2, []string{"gen", "writer", "epoch", "sealed", "retired", "stamp"}
	default:
		return bad("has no magic line")
	}
	if len(lines) != len(names)+1 {
		return bad("has the wrong number of lines")
	}
	fields := map[string]string{}
	for i, name := range names {
		v, ok := strings.CutPrefix(lines[i+1], name+" ")
		if !ok {
			return bad("lacks " + name)
		}
		fields[name] = v
	}
	var ok bool
	if m.Gen, ok = optionalID(fields["gen"]); !ok {
		return bad("has an invalid generation")
	}
	m.Writer, m.Stamp = fields["writer"], fields["stamp"]
	if !validID(m.Writer) || !validID(m.Stamp) {
		return bad("has an invalid writer or stamp")
	}
	if m.Version == 2 {
		var err error
		if m.Epoch, err = strconv.ParseUint(fields["epoch"], 10, 64); err != nil {
			return bad("has an invalid epoch")
		}
		if s := fields["sealed"]; s != "-" {
			l, n, found := strings.Cut(s, " ")
			m.Length, err = strconv.ParseInt(l, 10, 64)
			if !found || err != nil || m.Length < 0 {
				return bad("has an invalid seal")
			}
			if m.Segments, err = strconv.ParseUint(n, 10, 64); err != nil {
				return bad("has an invalid seal")
			}
			m.Sealed = true
		}
		if m.Retired, ok = optionalID(fields["retired"]); !ok {
			return bad("has an invalid retired generation")
		}
	}
	if !bytes.Equal(m.encode(), b) {
		return bad("is not in canonical form")
	}
	return m, nil
}

// optionalID reads an id or "-" (none).
func optionalID(s string) (string, bool) {
	if s == "-" {
		return "", true
	}
	return s, validID(s)
}

// markerObj is a marker as read from the bucket.
type markerObj struct {
	exists bool // the object exists (it may still say "absent")
	m      marker
	raw    []byte
	etag   string
	mod    time.Time
}

// present reports whether the marker makes its name exist.
func (o markerObj) present() bool { return o.exists && o.m.Gen != "" }

// getObject reads a small object whole. A missing object is exists ==
// false, not an error.
func (s *Store) getObject(ctx context.Context, key string) (o markerObj, err error) {
	err = s.do(ctx, "get "+key, func(ctx context.Context) error {
		out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.opts.Bucket, Key: aws.String(key)})
		if err != nil {
			return err
		}
		defer out.Body.Close()
		raw, err := io.ReadAll(io.LimitReader(out.Body, maxMarkerSize+1))
		if err != nil {
			return err
		}
		o = markerObj{exists: true, raw: raw, etag: aws.ToString(out.ETag), mod: aws.ToTime(out.LastModified)}
		return nil
	})
	if isNotFound(err) {
		return markerObj{}, nil
	}
	return o, err
}

// getMarker reads name's marker. A missing object is not an error.
func (s *Store) getMarker(ctx context.Context, name string) (markerObj, error) {
	o, err := s.getObject(ctx, s.markerKey(name))
	if err != nil {
		return o, fmt.Errorf("s3store: get marker of %q: %w", name, err)
	}
	if !o.exists {
		return o, nil
	}
	if o.m, err = decodeMarker(o.raw); err != nil {
		return o, fmt.Errorf("s3store: object %s: %w", s.markerKey(name), err)
	}
	return o, nil
}

// cond is the condition of a write: the ETag the object must still
// have, or, with none, that no object exists.
type cond struct{ ifMatch string }

// putObject writes body at key under c and returns the new ETag, or
// errConflict if someone else's object stood in the way. A failure whose
// retry met this very write, done before its response was lost, is told
// apart by reading the object back: every body the store writes is
// unique.
func (s *Store) putObject(ctx context.Context, key string, body []byte, c cond) (string, error) {
	in := &s3.PutObjectInput{
		Bucket:        &s.opts.Bucket,
		Key:           aws.String(key),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String("text/plain; charset=utf-8"),
		Metadata:      s.meta(),
	}
	if c.ifMatch != "" {
		in.IfMatch = aws.String(c.ifMatch)
	} else {
		in.IfNoneMatch = aws.String("*")
	}
	var etag string
	err := s.do(ctx, "put "+key, func(ctx context.Context) error {
		in.Body = bytes.NewReader(body)
		out, err := s.client.PutObject(ctx, in)
		if err == nil {
			etag = aws.ToString(out.ETag)
		}
		return err
	})
	switch {
	case err == nil && etag != "":
		return etag, nil
	case c.ifMatch != "" && isNotFound(err):
		return "", errConflict // deleted since: AWS answers 404, not 412
	case err == nil, isPrecondition(err):
		o, gerr := s.getObject(ctx, key)
		if gerr != nil {
			return "", fmt.Errorf("s3store: put %s: %w", key, gerr)
		}
		if o.exists && bytes.Equal(o.raw, body) {
			return o.etag, nil
		}
		if err == nil {
			return "", fmt.Errorf("s3store: put %s: no ETag in the response, and the object changed since", key)
		}
		return "", errConflict
	}
	return "", fmt.Errorf("s3store: put %s: %w", key, err)
}

// newMarker returns the marker this writer writes for gen now, sealed
// if gen is known complete.
func (s *Store) newMarker(gen, retired string) marker {
	m := marker{Version: 2, Gen: gen, Writer: s.writerID, Epoch: s.epoch, Retired: retired, Stamp: newID()}
	if sl, ok := s.sealOf(gen); ok && gen != "" {
		m.Sealed, m.Length, m.Segments = true, sl.length, sl.segments
	}
	return m
}

// putMarker writes name's marker naming gen ("" for absent) under c;
// retired names a generation the write stops naming, so that a Lock after
// a crash collects it. It returns the new ETag, or errConflict.
func (s *Store) putMarker(ctx context.Context, name, gen, retired string, c cond) (string, error) {
	etag, err := s.putObject(ctx, s.markerKey(name), s.newMarker(gen, retired).encode(), c)
	if err != nil && err != errConflict {
		return "", fmt.Errorf("s3store: put marker of %q: %w", name, err)
	}
	return etag, err
}

// deleteMarker deletes name's marker: on etag when the server supports
// conditional deletes and etag is known (errConflict if it changed),
// unconditionally otherwise (temporary and archive names).
func (s *Store) deleteMarker(ctx context.Context, name, etag string) error {
	in := &s3.DeleteObjectInput{Bucket: &s.opts.Bucket, Key: aws.String(s.markerKey(name))}
	if etag != "" {
		in.IfMatch = aws.String(etag)
	}
	tries := 0
	err := s.do(ctx, "delete marker", func(ctx context.Context) error {
		tries++
		_, err := s.client.DeleteObject(ctx, in)
		return err
	})
	switch {
	case err == nil:
		return nil
	case etag != "" && (isPrecondition(err) || isNotFound(err)):
		// Gone after a retry: the earlier attempt deleted it and its
		// response was lost. Changed, or gone at the first attempt:
		// someone else's doing.
		if tries > 1 {
			if o, gerr := s.getMarker(ctx, name); gerr == nil && !o.exists {
				return nil
			}
		}
		return errConflict
	}
	return fmt.Errorf("s3store: delete marker of %q: %w", name, err)
}
