package faultstore

import "sync"

// FailAt returns a hook that fails operation number n (1-based, as Op.N)
// with err, and nothing else. Run a workload once with a Recorder to
// learn how many operations it does, then once per n with FailAt(n, ...).
func FailAt(n int, err error) func(Op) error {
	return func(op Op) error {
		if op.N == n {
			return err
		}
		return nil
	}
}

// FailFrom returns a hook that fails operation number n and every one
// after it with err: the store is gone from that point on, as after a
// crash or a dead disk.
func FailFrom(n int, err error) func(Op) error {
	return func(op Op) error {
		if op.N >= n {
			return err
		}
		return nil
	}
}

// FailKind returns a hook that fails the nth operation of the given kind
// (1-based) with err, such as the third Sync. It is safe for concurrent
// use.
func FailKind(kind OpKind, nth int, err error) func(Op) error {
	var mu sync.Mutex
	seen := 0
	return func(op Op) error {
		if op.Kind != kind {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		seen++
		if seen == nth {
			return err
		}
		return nil
	}
}

// Recorder is a hook that records every operation and fails none. The
// zero value is ready to use; it is safe for concurrent use.
type Recorder struct {
	mu  sync.Mutex
	ops []Op
}

// Hook records op. Pass r.Hook to New.
func (r *Recorder) Hook(op Op) error {
	r.mu.Lock()
	r.ops = append(r.ops, op)
	r.mu.Unlock()
	return nil
}

// Ops returns the operations recorded so far, in the order the hook saw
// them.
func (r *Recorder) Ops() []Op {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Op(nil), r.ops...)
}

// Len returns how many operations were recorded.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ops)
}
