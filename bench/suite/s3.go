package suite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/bench/bank"
	"github.com/prevayler-go/prevayler/bench/harness"
	"github.com/prevayler-go/prevayler/examples/bank/model"
	"github.com/prevayler-go/prevayler/s3store"
)

// DefaultS3RecoveryEvents is the journal length of the S3 recovery
// measurement.
const DefaultS3RecoveryEvents = 100_000

// S3Options configure the S3 workload.
type S3Options struct {
	Endpoint string // S3-compatible server; "" uses the AWS configuration alone
	Bucket   string // "" creates a bucket for the run, removed at the end
	// RecoveryEvents is the journal length of the recovery measurement.
	// Default DefaultS3RecoveryEvents.
	RecoveryEvents int
	// SleepTime is the Buffered upload interval of s3store; 0 its default.
	SleepTime time.Duration
}

// S3Point is a transfer point on the S3 store, with what it uploaded.
type S3Point struct {
	Point
	Uploads       int64   // PUTs from the warm-up to Close, which uploads the rest
	UploadsPerSec float64 // Uploads over the same time
	BytesPerEvent float64 // bytes PUT over the same time per transfer
}

// S3Results are the S3 workload's measurements.
type S3Results struct {
	Endpoint        string
	Bucket          string
	Durable         []S3Point
	Buffered        []S3Point
	RecoveryEvents  int
	RecoveryBytes   int64 // bytes PUT to write the recovered journal
	Recovery        time.Duration
	RecoveryPerSec  float64
	RecoverySegment int64 // segments downloaded
}

// countingClient counts the requests the store makes.
type countingClient struct {
	s3store.Client
	puts, putBytes, gets atomic.Int64
}

func (c *countingClient) PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	out, err := c.Client.PutObject(ctx, in, opts...)
	if err == nil {
		c.puts.Add(1)
		c.putBytes.Add(aws.ToInt64(in.ContentLength))
	}
	return out, err
}

func (c *countingClient) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	c.gets.Add(1)
	return c.Client.GetObject(ctx, in, opts...)
}

type s3run struct {
	*runner
	o      S3Options
	raw    *s3.Client
	client *countingClient
	bucket string
	prefix string
}

func (r *runner) runS3(ctx context.Context) {
	if r.o.S3 == nil {
		return
	}
	if err := r.s3(ctx); err != nil {
		r.fail("s3", err)
	}
}

