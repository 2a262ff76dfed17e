// Package latproxy is an HTTP reverse proxy for S3 benchmarks: it adds a
// chosen latency to every request before forwarding it to an S3-compatible
// server, and counts the requests by kind (PUT, GET, LIST, DELETE, HEAD)
// and the bytes they carry, so that a run on a loopback server shows what
// the same code does against a remote one, and what it would cost.
//
//	p, err := latproxy.New("http://127.0.0.1:9000", latproxy.Options{Latency: 30 * time.Millisecond})
//	defer p.Close()
//	client := s3.New(s3.Options{BaseEndpoint: aws.String(p.URL()), UsePathStyle: true, ...})
//	before := p.Counts()
//	... // requests through client
//	used := p.Counts().Sub(before)
//
// The proxy listens on 127.0.0.1 only, forwards only to a loopback
// server, and refuses requests from any other address: it is a test
// instrument, never a path out of the machine.
//
// The latency is added once per request, before it is forwarded, so a
// request costs its server time plus the latency, as a round trip to a
// distant region does. The Host header is forwarded as the client sent
// it, so that signed requests (SigV4 signs the host) verify at the server.
//
// Kinds follow S3's request classes: a GET with no object key or with a
// list-type query is a LIST; a POST ?delete (DeleteObjects) is a DELETE;
// a PUT is a PUT whatever it creates (objects and buckets alike).
package latproxy
