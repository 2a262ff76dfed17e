package s3store

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/uploader"
)

// Object metadata the store writes (S3 lower-cases the names).
const (
	metaWriter = "writer" // writer id of the store that wrote the object
	metaEpoch  = "epoch"  // its writer epoch, decimal
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

// putSegment stores segment seq of gen, creating it only if absent, for
// the uploader of a writer. A refused write means the segment exists:
// it is this writer's own earlier attempt whose response was lost (same
// writer id, same CRC: a success), or another writer's tombstone (this
// writer is fenced). An error that retrying cannot cure (access denied,
// no such bucket) is uploader.Permanent, so that the uploader stops at
// once instead of hiding it.
func (s *Store) putSegment(ctx context.Context, writerID string, meta map[string]string, gen string, seq uint64, data []byte) error {
	key := s.segKey(gen, seq)
	sum := crcHex(data)
	md := map[string]string{metaCRC: sum}
	for k, v := range meta {
		md[k] = v
	}
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        &s.opts.Bucket,
		Key:           &key,
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
		IfNoneMatch:   aws.String("*"),
		Metadata:      md,
	})
	if err == nil {
		return nil
	}
	if !isPrecondition(err) {
		if !isTransient(context.Background(), err) {
			return uploader.Permanent(fmt.Errorf("s3store: put segment %s: %w", key, err))
		}
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
	return uploader.Permanent(s.fence(fmt.Sprintf("segment %s was written by writer %s epoch %s", key, writer, metaGet(head.Metadata, metaEpoch))))
}

// Fencing a generation: a tombstone (an empty segment) right after the
// last data segment. The previous writer creates every segment with
// If-None-Match, and counts segment n as stored only once it and every
// earlier one are, so once a tombstone takes the first number it has not
// stored, nothing it stores after it is ever acknowledged or read, as
// long as the tombstone exists: which is why collection never deletes
// tombstones.
const (
	firstWindow = 1    // tombstones in the first round: enough unless a writer is busy
	maxWindow   = 1024 // the most in one round
	maxRounds   = 30
)

// tombstone ends gen. A writer still appending may take the next numbers
// before the tombstones land; each round therefore covers a window of
// numbers after the last data segment seen, twice as wide as the round
// before, until one lands right after the data. Every number in a window
// gets a tombstone unless the writer took it, so no gap is left that the
// writer could fill later.
//
// It returns the generation's cover, ended: the bytes that are its for
// ever.
func (s *Store) tombstone(ctx context.Context, gen string) (cover, error) {
	window := uint64(firstWindow)
	for range maxRounds {
		c, err := s.listCover(ctx, gen)
		if err != nil || c.ended {
			return c, err
		}
		first := c.end + 1
		err = s.forEachIndex(ctx, int(window), func(ctx context.Context, i int) error {
			return s.putTombstone(ctx, gen, first+uint64(i))
		})
		if err != nil {
			return cover{}, fmt.Errorf("s3store: fence generation %s: %w", gen, err)
		}
		window = min(2*window, maxWindow)
	}
	return cover{}, fmt.Errorf("s3store: fence generation %s: the previous writer keeps appending", gen)
}

// putTombstone writes an empty segment at seq unless a segment is there:
// the previous writer's, or this very tombstone after a lost response.
func (s *Store) putTombstone(ctx context.Context, gen string, seq uint64) error {
	key := s.segKey(gen, seq)
	err := s.do(ctx, "put tombstone", func(ctx context.Context) error {
		_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket:        &s.opts.Bucket,
			Key:           &key,
			Body:          bytes.NewReader(nil),
			ContentLength: aws.Int64(0),
			IfNoneMatch:   aws.String("*"),
			Metadata:      s.meta(),
		})
		return err
	})
	if err == nil || isPrecondition(err) {
		return nil
	}
	return err
}

// collect deletes the data segments of the given generations, which no
// marker names any more. A crash halfway leaves a generation that a
// marker records as retired, and the next Lock finishes it.
func (s *Store) collect(ctx context.Context, gens []string) error {
	return s.forEach(ctx, gens, s.deleteGeneration)
}

// deleteGeneration deletes one generation's data segments, a thousand
// at a time, the last ones first. Its tombstones stay, for ever: a fenced writer, however long it
// was frozen, finds its next segment number taken, where a deleted
// tombstone would let it store an event no one reads again. They are
// empty objects, and nothing lists a collected generation again.
func (s *Store) deleteGeneration(ctx context.Context, gen string) error {
	prefix := s.segPrefix(gen)
	in := &s3.ListObjectsV2Input{Bucket: &s.opts.Bucket, Prefix: &prefix}
	var ids []types.ObjectIdentifier
	err := s.listAll(ctx, in, func(out *s3.ListObjectsV2Output) error {
		for _, o := range out.Contents {
			if aws.ToInt64(o.Size) > 0 {
				ids = append(ids, types.ObjectIdentifier{Key: o.Key})
			}
		}
		return nil
	})
	// The last segments first: a crash halfway leaves a shorter file, never
	// a gap, which would read as corrupt.
	for len(ids) > 0 && err == nil {
		page := ids[max(len(ids)-1000, 0):]
		ids = ids[:len(ids)-len(page)]
		err = s.deleteObjects(ctx, "delete generation", page)
		s.log.Debug("s3store: collected", "generation", gen, "objects", len(page))
	}
	if err != nil {
		return fmt.Errorf("s3store: collect generation %s: %w", gen, err)
	}
	return nil
}

// collectIfUnreferenced deletes gen once no file of this writer names it.
// Called with op held, after the marker that named it was changed.
func (s *Store) collectIfUnreferenced(ctx context.Context, gen string) {
	if gen == "" {
		return
	}
	s.mu.Lock()
	for _, f := range s.files {
		if f.gen == gen {
			s.mu.Unlock()
			return
		}
	}
	s.mu.Unlock()
	if err := s.deleteGeneration(ctx, gen); err != nil {
		s.log.Warn("s3store: removing an unreferenced generation failed; the next Lock retries", "generation", gen, "err", err)
	}
}
