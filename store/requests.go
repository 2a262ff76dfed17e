package store

// Requests counts what a store that bills by request (S3) asked of its
// server since it was created: requests by kind, as the provider prices
// them, and the bytes they carried. Every attempt counts, retries
// included, whether it succeeded or not.
type Requests struct {
	Puts    uint64 // PUT: objects written (segments, markers, the lock)
	Gets    uint64 // GET: objects read
	Lists   uint64 // LIST: pages of a listing
	Deletes uint64 // DELETE: one per DeleteObject or DeleteObjects call
	Heads   uint64 // HEAD: object metadata read

	BytesUp   int64 // bytes of the PUTs' bodies
	BytesDown int64 // bytes of the GETs' bodies, as the server announced them
}

// Total is the number of requests of every kind.
func (r Requests) Total() uint64 { return r.Puts + r.Gets + r.Lists + r.Deletes + r.Heads }

// Sub returns the requests made since o was taken.
func (r Requests) Sub(o Requests) Requests {
	return Requests{
		Puts: r.Puts - o.Puts, Gets: r.Gets - o.Gets, Lists: r.Lists - o.Lists,
		Deletes: r.Deletes - o.Deletes, Heads: r.Heads - o.Heads,
		BytesUp: r.BytesUp - o.BytesUp, BytesDown: r.BytesDown - o.BytesDown,
	}
}

// RequestCounter is an optional interface of a Store whose requests cost
// money or time (S3): the prevalent system's Stats report them.
type RequestCounter interface {
	Requests() Requests
}
