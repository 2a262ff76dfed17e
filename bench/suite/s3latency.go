package suite

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/prevayler-go/prevayler/bench/latproxy"
	"github.com/prevayler-go/prevayler/s3store"
)

// Defaults of S3LatencyOptions.
const (
	DefaultS3LossDuration = 5 * time.Second
	DefaultS3ColdBuild    = 10 * time.Minute
)

// DefaultS3Latencies are the latencies the S3-latency workload adds to
// every request.
var DefaultS3Latencies = []time.Duration{0, 30 * time.Millisecond}

// DefaultS3ColdUploads are the journal lengths, in uploads, of the
// cold-start measurement. 10,000 is selectable: its journals take a
// minute or more to write.
var DefaultS3ColdUploads = []int{1000}

// S3LatencyOptions configure the S3-latency workload: the S3 store behind
// a proxy (package latproxy) that adds a latency to every request and
// counts them.
type S3LatencyOptions struct {
	// Endpoint is an S3-compatible server on the loopback interface; ""
	// starts an in-process gofakes3 server.
	Endpoint string
	// Bucket on Endpoint; "" creates one for the run, removed at the end.
	Bucket string
	// Latencies added to every request, one run of the workload each.
	// Default DefaultS3Latencies.
	Latencies []time.Duration
	// ColdUploads are the uploads of the journals a new Open reads in the
	// cold-start measurement. Default DefaultS3ColdUploads.
	ColdUploads []int
	// ColdBuild bounds the time to write one cold-start journal (at no
	// added latency). Default DefaultS3ColdBuild.
	ColdBuild time.Duration
	// LossDuration is how long the Buffered loss window is sampled.
	// Default DefaultS3LossDuration.
	LossDuration time.Duration
	// SleepTime of the Buffered journal of the loss window; 0: s3store's
	// default, as a user gets it.
	SleepTime time.Duration
	// CompareInflight are other values of s3store.Options.MaxInflight
	// measured beside the default in the same rounds, to show what the
	// default buys (the default is one upload in flight).
	CompareInflight []int
}

func (o S3LatencyOptions) withDefaults() S3LatencyOptions {
	if len(o.Latencies) == 0 {
		o.Latencies = DefaultS3Latencies
	}
	if len(o.ColdUploads) == 0 {
		o.ColdUploads = DefaultS3ColdUploads
	}
	if o.ColdBuild <= 0 {
		o.ColdBuild = DefaultS3ColdBuild
	}
	if o.LossDuration <= 0 {
		o.LossDuration = DefaultS3LossDuration
	}
	return o
}

// S3LatencyResults are the S3-latency workload's measurements.
type S3LatencyResults struct {
	Server string // which S3 server was behind the proxy
	Runs   []S3LatencyRun
}

// S3LatencyRun is everything measured at one added latency.
type S3LatencyRun struct {
	Latency time.Duration // added to every request
	// RoundTrip is the median time of one small PUT alone through the
	// proxy: the added latency plus the server's own time.
	RoundTrip time.Duration
	Points    []S3LatencyPoint
	Loss      *S3Loss
	Cold      []S3Cold
}

// S3LatencyPoint compares Durable transfers at one concurrency with the
// ideal probe and the limit.
type S3LatencyPoint struct {
	Callers int
	Durable Point // prevayler Durable on s3store
	// Probe is the ideal one-upload-in-flight group commit, raw: callers
	// queue 24-byte records, one PUT of everything queued is in flight at
	// a time, and each caller returns when the PUT holding its record
	// does.
	Probe Point
	// Limit is c / RoundTrip: c callers each waiting for one request.
	Limit float64
	// Requests are those of the Durable windows, warm-ups included.
	Requests          latproxy.Counts
	Events            int64 // transfers acknowledged over the same windows
	PutsPerEvent      float64
	ProbePutsPerEvent float64
	// Inflight is the store's MaxInflight of Durable; Others the same
	// transfers with the other MaxInflight values of CompareInflight.
	Inflight int
	Others   []S3InflightPoint
}

// S3InflightPoint is Durable with another MaxInflight, measured in the
// same rounds.
type S3InflightPoint struct {
	Inflight     int
	Durable      Point
	Requests     latproxy.Counts
	Events       int64
	PutsPerEvent float64
}

// S3Loss is the Buffered loss window: for each sampled event, the time
// from Handle's return to the moment the store had stored it.
type S3Loss struct {
	SleepTime time.Duration
	Samples   int
	Mean      time.Duration
	P50       time.Duration
	P99       time.Duration
	Max       time.Duration
}

