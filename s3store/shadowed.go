package s3store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// clockMargin is how far this machine's clock may be from the server's
// (SigV4 refuses requests beyond 15 minutes), so that an object's
// LastModified, a server time, is compared with ours safely.
const clockMargin = 15 * time.Minute

// dropShadowed deletes, for the lock holder reading a file, the merged
// sources a previous writer left (a Close or a crash before their delay
// ended), so that they do not pile up over restarts. It deletes only
// objects whose merged piece was stored more than MergeDeleteDelay plus
// clockMargin ago, so the rule of compact.go holds whoever deletes: no
// listing shorter than that can miss both. Failures are logged: the
// objects read the same, and the next Open tries again.
func (s *Store) dropShadowed(ctx context.Context, gen string, c cover) int {
	cutoff := time.Now().Add(-s.opts.MergeDeleteDelay - clockMargin)
	var ids []types.ObjectIdentifier
	for _, sh := range c.shadowed {
		if sh.since.Before(cutoff) {
			ids = append(ids, types.ObjectIdentifier{Key: aws.String(s.pieceKey(gen, sh.piece))})
		}
	}
	dropped := 0
	for len(ids) > 0 {
		page := ids[:min(len(ids), 1000)]
		ids = ids[len(page):]
		if err := s.deleteObjects(ctx, "delete merged sources left", page); err != nil {
			s.log.Warn("s3store: lock: deleting merged sources left by a previous writer failed; the next Lock retries",
				"generation", gen, "err", err)
			break
		}
		dropped += len(page)
	}
	return dropped
}

// deleteObjects deletes up to 1,000 objects in one request, retried as
// every request is; a key the server could not delete fails it.
func (s *Store) deleteObjects(ctx context.Context, what string, ids []types.ObjectIdentifier) error {
	return s.do(ctx, what, func(ctx context.Context) error {
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
}
