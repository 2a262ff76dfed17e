package system_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/testutil"
	"github.com/prevayler-go/prevayler/store"
)

// The reliability harness's workload: several writers, each numbering its
// own events, so that what a recovery returns can be checked exactly.

// hEvent is writer W's Seq-th event.
type hEvent struct{ W, Seq int }

// hLog is the harness state: every event, in journal order.
type hLog struct{ Events []hEvent }

// hSize is the shape of a workload.
type hSize struct {
	writers int // concurrent writers
	before  int // events per writer before the snapshot
	during  int // events per writer while the snapshot runs
	after   int // events per writer after the reopen
}

// hRun records what one workload did and what its callers were told.
type hRun struct {
	mu       sync.Mutex
	history  []hEvent       // events in the order the instances applied them
	acked    map[hEvent]int // acknowledged events and the position Handle returned
	durable  int            // this prefix of history must survive any crash
	written  int            // this prefix must survive a crash of the process
	errs     []error        // every error a call returned
	problems []string       // broken promises seen while running
	logBuf   syncBuffer     // the instances' log output, at Debug level
	nextSeq  map[int]int
	applying bool // record applied events in history (not during a replay)
}

func newRun(seed []hEvent) *hRun {
	r := &hRun{history: slices.Clone(seed), acked: map[hEvent]int{}, durable: len(seed), written: len(seed), nextSeq: map[int]int{}}
	for _, e := range seed {
		r.acked[e] = -1 // acknowledged by the seeding run
		r.nextSeq[e.W] = max(r.nextSeq[e.W], e.Seq)
	}
	return r
}

// handler applies an event and returns its position in the journal. It
// records the order of application, which is the journal's order.
func (r *hRun) handler(s hLog, e hEvent, _ time.Time) (hLog, int, error) {
	r.mu.Lock()
	if r.applying {
		r.history = append(r.history, e)
	}
	r.mu.Unlock()
	return hLog{Events: append(slices.Clip(s.Events), e)}, len(s.Events), nil
}

// hReplay is the handler used to recover, outside any run.
func hReplay(s hLog, e hEvent, _ time.Time) (hLog, int, error) {
	return hLog{Events: append(slices.Clip(s.Events), e)}, len(s.Events), nil
}

