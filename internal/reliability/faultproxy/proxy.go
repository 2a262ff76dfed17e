package faultproxy

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Options configure a Proxy. The zero value means the defaults.
type Options struct {
	// Latency is the delay of a Latency fault. Default 50ms.
	Latency time.Duration
	// Late is how long a Late request keeps the client waiting before the
	// connection is reset and the request forwarded. Set it longer than
	// the client's per-attempt timeout. Default 500ms.
	Late time.Duration
}

// Proxy forwards requests to one upstream server and injects faults. It
// listens on loopback; URL is its address.
type Proxy struct {
	URL string

	upstream  string
	opts      Options
	srv       *httptest.Server
	transport *http.Transport
	late      sync.WaitGroup // late forwards still running
	closing   chan struct{}  // closed by Close: hanging requests return

	mu     sync.Mutex
	rule   Rule
	n      int
	counts map[Fault]int
	stored map[string]int // PUTs the upstream answered 2xx, by path
}

// New starts a proxy in front of upstream ("http://127.0.0.1:9000"),
// passing every request until SetRule.
func New(upstream string, opts Options) *Proxy {
	if opts.Latency <= 0 {
		opts.Latency = 50 * time.Millisecond
	}
	if opts.Late <= 0 {
		opts.Late = 500 * time.Millisecond
	}
	p := &Proxy{
		upstream: strings.TrimSuffix(upstream, "/"),
		opts:     opts,
		// No compression: bodies are forwarded as they come, and no
		// environment proxy: the upstream is on loopback.
		transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 32},
		counts:    map[Fault]int{},
		stored:    map[string]int{},
		closing:   make(chan struct{}),
	}
	p.srv = httptest.NewServer(p)
	p.URL = p.srv.URL
	return p
}

// SetRule replaces the rule; nil passes everything.
func (p *Proxy) SetRule(r Rule) {
	p.mu.Lock()
	p.rule = r
	p.mu.Unlock()
}

// Count returns how many requests met f.
func (p *Proxy) Count(f Fault) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[f]
}

// Injected returns how many requests met a fault other than Pass.
func (p *Proxy) Injected() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for f, c := range p.counts {
		if f != Pass {
			n += c
		}
	}
	return n
}

// Requests returns how many requests the proxy received.
func (p *Proxy) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// Stored returns, for each path, how many PUTs to it the upstream
// answered with success.
func (p *Proxy) Stored() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.stored)
}

// Close waits for late requests to reach the upstream, then stops the
// proxy.
func (p *Proxy) Close() {
	// The lock orders this Wait after any Add already made: the client
	// learns of a late request through TCP, which the race detector
	// cannot see.
	p.mu.Lock()
	select {
	case <-p.closing:
	default:
		close(p.closing)
	}
	p.mu.Unlock()
	p.late.Wait()
	p.srv.CloseClientConnections()
	p.srv.Close()
	p.transport.CloseIdleConnections()
}

func (p *Proxy) decide(r *http.Request) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	f := Pass
	if p.rule != nil {
		f = p.rule(Request{N: p.n, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery})
	}
	p.counts[f]++
	return f
}

// ServeHTTP forwards one request, or breaks it as the rule says.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := p.decide(r)
	switch f {
	case ServerError:
		s3Error(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
		return
	case SlowDown:
		s3Error(w, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
		return
	case Reset:
		reset(w)
		return
	case Forbidden:
		s3Error(w, http.StatusForbidden, "AccessDenied", "Access Denied")
		return
	case Hang:
		select {
		case <-r.Context().Done():
		case <-p.closing:
			reset(w)
		}
		return
	case Latency:
		select {
		case <-time.After(p.opts.Latency):
		case <-r.Context().Done():
			return
		}
	case Late:
		body, err := io.ReadAll(r.Body)
		if err != nil {
			reset(w)
			return
		}
		p.mu.Lock()
		p.late.Add(1)
		p.mu.Unlock()
		defer p.late.Done()
		time.Sleep(p.opts.Late)
		reset(w)
		// The client is gone; the request still arrives.
		p.forward(context.Background(), r, bytes.NewReader(body), int64(len(body)))
		return
	}
	resp, body, err := p.forward(r.Context(), r, r.Body, r.ContentLength)
	if err != nil {
		http.Error(w, "faultproxy: "+err.Error(), http.StatusBadGateway)
		return
	}
	switch {
	case f == LoseResponse, f == Truncate && len(body) < 2:
		reset(w)
		return
	case f == Truncate:
		copyHeader(w.Header(), resp.Header)
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(resp.StatusCode)
		w.Write(body[:len(body)/2])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		// Ends the connection without completing the response.
		panic(http.ErrAbortHandler)
	}
	copyHeader(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	w.Write(body)
}

// forward sends the request upstream with its headers and Host, and
// returns the response with its whole body.
func (p *Proxy) forward(ctx context.Context, r *http.Request, body io.Reader, length int64) (*http.Response, []byte, error) {
	out, err := http.NewRequestWithContext(ctx, r.Method, p.upstream+r.URL.RequestURI(), body)
	if err != nil {
		return nil, nil, err
	}
	copyHeader(out.Header, r.Header)
	out.Host = r.Host
	out.ContentLength = length
	if length == 0 {
		out.Body = http.NoBody
	}
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if r.Method == http.MethodPut && resp.StatusCode/100 == 2 {
		p.mu.Lock()
		p.stored[r.URL.Path]++
		p.mu.Unlock()
	}
	return resp, b, nil
}

// hopByHop are the headers that belong to one connection, not to the
// request.
var hopByHop = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		if !hopByHop[http.CanonicalHeaderKey(k)] {
			dst[k] = append([]string(nil), vs...)
		}
	}
}

// reset ends the connection with a TCP reset instead of a response.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0) // close sends RST, not FIN
	}
	conn.Close()
}

// s3Error answers as S3 does when it refuses a request.
func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message><RequestId>faultproxy</RequestId></Error>", code, msg)
}
