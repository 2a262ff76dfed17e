// Package faultproxy is an HTTP proxy for tests that stands in front of an
// S3-compatible server on loopback and breaks some requests the way
// networks and servers do: 500 InternalError, 503 SlowDown, a connection
// reset before the request reaches the server, latency, a response cut
// short, a request that reaches the server late (after the client gave
// up on it), and a request the server performed whose response was lost.
//
//	p := faultproxy.New(upstreamURL, faultproxy.Options{})
//	defer p.Close()
//	p.SetRule(faultproxy.Every(3, faultproxy.SlowDown))
//	client := newS3Client(p.URL) // path-style, as for any local server
//
// It forwards requests byte for byte with their Host header, so request
// signatures stay valid for servers that check them. It records every
// object a PUT stored (a 2xx from the server), so that a test can check
// that nothing was stored twice under the same key.
//
// Layout: proxy.go forwards and injects; rules.go holds Fault, Request and
// ready-made rules.
package faultproxy
