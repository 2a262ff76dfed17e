package s3store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// collect deletes every object of the given generations, which no marker
// names any more. A crash halfway leaves a generation that the next
// Lock's collection finishes.
func (s *Store) collect(ctx context.Context, gens []string) error {
	return s.forEach(ctx, gens, s.deleteGeneration)
}

// deleteGeneration deletes one generation's objects, a page at a time.
func (s *Store) deleteGeneration(ctx context.Context, gen string) error {
	prefix := s.segPrefix(gen)
	in := &s3.ListObjectsV2Input{Bucket: &s.opts.Bucket, Prefix: &prefix}
	for {
		var out *s3.ListObjectsV2Output
		err := s.do(ctx, "list generation", func(ctx context.Context) error {
			var err error
			out, err = s.client.ListObjectsV2(ctx, in)
			return err
		})
		if err != nil {
			return fmt.Errorf("s3store: collect generation %s: %w", gen, err)
		}
		if len(out.Contents) == 0 {
			return nil
		}
		ids := make([]types.ObjectIdentifier, len(out.Contents))
		for i, o := range out.Contents {
			ids[i] = types.ObjectIdentifier{Key: o.Key}
		}
		err = s.do(ctx, "delete generation", func(ctx context.Context) error {
			res, err := s.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
				Bucket: &s.opts.Bucket,
				Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
			})
			if err == nil && len(res.Errors) > 0 {
				e := res.Errors[0]
				return fmt.Errorf("delete %s: %s: %s", aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message))
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("s3store: collect generation %s: %w", gen, err)
		}
		s.log.Debug("s3store: collected", "generation", gen, "objects", len(ids))
		// Listing again from the start: the deleted keys are gone.
	}
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
