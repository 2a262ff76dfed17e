package s3store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

// Importing the package makes store.Open understand "s3" URLs.
func init() { store.Register("s3", openURL) }

// URL parameters of the "s3" scheme.
const (
	paramRegion      = "region"       // ClientOptions.Region
	paramEndpoint    = "endpoint"     // ClientOptions.Endpoint (implies path-style)
	paramProfile     = "profile"      // ClientOptions.Profile
	paramPathStyle   = "pathstyle"    // ClientOptions.PathStyle: true or false
	paramSleep       = "sleep"        // Options.SleepTime: a Go duration, "500ms"
	paramBuffer      = "buffer"       // Options.MaxBuffer: bytes, "67108864" or "64MiB"
	paramConcurrency = "concurrency"  // Options.Concurrency
	paramInflight    = "inflight"     // Options.MaxInflight
	paramAttempts    = "attempts"     // Options.Retry.Attempts
	paramTimeout     = "timeout"      // Options.Retry.Timeout: a Go duration
	paramFailAfter   = "failafter"    // Options.FailAfter: a Go duration
	paramClose       = "closetimeout" // Options.CloseTimeout: a Go duration
	paramPoll        = "poll"         // Options.PollInterval: a Go duration
	paramRefresh     = "tailrefresh"  // Options.TailRefresh: a Go duration
)

var urlParams = []string{
	paramRegion, paramEndpoint, paramProfile, paramPathStyle,
	paramSleep, paramBuffer, paramConcurrency, paramInflight, paramAttempts, paramTimeout,
	paramFailAfter, paramClose, paramPoll, paramRefresh,
}

// ParseURL returns the options an "s3" URL names:
//
//	s3://BUCKET/KEY?param=value&...
//
// KEY is Options.Key ("apps/bank/journal"; DefaultKey when the path is
// empty). The parameters, all optional:
//
//	region=eu-west-1          ClientOptions.Region
//	endpoint=http://host:port ClientOptions.Endpoint, path-style addressing
//	profile=NAME              ClientOptions.Profile
//	pathstyle=true            ClientOptions.PathStyle
//	sleep=500ms               Options.SleepTime
//	buffer=64MiB              Options.MaxBuffer (bytes; KiB, MiB, GiB allowed)
//	concurrency=8             Options.Concurrency
//	inflight=4                Options.MaxInflight
//	attempts=8                Options.Retry.Attempts
//	timeout=1m                Options.Retry.Timeout
//	failafter=20s             Options.FailAfter
//	closetimeout=10s          Options.CloseTimeout
//	poll=2s                   Options.PollInterval (a follower's check)
//	tailrefresh=30s           Options.TailRefresh
//
// Credentials never go in the URL: they come from the standard AWS
// configuration, as NewClient loads it. An unknown parameter or an invalid
// value is an error naming it.
func ParseURL(u *url.URL) (Options, ClientOptions, error) {
	var opts Options
	var copts ClientOptions
	if !strings.EqualFold(u.Scheme, "s3") {
		return opts, copts, fmt.Errorf("scheme %q is not s3", u.Scheme)
	}
	if err := store.CheckParams(u, urlParams...); err != nil {
		return opts, copts, err
	}
	switch {
	case u.Opaque != "":
		return opts, copts, errors.New("an s3 URL starts with s3://BUCKET/")
	case u.User != nil:
		return opts, copts, errors.New("an s3 URL carries no credentials: they come from the AWS configuration")
	case u.Host == "":
		return opts, copts, errors.New("an s3 URL names no bucket: s3://BUCKET/KEY")
	case u.Port() != "" || strings.Contains(u.Host, ":"):
		return opts, copts, fmt.Errorf("bucket %q holds a port: give the server with endpoint=", u.Host)
	case u.Fragment != "":
		return opts, copts, fmt.Errorf("unexpected fragment %q in an s3 URL", u.Fragment)
	}
	opts.Bucket = u.Host
	opts.Key = strings.TrimPrefix(u.Path, "/")

	q := u.Query()
	var err error
	copts.Region = q.Get(paramRegion)
	copts.Profile = q.Get(paramProfile)
	if e := q.Get(paramEndpoint); e != "" {
		eu, perr := url.Parse(e)
		if perr != nil || (eu.Scheme != "http" && eu.Scheme != "https") || eu.Host == "" {
			return opts, copts, fmt.Errorf("parameter endpoint=%q: want http://host:port or https://host", e)
		}
		copts.Endpoint = e
	}
	if v := q.Get(paramPathStyle); v != "" {
		if copts.PathStyle, err = strconv.ParseBool(v); err != nil {
			return opts, copts, fmt.Errorf("parameter pathstyle=%q: want true or false", v)
		}
	}
	if opts.SleepTime, err = durationParam(q, paramSleep); err != nil {
		return opts, copts, err
	}
	if opts.Retry.Timeout, err = durationParam(q, paramTimeout); err != nil {
		return opts, copts, err
	}
	if opts.FailAfter, err = durationParam(q, paramFailAfter); err != nil {
		return opts, copts, err
	}
	if opts.CloseTimeout, err = durationParam(q, paramClose); err != nil {
		return opts, copts, err
	}
	if opts.PollInterval, err = durationParam(q, paramPoll); err != nil {
		return opts, copts, err
	}
	if opts.TailRefresh, err = durationParam(q, paramRefresh); err != nil {
		return opts, copts, err
	}
	if v := q.Get(paramBuffer); v != "" {
		if opts.MaxBuffer, err = parseBytes(v); err != nil {
			return opts, copts, fmt.Errorf("parameter buffer=%q: %w", v, err)
		}
	}
	if opts.Concurrency, err = countParam(q, paramConcurrency); err != nil {
		return opts, copts, err
	}
	if opts.MaxInflight, err = countParam(q, paramInflight); err != nil {
		return opts, copts, err
	}
	if opts.Retry.Attempts, err = countParam(q, paramAttempts); err != nil {
		return opts, copts, err
	}
	return opts, copts, nil
}

// openURL is the store.Opener of the "s3" scheme.
func openURL(ctx context.Context, u *url.URL) (store.Store, error) {
	opts, copts, err := ParseURL(u)
	if err != nil {
		return nil, err
	}
	// New defers configuration errors to the first call; a URL is checked
	// at once, where the user can still see which one it was.
	if _, err := opts.withDefaults(); err != nil {
		return nil, err
	}
	client, err := NewClient(ctx, copts)
	if err != nil {
		return nil, err
	}
	return New(client, opts), nil
}

func durationParam(q url.Values, name string) (time.Duration, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("parameter %s=%q: want a positive duration such as 500ms or 2s", name, v)
	}
	return d, nil
}

func countParam(q url.Values, name string) (int, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("parameter %s=%q: want a positive integer", name, v)
	}
	return n, nil
}

// parseBytes reads a positive size: a number of bytes, optionally followed
// by KiB, MiB or GiB (or K, M, G, the same powers of two).
func parseBytes(s string) (int, error) {
	units := []struct {
		suffix string
		shift  uint
	}{{"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"K", 10}, {"M", 20}, {"G", 30}}
	num, shift := s, uint(0)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			num, shift = strings.TrimSuffix(s, u.suffix), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("want a positive size such as 67108864 or 64MiB")
	}
	if n > (1<<62)>>shift || n<<shift > int64(^uint(0)>>1) {
		return 0, errors.New("size too large")
	}
	return int(n << shift), nil
}
