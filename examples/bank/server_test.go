package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/examples/bank/model"
)

// call makes one request and decodes the JSON reply.
func call(t *testing.T, h http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, rd))
	if ct := rec.Header().Get("Content-Type"); rec.Code != http.StatusMethodNotAllowed && ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil && rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("%s %s: reply %q is not JSON: %v", method, path, rec.Body, err)
	}
	return rec.Code, out
}

func TestHandlers(t *testing.T) {
	p := prevayler.NewTransient(model.Apply, model.New(3, 100))
	defer p.Close()
	h := newHandler(p)
	tests := []struct {
		method, path, body string
		code               int
		want               map[string]any // fields of the reply
	}{
		{"GET", "/accounts/1", "", 200, map[string]any{"account": 1.0, "balance": 100.0}},
		{"POST", "/transfers", `{"from":1,"to":2,"amount":30}`, 200, map[string]any{"from_balance": 70.0, "to_balance": 130.0}},
		{"POST", "/deposits", `{"account":0,"amount":5}`, 200, map[string]any{"account": 0.0, "balance": 105.0}},
		{"POST", "/accounts", `{"initial":42}`, 201, map[string]any{"account": 3.0, "balance": 42.0}},
		{"GET", "/accounts/3", "", 200, map[string]any{"balance": 42.0}},
		{"GET", "/accounts?offset=2&limit=1", "", 200, map[string]any{"count": 4.0, "total": 347.0, "transfers": 1.0, "deposits": 1.0, "offset": 2.0}},
		{"GET", "/accounts/9", "", 404, map[string]any{"error": "no such account: 9"}},
		{"GET", "/accounts/x", "", 400, nil},
		{"GET", "/accounts?limit=-1", "", 400, nil},
		{"POST", "/transfers", `{"from":1,"to":2,"amount":1000}`, 409, nil},
		{"POST", "/transfers", `{"from":1,"to":7,"amount":1}`, 404, nil},
		{"POST", "/deposits", `{"account":1,"amount":0}`, 400, map[string]any{"error": "amount must be positive"}},
		{"POST", "/deposits", `{"account":1,"amount":1,"note":"x"}`, 400, nil},
		{"POST", "/deposits", `not json`, 400, nil},
		{"GET", "/stats", "", 200, map[string]any{"refused": 3.0, "last_error": nil}},
	}
	for _, tt := range tests {
		code, out := call(t, h, tt.method, tt.path, tt.body)
		if code != tt.code {
			t.Errorf("%s %s %s: status %d, want %d (%v)", tt.method, tt.path, tt.body, code, tt.code, out)
			continue
		}
		for k, v := range tt.want {
			if out[k] != v {
				t.Errorf("%s %s: %s = %#v, want %#v", tt.method, tt.path, k, out[k], v)
			}
		}
		if code >= 400 && out["error"] == nil {
			t.Errorf("%s %s: status %d without an error message", tt.method, tt.path, code)
		}
	}
	if b := p.State(); b.Transfers != 1 || b.Deposits != 1 || b.Accounts() != 4 {
		t.Errorf("state after the requests: %d transfers, %d deposits, %d accounts", b.Transfers, b.Deposits, b.Accounts())
	}
	_, out := call(t, h, "GET", "/accounts", "")
	if list, _ := out["accounts"].([]any); len(list) != 4 {
		t.Errorf("GET /accounts listed %d accounts, want 4", len(list))
	}
}

// A closed bank is a failure of the service, not of the client.
func TestHandlersClosed(t *testing.T) {
	p := prevayler.NewTransient(model.Apply, model.New(2, 10))
	h := newHandler(p)
	p.Close()
	if code, _ := call(t, h, "POST", "/deposits", `{"account":1,"amount":1}`); code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", code)
	}
}
