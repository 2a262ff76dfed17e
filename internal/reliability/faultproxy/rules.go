package faultproxy

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
)

// Fault is what the proxy does with one request.
type Fault int

const (
	// Pass forwards the request and its response.
	Pass Fault = iota
	// ServerError answers 500 InternalError; the server never sees it.
	ServerError
	// SlowDown answers 503 SlowDown (throttling); the server never sees it.
	SlowDown
	// Reset resets the connection before forwarding: not performed.
	Reset
	// Latency forwards after Options.Latency.
	Latency
	// Late gives the client no answer for Options.Late, then resets the
	// connection, and only then forwards the request: the server performs
	// it after the client has given up and, usually, retried.
	Late
	// Truncate forwards, then sends the response's headers and half its
	// body and closes the connection. A response without a body is lost
	// instead.
	Truncate
	// LoseResponse forwards, so the server performs the request, then
	// resets the connection instead of answering: the write succeeded but
	// the response was lost.
	LoseResponse
	// Hang never answers and never forwards: the request waits until the
	// client gives up or the proxy closes, as with a server that accepts
	// connections and then stalls.
	Hang
	// Forbidden answers 403 AccessDenied, as for a missing permission;
	// the server never sees it.
	Forbidden
	numFaults
)

var faultNames = [...]string{"pass", "500 InternalError", "503 SlowDown", "connection reset", "latency", "late arrival", "truncated response", "lost response", "hang", "403 AccessDenied"}

func (f Fault) String() string {
	if f >= 0 && f < numFaults {
		return faultNames[f]
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// Faults lists every fault that retrying outlasts: all but Pass, Hang
// and Forbidden.
func Faults() []Fault {
	var fs []Fault
	for f := ServerError; f < Hang; f++ {
		fs = append(fs, f)
	}
	return fs
}

// Request describes one request, given to the rule.
type Request struct {
	N      int    // 1 for the first request the proxy received
	Method string // GET, PUT, HEAD, DELETE, POST
	Path   string // "/bucket/key" (path-style addressing)
	Query  string // raw query: "list-type=2&prefix=..." for a listing
}

// Op names the S3 operation of a request, roughly: "PUT", "GET", "HEAD",
// "DELETE", "LIST" (a GET of a bucket with a listing query), or "POST".
func (r Request) Op() string {
	if r.Method == http.MethodGet && strings.Count(strings.Trim(r.Path, "/"), "/") == 0 {
		return "LIST"
	}
	return r.Method
}

func (r Request) String() string { return fmt.Sprintf("#%d %s %s", r.N, r.Op(), r.Path) }

// Rule decides the fate of each request. The proxy calls it one request
// at a time.
type Rule func(Request) Fault

// Every applies f to every n-th request and passes the others.
func Every(n int, f Fault) Rule {
	return func(r Request) Fault {
		if r.N%n == 0 {
			return f
		}
		return Pass
	}
}

// Random applies one of faults, chosen at random, to a fraction p of the
// requests; seed makes the sequence repeatable.
func Random(p float64, seed uint64, faults ...Fault) Rule {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	return func(Request) Fault {
		mu.Lock()
		defer mu.Unlock()
		if len(faults) == 0 || rng.Float64() >= p {
			return Pass
		}
		return faults[rng.IntN(len(faults))]
	}
}
