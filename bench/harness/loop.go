package harness

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Op is one operation of a closed loop. caller numbers the goroutine
// (0..Callers-1); rng is that caller's own generator.
type Op func(ctx context.Context, caller int, rng *rand.Rand) error

// Loop configures a closed loop.
type Loop struct {
	Callers  int           // concurrent callers; at least 1
	Warmup   time.Duration // run, unmeasured, before the window
	Duration time.Duration // the measured window; at least 1ns
	Seed     uint64        // seeds every caller's generator
}

// Result is what a closed loop measured.
type Result struct {
	Callers int
	Ops     int64         // operations completed inside the window
	Elapsed time.Duration // the window's actual length
	Latency Hist          // of the operations counted in Ops
}

// Throughput returns operations per second.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

const (
	phaseWarmup = iota
	phaseMeasure
	phaseStop
)

// Run runs op from l.Callers goroutines until the window ends, then waits
// for every call in flight. The first error of any call stops the loop and
// is returned, with the caller that got it.
func (l Loop) Run(ctx context.Context, op Op) (*Result, error) {
	if l.Callers < 1 || l.Duration <= 0 {
		return nil, fmt.Errorf("harness: loop needs Callers >= 1 and Duration > 0, have %d and %v", l.Callers, l.Duration)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		phase    atomic.Int32
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		hists    = make([]Hist, l.Callers)
		counts   = make([]int64, l.Callers)
	)
	for c := 0; c < l.Callers; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(l.Seed, uint64(c)))
			h := &hists[c]
			var n int64
			for phase.Load() != phaseStop {
				start := time.Now()
				if err := op(ctx, c, rng); err != nil {
					if ctx.Err() != nil && errors.Is(err, ctx.Err()) && phase.Load() == phaseStop {
						break
					}
					errOnce.Do(func() {
						firstErr = fmt.Errorf("harness: caller %d: %w", c, err)
						cancel()
					})
					break
				}
				if phase.Load() == phaseMeasure {
					h.Record(time.Since(start))
					n++
				}
			}
			counts[c] = n
		}()
	}
	wait := func(d time.Duration) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	wait(l.Warmup)
	phase.Store(phaseMeasure)
	start := time.Now()
	wait(l.Duration)
	phase.Store(phaseStop)
	elapsed := time.Since(start)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &Result{Callers: l.Callers, Elapsed: elapsed}
	for c := range hists {
		r.Latency.Merge(&hists[c])
		r.Ops += counts[c]
	}
	return r, nil
}

// Merge adds the operations of another run to r, as if both windows were
// one: runs alternated with others can be compared without the drift of
// a shared machine favouring either.
func (r *Result) Merge(o *Result) {
	r.Ops += o.Ops
	r.Elapsed += o.Elapsed
	r.Latency.Merge(&o.Latency)
	r.Callers = max(r.Callers, o.Callers)
}