func (r *runner) s3(ctx context.Context) error {
	o := *r.o.S3
	if o.RecoveryEvents <= 0 {
		o.RecoveryEvents = DefaultS3RecoveryEvents
	}
	raw, err := s3store.NewClient(ctx, s3store.ClientOptions{Endpoint: o.Endpoint, PathStyle: o.Endpoint != ""})
	if err != nil {
		return err
	}
	run := &s3run{runner: r, o: o, raw: raw, client: &countingClient{Client: raw}, bucket: o.Bucket,
		prefix: "prevayler-bench/" + strconv.FormatInt(time.Now().UnixNano(), 36) + "/"}
	if run.bucket == "" {
		run.bucket = "prevayler-bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		if _, err := raw.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &run.bucket}); err != nil {
			return fmt.Errorf("create bucket: %w", err)
		}
		defer run.removeBucket()
	} else {
		defer run.removePrefix(context.WithoutCancel(ctx))
	}
	res := &S3Results{Endpoint: o.Endpoint, Bucket: run.bucket}
	r.res.S3 = res
	for _, durable := range []bool{true, false} {
		mode := "s3/" + Buffered
		if durable {
			mode = "s3/" + Durable
		}
		for _, c := range r.o.Callers {
			name := fmt.Sprintf("%s/%d", mode, c)
			if !r.o.selected(name) {
				continue
			}
			p, err := run.point(ctx, mode, durable, c)
			if err != nil {
				r.fail(name, err)
				continue
			}
			if durable {
				res.Durable = append(res.Durable, p)
			} else {
				res.Buffered = append(res.Buffered, p)
			}
			r.log.Info("s3", "mode", mode, "callers", c, "per_s", int(p.Throughput), "p50", p.P50, "p99", p.P99,
				"uploads_per_s", fmt.Sprintf("%.1f", p.UploadsPerSec), "bytes_per_event", fmt.Sprintf("%.1f", p.BytesPerEvent))
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	if r.o.selected("s3/recovery") {
		if err := run.recovery(ctx, res); err != nil {
			r.fail("s3/recovery", err)
		} else {
			r.log.Info("s3", "recovery", res.Recovery, "events", res.RecoveryEvents, "per_s", int(res.RecoveryPerSec))
		}
	}
	return nil
}

func (run *s3run) store(name string) *s3store.Store {
	return s3store.New(run.client, s3store.Options{Bucket: run.bucket, Key: run.prefix + name + "/journal", SleepTime: run.o.SleepTime})
}

// point measures transfers from c callers on a fresh journal.
func (run *s3run) point(ctx context.Context, mode string, durable bool, c int) (S3Point, error) {
	st := run.store(fmt.Sprintf("%s-%d", mode[len("s3/"):], c))
	b, err := bank.OpenPrevaylerOn(ctx, st, durable, model.Handle, model.New(run.runner.o.Accounts, run.runner.o.Initial))
	if err != nil {
		return S3Point{}, err
	}
	defer b.Close()
	var events atomic.Int64
	inner := transferOp(b, run.runner.o.Accounts, DefaultMaxAmount)
	op := func(ctx context.Context, caller int, rng *rand.Rand) error {
		err := inner(ctx, caller, rng)
		if err == nil {
			events.Add(1)
		}
		return err
	}
	puts0, bytes0 := run.client.puts.Load(), run.client.putBytes.Load()
	start := time.Now()
	stop := run.profile(fmt.Sprintf("%s/%d", mode, c))
	res, err := harness.Loop{Callers: c, Warmup: run.runner.o.Warmup, Duration: run.runner.o.Duration, Seed: uint64(c)}.Run(ctx, op)
	stop()
	if err != nil {
		return S3Point{}, err
	}
	if total, err := b.Total(ctx); err != nil || total != int64(run.runner.o.Accounts)*run.runner.o.Initial {
		return S3Point{}, fmt.Errorf("balance total %d, %v", total, err)
	}
	// Close uploads what Buffered mode still holds: it counts as the
	// run's, as every event of the run is then stored.
	if err := b.Close(); err != nil {
		return S3Point{}, err
	}
	wall := time.Since(start)
	puts, bytes := run.client.puts.Load()-puts0, run.client.putBytes.Load()-bytes0
	p := S3Point{Point: pointOf(mode, bank.Prevayler, res), Uploads: puts, UploadsPerSec: float64(puts) / wall.Seconds()}
	if n := events.Load(); n > 0 {
		p.BytesPerEvent = float64(bytes) / float64(n)
	}
	return p, nil
}

// recovery writes a journal of RecoveryEvents transfers, then times how
// long a new instance takes to rebuild the state from the bucket alone.
func (run *s3run) recovery(ctx context.Context, res *S3Results) error {
	n := run.o.RecoveryEvents
	accounts := run.runner.o.Accounts
	bytes0 := run.client.putBytes.Load()
	if _, err := generateInto(ctx, run.store("recovery"), func(b model.Bank, _ model.Transfer, at time.Time) (model.Bank, model.Receipt, error) {
		b.Transfers++
		return b, model.Receipt{}, nil
	}, model.New(accounts, DefaultInitial), accounts, n); err != nil {
		return fmt.Errorf("write the journal: %w", err)
	}
	res.RecoveryBytes = run.client.putBytes.Load() - bytes0
	gets0 := run.client.gets.Load()
	start := time.Now()
	p, err := prevayler.Open(ctx, model.Handle, prevayler.Options[model.Bank]{Store: run.store("recovery")})
	res.Recovery = time.Since(start)
	if err != nil {
		return err
	}
	defer p.Close()
	res.RecoverySegment = run.client.gets.Load() - gets0
	res.RecoveryEvents = n
	res.RecoveryPerSec = float64(n) / res.Recovery.Seconds()
	if got := p.State().Transfers; got != int64(n) {
		return fmt.Errorf("recovered %d transfers, the journal holds %d", got, n)
	}
	return p.Close()
}

// removePrefix deletes every object this run wrote to a bucket it did not
// create.
func (run *s3run) removePrefix(ctx context.Context) {
	pg := s3.NewListObjectsV2Paginator(run.raw, &s3.ListObjectsV2Input{Bucket: &run.bucket, Prefix: &run.prefix})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			run.log.Warn("s3 cleanup", "err", err)
			return
		}
		if len(page.Contents) == 0 {
			continue
		}
		var ids []types.ObjectIdentifier
		for _, obj := range page.Contents {
			ids = append(ids, types.ObjectIdentifier{Key: obj.Key})
		}
		if _, err := run.raw.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &run.bucket, Delete: &types.Delete{Objects: ids}}); err != nil {
			run.log.Warn("s3 cleanup", "err", err)
			return
		}
	}
}

func (run *s3run) removeBucket() {
	ctx := context.Background()
	run.removePrefix(ctx)
	if _, err := run.raw.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &run.bucket}); err != nil {
		var nf *types.NoSuchBucket
		if !errors.As(err, &nf) {
			run.log.Warn("s3 cleanup", "err", err)
		}
	}
}
