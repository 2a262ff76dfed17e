package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/examples/bank/model"
	"github.com/prevayler-go/prevayler/localstore"
)

// request makes one request and returns the status, the SeqHeader and
// the decoded JSON reply.
func request(t *testing.T, h http.Handler, method, path, body string, header map[string]string) (int, string, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: reply %q is not JSON: %v", method, path, rec.Body, err)
	}
	return rec.Code, rec.Header().Get(SeqHeader), out
}

// TestFollowerHandlers drives a writer and a follower of its journal, in
// one process as they would be in two: writes go to the writer, which
// returns their number; the follower refuses writes, naming the writer,
// and reads the client's own write when asked to wait for it.
func TestFollowerHandlers(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal")
	p, err := prevayler.Open(ctx, model.Apply, prevayler.Options[model.Bank]{Store: localstore.New(path), InitialState: model.New(5, 1000)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	// A poll an hour: only a wait for a number (or Refresh) catches up,
	// so the test sees that ?seq= is what makes the write visible.
	f, err := prevayler.Follow(ctx, model.Apply, prevayler.Options[model.Bank]{Store: localstore.New(path), FollowInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg := config{follow: path, writer: "http://127.0.0.1:8080", wait: 2 * time.Second}
	wh, fh := newHandler(p), newFollowerHandler(f, cfg)

	code, seq, out := request(t, wh, "POST", "/deposits", `{"account":2,"amount":50}`, nil)
	if code != 200 || seq != "1" {
		t.Fatalf("deposit at the writer: status %d, %s %q (%v); want 200 and event 1", code, SeqHeader, seq, out)
	}
	code, seq, out = request(t, wh, "POST", "/transfers", `{"from":2,"to":3,"amount":20}`, nil)
	if code != 200 || seq != "2" {
		t.Fatalf("transfer at the writer: status %d, %s %q; want 200 and event 2", code, SeqHeader, seq)
	}

	for _, tt := range []struct {
		name, path string
		header     map[string]string
		code       int
		seq        string
		want       map[string]any
	}{
		{"stale without a number", "/accounts/2", nil, 200, "0", map[string]any{"balance": 1000.0}},
		{"waits for ?seq", "/accounts/2?seq=1", nil, 200, "", nil},
		{"waits for the header", "/accounts/3", map[string]string{SeqHeader: "2"}, 200, "2", map[string]any{"balance": 1020.0}},
		{"page", "/accounts?offset=2&limit=2&seq=2", nil, 200, "2", map[string]any{"transfers": 1.0, "deposits": 1.0, "total": 5050.0}},
		{"bad number", "/accounts/2?seq=x", nil, 400, "", nil},
		{"no such account", "/accounts/9?seq=2", nil, 404, "2", nil},
		{"never journaled", "/accounts/2?seq=3", nil, 503, "2", nil},
	} {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			if tt.code == 503 {
				cfg.wait = 50 * time.Millisecond
				fh = newFollowerHandler(f, cfg)
			}
			code, seq, out := request(t, fh, "GET", tt.path, "", tt.header)
			if code != tt.code || (tt.seq != "" && seq != tt.seq) {
				t.Fatalf("status %d, %s %q (%v); want %d and %q", code, SeqHeader, seq, out, tt.code, tt.seq)
			}
			for k, v := range tt.want {
				if out[k] != v {
					t.Errorf("%s = %#v, want %#v", k, out[k], v)
				}
			}
			if code >= 400 && out["error"] == nil {
				t.Errorf("status %d without an error message", code)
			}
		})
	}

	for _, w := range [][2]string{{"POST", "/deposits"}, {"POST", "/transfers"}, {"POST", "/accounts"}, {"DELETE", "/accounts"}} {
		code, _, out := request(t, fh, w[0], w[1], `{"account":2,"amount":1}`, nil)
		msg, _ := out["error"].(string)
		if code != http.StatusMethodNotAllowed || !strings.Contains(msg, "http://127.0.0.1:8080") || !strings.Contains(msg, w[1]) {
			t.Errorf("%s %s at the follower: status %d, %q; want 405 naming the writer", w[0], w[1], code, msg)
		}
	}
	if got := p.Seq(); got != 2 {
		t.Errorf("the writer is at event %d after the follower refused writes, want 2", got)
	}

	code, seq, out = request(t, fh, "GET", "/stats", "", nil)
	if code != 200 || out["role"] != "follower" || out["seq"] != 2.0 || seq != "2" || out["last_error"] != nil {
		t.Errorf("follower stats: status %d, %v", code, out)
	}
	if _, _, out := request(t, wh, "GET", "/stats", "", nil); out["role"] != "writer" || out["seq"] != 2.0 {
		t.Errorf("writer stats: %v", out)
	}
}

// TestServeFollower runs a writer and a follower service, as two
// processes on one machine would, over HTTP: a deposit at the writer is
// read back at the follower with the number the writer returned.
func TestServeFollower(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	start := func(cfg config) (string, func() string) {
		ctx, cancel := context.WithCancel(context.Background())
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var out syncBuffer
		done := make(chan error, 1)
		go func() { done <- serve(ctx, cfg, ln, &out) }()
		stop := func() string {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve %+v: %v", cfg, err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not return after its context ended")
			}
			return out.String()
		}
		return "http://" + ln.Addr().String(), stop
	}
	writer, stopWriter := start(config{store: path, accounts: 10})
	defer stopWriter()
	var follower string
	var stopFollower func() string
	// The writer creates the journal before it serves.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(writer + "/stats")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the writer does not answer: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	follower, stopFollower = start(config{follow: path, writer: writer, accounts: 10, wait: 5 * time.Second})

	resp, err := http.Post(writer+"/deposits", "application/json", strings.NewReader(`{"account":4,"amount":25}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	seq := resp.Header.Get(SeqHeader)
	if n, err := strconv.Atoi(seq); err != nil || n < 1 {
		t.Fatalf("the writer's reply carries %s %q", SeqHeader, seq)
	}
	resp, err = http.Get(follower + "/accounts/4?seq=" + seq)
	if err != nil {
		t.Fatal(err)
	}
	var rc struct{ Balance float64 }
	json.NewDecoder(resp.Body).Decode(&rc)
	resp.Body.Close()
	if resp.StatusCode != 200 || rc.Balance != 1025 {
		t.Errorf("the follower answers %d with balance %v, want 1025", resp.StatusCode, rc.Balance)
	}
	resp, err = http.Post(follower+"/deposits", "application/json", strings.NewReader(`{"account":4,"amount":25}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("a write at the follower: status %d, want 405", resp.StatusCode)
	}
	out := stopFollower()
	t.Logf("follower output:\n%s", out)
	if !strings.Contains(out, "following "+path) || !strings.Contains(out, "closed: followed "+path+" to event "+seq) {
		t.Errorf("the follower's output lacks its start or its end")
	}
}
