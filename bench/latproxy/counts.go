package latproxy

import (
	"fmt"
	"sync/atomic"
)

// Counts are the requests a proxy forwarded, by kind, and their bytes.
type Counts struct {
	Put, Get, List, Delete, Head, Other int64
	// BytesUp is the request body bytes of PUTs as they crossed the
	// proxy: what was uploaded.
	BytesUp int64
	// BytesDown is the response body bytes of every request.
	BytesDown int64
}

// Requests returns the number of requests of every kind.
func (c Counts) Requests() int64 {
	return c.Put + c.Get + c.List + c.Delete + c.Head + c.Other
}

// Sub returns c minus an earlier snapshot o: what happened between them.
func (c Counts) Sub(o Counts) Counts {
	return Counts{
		Put: c.Put - o.Put, Get: c.Get - o.Get, List: c.List - o.List, Delete: c.Delete - o.Delete,
		Head: c.Head - o.Head, Other: c.Other - o.Other, BytesUp: c.BytesUp - o.BytesUp, BytesDown: c.BytesDown - o.BytesDown,
	}
}

// Of returns the count of one kind.
func (c Counts) Of(k Kind) int64 {
	switch k {
	case Put:
		return c.Put
	case Get:
		return c.Get
	case List:
		return c.List
	case Delete:
		return c.Delete
	case Head:
		return c.Head
	}
	return c.Other
}

func (c Counts) String() string {
	return fmt.Sprintf("%d requests (%d PUT, %d GET, %d LIST, %d DELETE, %d HEAD, %d other), %d bytes up, %d down",
		c.Requests(), c.Put, c.Get, c.List, c.Delete, c.Head, c.Other, c.BytesUp, c.BytesDown)
}

// counters are the live counts, updated as requests cross the proxy.
type counters struct {
	kinds              [numKinds]atomic.Int64
	bytesUp, bytesDown atomic.Int64
}

func (c *counters) snapshot() Counts {
	return Counts{
		Put: c.kinds[Put].Load(), Get: c.kinds[Get].Load(), List: c.kinds[List].Load(), Delete: c.kinds[Delete].Load(),
		Head: c.kinds[Head].Load(), Other: c.kinds[Other].Load(), BytesUp: c.bytesUp.Load(), BytesDown: c.bytesDown.Load(),
	}
}
