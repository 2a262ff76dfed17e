package s3store

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// probeSuffix: <Key>.probe/<id>, written and deleted by the first Lock
// of a Store to learn what the server does with conditional requests;
// a key of its own, so that concurrent Locks do not meet, and under a
// slash, so that the listing of markers does not show a crash's leftover.
const probeSuffix = ".probe/"

// bogusETag matches no object: a condition on it must be refused.
const bogusETag = `"00000000000000000000000000000000"`

// probe checks, once per Store, that the server refuses conditional
// writes whose condition fails (fencing depends on it: a server or proxy
// that drops If-None-Match or If-Match is refused with
// ErrNoConditionalWrites), and whether it honours DeleteObject with
// If-Match (then Journal and Backup markers are deleted when their file
// is, as the files are; otherwise they say "-"). Five requests.
func (s *Store) probe(ctx context.Context) error {
	if s.probed {
		return nil
	}
	key := s.key + probeSuffix + newID()
	put := func(c string, match bool) (string, error) {
		in := &s3.PutObjectInput{Bucket: &s.opts.Bucket, Key: &key, ContentLength: aws.Int64(32), Metadata: s.meta()}
		switch {
		case c != "" && match:
			in.IfMatch = aws.String(c)
		case c != "":
			in.IfNoneMatch = aws.String(c)
		}
		var etag string
		err := s.do(ctx, "probe", func(ctx context.Context) error {
			in.Body = bytes.NewReader([]byte(newID()))
			out, err := s.client.PutObject(ctx, in)
			if err == nil {
				etag = aws.ToString(out.ETag)
			}
			return err
		})
		return etag, err
	}
	del := func(ifMatch string) error {
		in := &s3.DeleteObjectInput{Bucket: &s.opts.Bucket, Key: &key}
		if ifMatch != "" {
			in.IfMatch = aws.String(ifMatch)
		}
		return s.do(ctx, "probe", func(ctx context.Context) error {
			_, err := s.client.DeleteObject(ctx, in)
			return err
		})
	}
	etag, err := put("", false)
	if err != nil {
		return fmt.Errorf("s3store: lock: probe conditional writes: %w", err)
	}
	if _, err := put("*", false); !refused(err) {
		del("")
		return fmt.Errorf("s3store: lock: PutObject with If-None-Match: * over an existing object was not refused (%v): %w", err, ErrNoConditionalWrites)
	}
	if _, err := put(bogusETag, true); !refused(err) {
		del("")
		return fmt.Errorf("s3store: lock: PutObject with If-Match on a wrong ETag was not refused (%v): %w", err, ErrNoConditionalWrites)
	}
	err = del(bogusETag)
	switch {
	case refused(err):
		s.condDelete = true
		err = del(etag)
	case err == nil:
		// Ignored: the object is gone.
	default:
		// Refused as not implemented, or not understood.
		s.log.Debug("s3store: the server refuses DeleteObject with If-Match", "err", err)
		err = del("")
	}
	if err != nil {
		return fmt.Errorf("s3store: lock: delete %s: %w", key, err)
	}
	s.probed = true
	s.log.Debug("s3store: probed the server", "conditional_delete", s.condDelete)
	return nil
}

// refused reports a conditional request turned down for its condition.
func refused(err error) bool {
	return isPrecondition(err) || statusOf(err) == http.StatusConflict
}