func (r *hRun) problem(format string, args ...any) {
	r.mu.Lock()
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

func (r *hRun) failed(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}

// open starts an instance and checks what it recovered against the run
// so far: no crash happened, so everything written must be there.
func (r *hRun) open(st store.Store, d prevayler.Durability) *prevayler.Prevayler[hLog, hEvent, int] {
	log := slog.New(slog.NewTextHandler(&r.logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := prevayler.Open(context.Background(), r.handler, prevayler.Options[hLog]{Store: st, Durability: d, Logger: log})
	if err != nil {
		r.failed(err)
		return nil
	}
	got := p.State().Events
	r.mu.Lock()
	defer r.mu.Unlock()
	if msg := r.judgeLocked(got, r.written); msg != "" {
		r.problems = append(r.problems, "reopen without a crash: "+msg)
	}
	// Events applied but never journaled (a failed instance) are gone;
	// the new journal holds what was recovered, synced.
	r.history = slices.Clone(got)
	r.durable, r.written = len(got), len(got)
	r.applying = true
	return p
}

// judgeLocked returns what is wrong with a recovered state that must hold
// the first must events of the history, or "".
func (r *hRun) judgeLocked(got []hEvent, must int) string {
	seen := map[hEvent]bool{}
	for i, e := range got {
		if seen[e] {
			return fmt.Sprintf("event %v duplicated at %d", e, i)
		}
		seen[e] = true
	}
	if len(got) > len(r.history) || !slices.Equal(got, r.history[:len(got)]) {
		return fmt.Sprintf("recovered %v, not a prefix of the events applied %v", got, r.history)
	}
	if len(got) < must {
		return fmt.Sprintf("recovered %d events, %d had to survive: %v missing", len(got), must, r.history[len(got):must])
	}
	return ""
}

// lostLocked counts the acknowledged events among history[from:to].
func (r *hRun) lostLocked(from, to int) int {
	n := 0
	for _, e := range r.history[from:to] {
		if _, ok := r.acked[e]; ok {
			n++
		}
	}
	return n
}

// handle sends writer w's next event and records the outcome.
func (r *hRun) handle(p *prevayler.Prevayler[hLog, hEvent, int], d prevayler.Durability, w int) error {
	r.mu.Lock()
	r.nextSeq[w]++
	e := hEvent{W: w, Seq: r.nextSeq[w]}
	r.mu.Unlock()
	pos, err := p.Handle(context.Background(), e)
	if err != nil {
		r.failed(err)
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.acked[e] = pos
	if pos >= len(r.history) || r.history[pos] != e {
		r.problems = append(r.problems, fmt.Sprintf("event %v acknowledged at position %d, applied elsewhere", e, pos))
		return nil
	}
	r.written = max(r.written, pos+1)
	if d == prevayler.Durable {
		r.durable = max(r.durable, pos+1)
	}
	return nil
}

// writers runs n events from each of writers 1..k concurrently; each
// stops at its first error, as a real caller would. It reports whether
// any Handle failed.
func (r *hRun) writers(p *prevayler.Prevayler[hLog, hEvent, int], d prevayler.Durability, k, n int) bool {
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := false
	for w := 1; w <= k; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				if err := r.handle(p, d, w); err != nil {
					mu.Lock()
					failed = true
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return failed
}

// markDurable records that every event acknowledged before a call that
// made them durable (Snapshot, Sync, Close) is durable.
func (r *hRun) markDurable(ackedBefore int) {
	r.mu.Lock()
	r.durable = max(r.durable, ackedBefore)
	r.mu.Unlock()
}

func (r *hRun) writtenNow() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.written
}

// hWorkload runs the scripted workload on the stores newStore returns:
// Open (a journal exists, so start-up rotates it), events from several
// writers, a Snapshot while they write, Sync, Close, then a reopen, more
// events and Close. Each instance that saw a failed Handle or Sync is
// probed: it must refuse a new event.
func hWorkload(newStore func() store.Store, d prevayler.Durability, seed []hEvent, size hSize) *hRun {
	r := newRun(seed)
	p := r.open(newStore(), d)
	if p == nil {
		return r
	}
	failed := r.writers(p, d, size.writers, size.before)
	var snapErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		before := r.writtenNow()
		if snapErr = p.Snapshot(context.Background()); snapErr == nil {
			r.markDurable(before)
		} else {
			r.failed(snapErr)
		}
	}()
	failed = r.writers(p, d, size.writers, size.during) || failed
	wg.Wait()
	before := r.writtenNow()
	if err := p.Sync(context.Background()); err != nil {
		r.failed(err)
		failed = true
	} else {
		r.markDurable(before)
	}
	if failed {
		r.probe(p, d)
	}
	before = r.writtenNow()
	if err := p.Close(); err != nil {
		r.failed(err)
	} else {
		r.markDurable(before)
	}

	p = r.open(newStore(), d)
	if p == nil {
		return r
	}
	if r.writers(p, d, 2, size.after) {
		r.probe(p, d)
	}
	before = r.writtenNow()
	if err := p.Close(); err != nil {
		r.failed(err)
	} else {
		r.markDurable(before)
	}
	return r
}

// probe checks that an instance whose journal failed refuses new events.
func (r *hRun) probe(p *prevayler.Prevayler[hLog, hEvent, int], d prevayler.Durability) {
	const prober = 99
	if err := r.handle(p, d, prober); err == nil {
		r.problem("an event was accepted after the journal failed")
	} else if errors.Is(err, prevayler.ErrClosed) {
		r.problem("an event after a journal failure was refused as closed: %v", err)
	}
}

// hRecover opens the journal after a crash and returns its events, or
// what went wrong: an error, a panic, or (with -harness-full) a second
// open that disagrees with the first.
func hRecover(newStore func() store.Store) (events []hEvent, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("recovery panicked: %v", v)
		}
	}()
	opens := 1
	if *harnessFull {
		opens = 2
	}
	for i := range opens {
		p, err := prevayler.Open(context.Background(), hReplay, prevayler.Options[hLog]{Store: newStore()})
		if err != nil {
			return nil, fmt.Errorf("open %d after the crash: %w", i+1, err)
		}
		got := p.State().Events
		if err := p.Close(); err != nil {
			return nil, fmt.Errorf("close %d after the crash: %w", i+1, err)
		}
		if i == 1 && !slices.Equal(got, events) {
			return nil, fmt.Errorf("a second recovery found %v, the first %v", got, events)
		}
		events = got
	}
	return events, nil
}

// hJudge checks a recovery after a crash: the acknowledged events that
// had to survive are there, nothing else is wrong. processCrash says the
// crash kept everything the kernel was given.
func (r *hRun) hJudge(got []hEvent, err error, processCrash bool) (must, lost int, wrong string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	must = r.durable
	if processCrash {
		must = r.written
	}
	if err != nil {
		// Not counted as lost: the bytes are kept for inspection.
		return r.lostLocked(0, must), 0, err.Error()
	}
	if len(got) < must {
		lost = r.lostLocked(len(got), must)
	}
	return r.lostLocked(0, must), lost, r.judgeLocked(got, must)
}

type syncBuffer = testutil.SyncBuffer
