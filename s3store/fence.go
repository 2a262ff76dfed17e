package s3store

import (
	"bytes"
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Fencing a generation: a tombstone (an empty segment) right after the
// last data segment. The previous writer stores segment n+1 only after
// segment n, with If-None-Match, so once a tombstone follows the data it
// can store nothing more there.
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
func (s *Store) tombstone(ctx context.Context, gen string) error {
	var known uint64 // data segments 1..known are listed
	window := uint64(firstWindow)
	for range maxRounds {
		segs, ended, err := s.listSegments(ctx, gen, known)
		if err != nil || ended {
			return err
		}
		known += uint64(len(segs))
		first := known + 1
		err = s.forEachIndex(ctx, int(window), func(ctx context.Context, i int) error {
			return s.putTombstone(ctx, gen, first+uint64(i))
		})
		if err != nil {
			return fmt.Errorf("s3store: fence generation %s: %w", gen, err)
		}
		window = min(2*window, maxWindow)
	}
	return fmt.Errorf("s3store: fence generation %s: the previous writer keeps appending", gen)
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
			Metadata:      map[string]string{metaWriter: s.writerID},
		})
		return err
	})
	if err == nil || isPrecondition(err) {
		return nil
	}
	return err
}
