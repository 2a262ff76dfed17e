package suite

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/prevayler-go/prevayler/bench/latproxy"
	"github.com/prevayler-go/prevayler/s3store"
)

// openS3Latency starts the proxy in front of the server (the endpoint's,
// or an in-process gofakes3), a client through it and the bucket; the
// returned function removes what the run wrote and stops them.
func (r *runner) openS3Latency(ctx context.Context, lo S3LatencyOptions) (*s3lat, func(), error) {
	var stops []func()
	cleanup := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	target, server := lo.Endpoint, "S3 server at "+lo.Endpoint
	if target == "" {
		url, stop, err := startFakeS3()
		if err != nil {
			return nil, nil, err
		}
		stops = append(stops, stop)
		target, server = url, "in-process gofakes3 (set PREVAYLER_S3_ENDPOINT for a real server)"
	}
	proxy, err := latproxy.New(target, latproxy.Options{})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	stops = append(stops, func() {
		if err := proxy.Close(); err != nil {
			r.log.Warn("s3latency: close the proxy", "err", err)
		}
	})
	var client *s3.Client
	if lo.Endpoint != "" {
		client, err = s3store.NewClient(ctx, s3store.ClientOptions{Endpoint: proxy.URL(), PathStyle: true})
		if err != nil {
			cleanup()
			return nil, nil, err
		}
	} else {
		client = s3.New(s3.Options{Region: s3store.FallbackRegion, BaseEndpoint: aws.String(proxy.URL()), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider("bench", "bench-secret", "")})
	}
	stamp := strconv.FormatInt(time.Now().UnixNano(), 36)
	run := &s3lat{
		s3run: &s3run{runner: r, raw: client, client: &countingClient{Client: client}, bucket: lo.Bucket,
			prefix: "prevayler-bench-latency/" + stamp + "/"},
		lo: lo, proxy: proxy, server: server,
	}
	if run.bucket == "" {
		run.bucket = "prevayler-bench-" + stamp
		if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &run.bucket}); err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("create bucket: %w", err)
		}
		if lo.Endpoint != "" { // the in-process server's bucket goes with it
			stops = append(stops, func() { proxy.SetLatency(0); run.removeBucket() })
		}
	} else {
		stops = append(stops, func() { proxy.SetLatency(0); run.removePrefix(context.Background()) })
	}
	return run, cleanup, nil
}

// startFakeS3 serves an in-memory gofakes3 on a free loopback port.
func startFakeS3() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("s3latency: listen: %w", err)
	}
	faker := gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog()))
	srv := &http.Server{Handler: faker.Server(), ReadHeaderTimeout: time.Minute}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			srv.Close()
		}
		<-served
	}
	return "http://" + ln.Addr().String(), stop, nil
}
