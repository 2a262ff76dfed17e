package faultproxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// upstream is a tiny object server: PUT stores, GET returns.
type upstream struct {
	mu   sync.Mutex
	objs map[string]string
	host []string
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.host = append(u.host, r.Host)
	switch r.Method {
	case http.MethodPut:
		b, _ := io.ReadAll(r.Body)
		u.objs[r.URL.Path] = string(b)
	case http.MethodGet:
		v, ok := u.objs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, v)
	}
}

func (u *upstream) get(path string) (string, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	v, ok := u.objs[path]
	return v, ok
}

func setup(t *testing.T, f Fault) (*Proxy, *upstream) {
	t.Helper()
	u := &upstream{objs: map[string]string{"/b/big": strings.Repeat("x", 1000)}}
	srv := httptest.NewServer(u)
	t.Cleanup(srv.Close)
	p := New(srv.URL, Options{Latency: 80 * time.Millisecond, Late: 200 * time.Millisecond})
	t.Cleanup(p.Close)
	p.SetRule(func(Request) Fault { return f })
	return p, u
}

func put(p *Proxy, path, body string) (*http.Response, error) {
	req, _ := http.NewRequest(http.MethodPut, p.URL+path, strings.NewReader(body))
	return http.DefaultClient.Do(req)
}

func TestRefusals(t *testing.T) {
	for _, tt := range []struct {
		f      Fault
		status int
		code   string
	}{{ServerError, 500, "InternalError"}, {SlowDown, 503, "SlowDown"}, {Forbidden, 403, "AccessDenied"}} {
		p, u := setup(t, tt.f)
		resp, err := put(p, "/b/k", "v")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(b), "<Code>"+tt.code+"</Code>") {
			t.Errorf("%v: %d %s", tt.f, resp.StatusCode, b)
		}
		if _, ok := u.get("/b/k"); ok {
			t.Errorf("%v: the request reached the server", tt.f)
		}
		if p.Count(tt.f) != 1 || p.Injected() != 1 {
			t.Errorf("%v counted %d times", tt.f, p.Count(tt.f))
		}
	}
}

// TestHang: a hanging request gets no answer until the client gives up,
// never reaches the server, and Close does not wait for it.
func TestHang(t *testing.T) {
	p, u := setup(t, Hang)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, p.URL+"/b/k", strings.NewReader("v"))
	start := time.Now()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("a hanging request was answered")
	}
	if took := time.Since(start); took < 100*time.Millisecond || took > time.Second {
		t.Errorf("the client gave up after %v, want its 100ms", took)
	}
	if _, ok := u.get("/b/k"); ok {
		t.Error("the hanging request reached the server")
	}
	go func() { // a request still hanging when the proxy closes
		req, _ := http.NewRequest(http.MethodGet, p.URL+"/b/big", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(20 * time.Millisecond)
	closed := make(chan struct{})
	go func() { p.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(2 * time.Second):
		t.Fatal("Close waits for a hanging request")
	}
}

func TestResetIsNotPerformed(t *testing.T) {
	p, u := setup(t, Reset)
	if _, err := put(p, "/b/k", "v"); err == nil {
		t.Fatal("no error from a reset connection")
	}
	if _, ok := u.get("/b/k"); ok {
		t.Fatal("the reset request reached the server")
	}
}

func TestLostResponseIsPerformed(t *testing.T) {
	p, u := setup(t, LoseResponse)
	if _, err := put(p, "/b/k", "v"); err == nil {
		t.Fatal("no error from a lost response")
	}
	if v, _ := u.get("/b/k"); v != "v" {
		t.Fatalf("the server holds %q, want the write performed", v)
	}
	if got := p.Stored()["/b/k"]; got != 1 {
		t.Fatalf("Stored counts %d PUTs", got)
	}
}

func TestLateArrival(t *testing.T) {
	p, u := setup(t, Late)
	start := time.Now()
	if _, err := put(p, "/b/k", "late"); err == nil {
		t.Fatal("no error from a late request")
	}
	if time.Since(start) < 200*time.Millisecond {
		t.Fatalf("the client was answered after %v, before the delay", time.Since(start))
	}
	p.Close() // waits for the late forward
	if v, _ := u.get("/b/k"); v != "late" {
		t.Fatalf("the late request did not arrive: %q", v)
	}
}

func TestTruncatedBody(t *testing.T) {
	p, _ := setup(t, Truncate)
	resp, err := http.Get(p.URL + "/b/big")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(b) != 500 {
		t.Fatalf("read %d bytes, %v; want 500 and an unexpected EOF", len(b), err)
	}
}

func TestLatencyAndPassKeepTheHost(t *testing.T) {
	p, u := setup(t, Latency)
	start := time.Now()
	resp, err := http.Get(p.URL + "/b/big")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if len(b) != 1000 || time.Since(start) < 80*time.Millisecond {
		t.Fatalf("%d bytes after %v", len(b), time.Since(start))
	}
	want := strings.TrimPrefix(p.URL, "http://")
	if u.host[0] != want {
		t.Fatalf("the server saw Host %q, want the proxy's %q (signatures cover it)", u.host[0], want)
	}
}

func TestRules(t *testing.T) {
	every := Every(3, SlowDown)
	var got []Fault
	for n := 1; n <= 6; n++ {
		got = append(got, every(Request{N: n}))
	}
	if got[2] != SlowDown || got[5] != SlowDown || got[0] != Pass {
		t.Fatalf("Every(3): %v", got)
	}
	r1, r2 := Random(0.5, 1, Faults()...), Random(0.5, 1, Faults()...)
	faults := 0
	for n := range 200 {
		a, b := r1(Request{N: n}), r2(Request{N: n})
		if a != b {
			t.Fatal("Random with one seed is not repeatable")
		}
		if a != Pass {
			faults++
		}
	}
	if faults < 60 || faults > 140 {
		t.Fatalf("Random(0.5) faulted %d of 200", faults)
	}
	if (Request{Method: "GET", Path: "/bucket"}).Op() != "LIST" || (Request{Method: "GET", Path: "/bucket/k"}).Op() != "GET" {
		t.Fatal("Op")
	}
}
