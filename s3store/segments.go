package s3store

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/uploader"
)

// Object metadata the store writes (S3 lower-cases the names).
const (
	metaWriter = "writer" // writer id of the store that wrote the object
	metaCRC    = "crc32c" // CRC-32C of a segment's bytes, hex
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crcHex(data []byte) string {
	var b [4]byte
	sum := crc32.Checksum(data, castagnoli)
	b[0], b[1], b[2], b[3] = byte(sum>>24), byte(sum>>16), byte(sum>>8), byte(sum)
	return hex.EncodeToString(b[:])
}

// metaGet reads user metadata whatever case the server returned it in.
func metaGet(m map[string]string, name string) string {
	if v, ok := m[name]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// segment is one object of a generation, as listed.
type segment struct {
	seq  uint64
	size int64
	mod  time.Time
}

// putSegment stores segment seq of gen, creating it only if absent, for
// the uploader of a writer. A refused write means the segment exists:
// it is this writer's own earlier attempt whose response was lost (same
// writer id, same CRC: a success), or another writer's tombstone (this
// writer is fenced).
func (s *Store) putSegment(ctx context.Context, writerID, gen string, seq uint64, data []byte) error {
	key := s.segKey(gen, seq)
	sum := crcHex(data)
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        &s.opts.Bucket,
		Key:           &key,
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
		IfNoneMatch:   aws.String("*"),
		Metadata:      map[string]string{metaWriter: writerID, metaCRC: sum},
	})
	if err == nil || !isPrecondition(err) {
		return err
	}
	head, herr := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.opts.Bucket, Key: &key})
	if herr != nil {
		return fmt.Errorf("s3store: segment %s exists, and reading it failed: %w", key, herr)
	}
	writer := metaGet(head.Metadata, metaWriter)
	if writer == writerID && metaGet(head.Metadata, metaCRC) == sum && aws.ToInt64(head.ContentLength) == int64(len(data)) {
		return nil
	}
	if writer == writerID {
		return uploader.Permanent(fmt.Errorf("s3store: segment %s holds other bytes of this writer: %w", key, store.ErrCorrupt))
	}
	return uploader.Permanent(s.fence("segment " + key + " was written by writer " + writer))
}

// listSegments lists the segments of gen in order: the contiguous run of
// data segments from after+1, and whether a tombstone ends it. Tombstones
// may lie further on (fencing that a crash interrupted); a data segment
// after a gap is a missing segment, ErrCorrupt: a writer stores segment
// n+1 only once segment n is stored.
func (s *Store) listSegments(ctx context.Context, gen string, after uint64) (segs []segment, ended bool, err error) {
	prefix := s.segPrefix(gen)
	in := &s3.ListObjectsV2Input{Bucket: &s.opts.Bucket, Prefix: &prefix}
	if after > 0 {
		in.StartAfter = aws.String(s.segKey(gen, after))
	}
	next, gap := after+1, false
	for {
		var out *s3.ListObjectsV2Output
		err := s.do(ctx, "list segments", func(ctx context.Context) error {
			var err error
			out, err = s.client.ListObjectsV2(ctx, in)
			return err
		})
		if err != nil {
			return nil, false, fmt.Errorf("s3store: list segments of generation %s: %w", gen, err)
		}
		for _, o := range out.Contents {
			seq, ok := parseSeq(strings.TrimPrefix(aws.ToString(o.Key), prefix))
			if !ok || seq < next {
				continue // not ours, or before the start: leave it alone
			}
			tomb := aws.ToInt64(o.Size) == 0
			switch {
			case seq == next && !gap && tomb:
				ended, gap = true, true
			case seq == next && !gap:
				segs = append(segs, segment{seq: seq, size: aws.ToInt64(o.Size), mod: aws.ToTime(o.LastModified)})
				next++
			case tomb:
				gap = true
			default:
				return nil, false, fmt.Errorf("s3store: generation %s: segment %d is missing (segment %d exists): %w", gen, next, seq, store.ErrCorrupt)
			}
		}
		if !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
			return segs, ended, nil
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}