// S3Cold is a new Open of a journal after a number of uploads.
type S3Cold struct {
	// Uploads are the segments uploaded before the journal was opened
	// again: one per Durable transfer, made one at a time. Puts are all
	// the PUTs of that build, compaction's merges included.
	Uploads int
	Puts    int64
	Events  int64 // Durable transfers those uploads hold
	Build   time.Duration
	// Open is the time of prevayler.Open; Requests the requests it made.
	Open     time.Duration
	Requests latproxy.Counts
	// After are the requests after Open returned, until none came for a
	// while: background work Open started.
	After latproxy.Counts
}

// s3lat is one run of the workload: the proxy, a client through it.
type s3lat struct {
	*s3run
	lo     S3LatencyOptions
	proxy  *latproxy.Proxy
	server string
}

func (r *runner) runS3Latency(ctx context.Context) {
	if r.o.S3Latency == nil {
		return
	}
	if err := r.s3Latency(ctx); err != nil {
		r.fail("s3latency", err)
	}
}

func latName(d time.Duration) string {
	if d%time.Millisecond == 0 {
		return fmt.Sprintf("%dms", d/time.Millisecond)
	}
	return d.String()
}

func (r *runner) s3Latency(ctx context.Context) error {
	lo := r.o.S3Latency.withDefaults()
	// Nothing to set up when -only selects none of the workload's points.
	points := []string{"loss"}
	for _, c := range r.o.Callers {
		points = append(points, fmt.Sprintf("durable/%d", c))
	}
	for _, u := range lo.ColdUploads {
		points = append(points, fmt.Sprintf("cold/%d", u))
	}
	if !slices.ContainsFunc(lo.Latencies, func(lat time.Duration) bool {
		return slices.ContainsFunc(points, func(n string) bool { return r.o.selected("s3latency/" + latName(lat) + "/" + n) })
	}) {
		return nil
	}
	run, cleanup, err := r.openS3Latency(ctx, lo)
	if err != nil {
		return err
	}
	defer cleanup()
	res := &S3LatencyResults{Server: run.server}
	r.res.S3Latency = res
	for _, lat := range lo.Latencies {
		name := "s3latency/" + latName(lat)
		run.proxy.SetLatency(lat)
		lr := S3LatencyRun{Latency: lat}
		if lr.RoundTrip, err = run.roundTrip(ctx, name); err != nil {
			r.fail(name+"/round-trip", err)
			continue
		}
		r.log.Info("s3latency", "latency", lat, "round_trip", lr.RoundTrip)
		if err := run.durable(ctx, name, &lr); err != nil {
			r.fail(name+"/durable", err)
		}
		if r.o.selected(name + "/loss") {
			loss, err := run.loss(ctx, name)
			if err != nil {
				r.fail(name+"/loss", err)
			} else {
				lr.Loss = &loss
				r.log.Info("s3latency", "latency", lat, "loss_p50", loss.P50, "loss_max", loss.Max, "samples", loss.Samples)
			}
		}
		for _, n := range lo.ColdUploads {
			cname := fmt.Sprintf("%s/cold/%d", name, n)
			if !r.o.selected(cname) {
				continue
			}
			c, err := run.cold(ctx, cname, n, lat)
			if err != nil {
				r.fail(cname, err)
				continue
			}
			lr.Cold = append(lr.Cold, c)
			r.log.Info("s3latency", "latency", lat, "cold_uploads", c.Uploads, "open", c.Open, "requests", c.Requests.Requests(), "after", c.After.Requests())
		}
		res.Runs = append(res.Runs, lr)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

func (run *s3lat) store(name string) *s3store.Store {
	return run.storeWith(name, s3store.Options{})
}

// storeWith is store with other options; Bucket and Key are set.
func (run *s3lat) storeWith(name string, opts s3store.Options) *s3store.Store {
	opts.Bucket, opts.Key = run.bucket, run.prefix+name+"/journal"
	return s3store.New(run.client, opts)
}

func addCounts(a, b latproxy.Counts) latproxy.Counts {
	return latproxy.Counts{Put: a.Put + b.Put, Get: a.Get + b.Get, List: a.List + b.List, Delete: a.Delete + b.Delete,
		Head: a.Head + b.Head, Other: a.Other + b.Other, BytesUp: a.BytesUp + b.BytesUp, BytesDown: a.BytesDown + b.BytesDown}
}
