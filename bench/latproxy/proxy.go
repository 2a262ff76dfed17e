package latproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"time"
)

// ErrNotLoopback is returned by New for a target outside the machine, and
// by the proxy's dialer for a connection that would leave it.
var ErrNotLoopback = errors.New("latproxy: not a loopback address")

// shutdownTimeout bounds how long Close waits for requests in flight.
const shutdownTimeout = 5 * time.Second

// Options configure a Proxy. The zero value adds no latency.
type Options struct {
	// Latency is added to every request; SetLatency changes it later.
	Latency time.Duration
	// Delay, if set, chooses the latency of each request instead of
	// Latency, from its kind and the request itself (its method, key,
	// headers): slower PUTs than GETs, one slow key, a jittered delay.
	// It is called from the goroutine serving the request.
	Delay func(k Kind, r *http.Request) time.Duration
}

// Proxy forwards requests to one S3-compatible server on the loopback
// interface, after a latency, counting them.
type Proxy struct {
	delay   func(Kind, *http.Request) time.Duration
	latency atomic.Int64 // nanoseconds; used when delay is nil
	counts  counters

	rp     *httputil.ReverseProxy
	tr     *http.Transport
	srv    *http.Server
	url    string
	served chan struct{} // closed when Serve returns
}

// New starts a proxy on a free port of 127.0.0.1 in front of target, the
// base URL of a server on the loopback interface ("http://127.0.0.1:9000").
// Close stops it.
func New(target string, opts Options) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("latproxy: target %q: %w", target, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("latproxy: target %q is not an http(s) base URL", target)
	}
	if !loopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("latproxy: target %q: %w", target, ErrNotLoopback)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("latproxy: listen: %w", err)
	}
	p := &Proxy{delay: opts.Delay, url: "http://" + ln.Addr().String(), served: make(chan struct{})}
	p.latency.Store(int64(opts.Latency))
	p.tr = &http.Transport{
		DialContext:         dialLoopback,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 512,
		IdleConnTimeout:     90 * time.Second,
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			// SigV4 signs the Host header: the server must see the one
			// the client signed.
			pr.Out.Host = pr.In.Host
		},
		Transport: p.tr,
		ErrorLog:  log.New(io.Discard, "", 0), // the client sees the 502
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: time.Minute}
	go func() {
		defer close(p.served)
		p.srv.Serve(ln) // returns http.ErrServerClosed once Close runs
	}()
	return p, nil
}

// URL returns the proxy's base URL, the endpoint clients use.
func (p *Proxy) URL() string { return p.url }

// SetLatency changes the latency added to requests that start from now
// on; a Delay function, if set, takes precedence.
func (p *Proxy) SetLatency(d time.Duration) { p.latency.Store(int64(d)) }

// Latency returns the latency SetLatency or Options.Latency set.
func (p *Proxy) Latency() time.Duration { return time.Duration(p.latency.Load()) }

// Counts returns what the proxy has forwarded since New. Subtract an
// earlier snapshot (Counts.Sub) for one period.
func (p *Proxy) Counts() Counts { return p.counts.snapshot() }

// Close stops accepting requests, waits (at most a few seconds) for those
// in flight, and closes every connection.
func (p *Proxy) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := p.srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, p.srv.Close())
	}
	<-p.served
	p.tr.CloseIdleConnections()
	return err
}

// ServeHTTP counts the request, waits its latency, and forwards it.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !loopbackAddr(r.RemoteAddr) {
		http.Error(w, "latproxy: loopback clients only", http.StatusForbidden)
		return
	}
	k := Classify(r)
	p.counts.kinds[k].Add(1)
	d := p.Latency()
	if p.delay != nil {
		d = p.delay(k, r)
	}
	if d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return // the client is gone: nothing to forward
		}
	}
	if k == Put && r.Body != nil && r.Body != http.NoBody {
		r.Body = &countingBody{ReadCloser: r.Body, n: &p.counts.bytesUp}
	}
	p.rp.ServeHTTP(&countingWriter{ResponseWriter: w, n: &p.counts.bytesDown}, r)
}

// loopbackHost accepts "localhost" and literal loopback addresses.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackAddr accepts a "host:port" whose host is a loopback address.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// dialLoopback dials, then refuses a connection whose peer is not on the
// loopback interface ("localhost" resolved elsewhere).
func dialLoopback(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if !loopbackAddr(c.RemoteAddr().String()) {
		c.Close()
		return nil, fmt.Errorf("latproxy: dial %s reached %s: %w", addr, c.RemoteAddr(), ErrNotLoopback)
	}
	return c, nil
}

// countingBody counts the bytes read from a request body.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// countingWriter counts the bytes of a response body.
type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.n.Add(int64(n))
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer, to
// flush.
func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
