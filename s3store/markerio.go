package s3store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// maxMarkerSize bounds what is read of an object that should be a marker.
const maxMarkerSize = 4 << 10

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

// getMarker reads name's marker. A missing object is not an error.
func (s *Store) getMarker(ctx context.Context, name string) (markerObj, error) {
	var o markerObj
	err := s.do(ctx, "get marker", func(ctx context.Context) error {
		out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.opts.Bucket, Key: aws.String(s.markerKey(name))})
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
	if err != nil {
		return o, fmt.Errorf("s3store: get marker of %q: %w", name, err)
	}
	if o.m, err = decodeMarker(o.raw); err != nil {
		return o, fmt.Errorf("s3store: object %s: %w", s.markerKey(name), err)
	}
	return o, nil
}

// cond is the condition of a marker write: the ETag the marker must
// still have, or, with none, that no marker exists.
type cond struct{ ifMatch string }

// putMarker writes name's marker naming gen ("" for absent) under c. It
// returns the new ETag, or errConflict if the condition failed because
// someone else changed the marker. A failure whose retry meets its own
// earlier, successful write is told apart by reading the marker back: its
// body is unique to this write.
func (s *Store) putMarker(ctx context.Context, name, gen string, c cond) (string, error) {
	body := marker{Gen: gen, Writer: s.writerID, Stamp: newID()}.encode()
	in := &s3.PutObjectInput{
		Bucket:        &s.opts.Bucket,
		Key:           aws.String(s.markerKey(name)),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String("text/plain; charset=utf-8"),
		Metadata:      map[string]string{metaWriter: s.writerID},
	}
	if c.ifMatch != "" {
		in.IfMatch = aws.String(c.ifMatch)
	} else {
		in.IfNoneMatch = aws.String("*")
	}
	var etag string
	err := s.do(ctx, "put marker", func(ctx context.Context) error {
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
		o, gerr := s.getMarker(ctx, name)
		if gerr != nil {
			return "", gerr
		}
		if o.exists && bytes.Equal(o.raw, body) {
			return o.etag, nil
		}
		if err == nil {
			return "", fmt.Errorf("s3store: put marker of %q: no ETag in the response, and the marker changed since", name)
		}
		return "", errConflict
	}
	return "", fmt.Errorf("s3store: put marker of %q: %w", name, err)
}

// deleteMarker deletes the marker of a temporary or archive name.
func (s *Store) deleteMarker(ctx context.Context, name string) error {
	err := s.do(ctx, "delete marker", func(ctx context.Context) error {
		_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.opts.Bucket, Key: aws.String(s.markerKey(name))})
		return err
	})
	if err != nil {
		return fmt.Errorf("s3store: delete marker of %q: %w", name, err)
	}
	return nil
}

// checkLease confirms that the lock object still names this writer. A
// marker written before a successful check is seen by the Lock of any
// later writer (which writes the lock object first, then lists markers),
// and so is fenced by it.
func (s *Store) checkLease(ctx context.Context, op string) error {
	var holder string
	err := s.do(ctx, "head lock", func(ctx context.Context) error {
		out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.opts.Bucket, Key: aws.String(s.lockKey())})
		if err == nil {
			holder = metaGet(out.Metadata, metaWriter)
		}
		return err
	})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("s3store: %s: check lock: %w", op, err)
	}
	if holder != s.writerID {
		return s.fence(op + ": the lock names writer " + holder)
	}
	return nil
}
