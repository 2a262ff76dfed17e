package reliability_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/reliability"
	"github.com/prevayler-go/prevayler/internal/reliability/faultproxy"
)

// tally adds up figures and failures.
type tally struct {
	reliability.Figure
	msgs    []string
	refused int // opens refused with an error under faults: allowed, but told
}

func (tl *tally) wrongf(format string, args ...any) {
	tl.Wrong++
	tl.msgs = append(tl.msgs, fmt.Sprintf(format, args...))
}

func (tl *tally) judge(where string, r *sRun, got []sEvent, err error) {
	if err != nil {
		tl.wrongf("%s: recovery failed: %v", where, err)
		return
	}
	acked, lost, wrong := r.judge(got)
	tl.Acked += int64(acked)
	tl.Lost += int64(lost)
	if lost > 0 {
		tl.msgs = append(tl.msgs, fmt.Sprintf("%s: %d acknowledged events lost", where, lost))
	}
	if wrong != "" {
		tl.wrongf("%s: %s", where, wrong)
	}
}

func (tl *tally) report(t *testing.T) {
	t.Helper()
	t.Log(tl.Line())
	for _, m := range tl.msgs {
		t.Error(m)
	}
}

// faultRate is how often each fault strikes in TestS3Faults: every n-th
// request. A late request holds its attempt for attemptTimeout, so it is
// rarer.
func faultRate(f faultproxy.Fault) int {
	if f == faultproxy.Late {
		return 12
	}
	return 3
}

// TestS3Faults runs the workload on the S3 store through the fault proxy,
// one kind of fault at a time in each durability mode: open an existing
// journal, events from three writers with a snapshot among them, then the
// faults stop, Sync and Close. Durable acknowledgements are never lost,
// Buffered events are all stored once the faults stop (Close succeeds),
// a recovery through the faults is right or refused, and no segment is
// stored twice.
func TestS3Faults(t *testing.T) {
	for _, d := range []prevayler.Durability{prevayler.Durable, prevayler.Buffered} {
		t.Run(d.String(), func(t *testing.T) {
			tl := tally{Figure: reliability.Figure{Name: "S3 faults injected by the proxy, " + d.String(), Unit: "faults"}}
			var notes []string
			for _, f := range faultproxy.Faults() {
				n := s3Scenario(t, &tl, d, f)
				notes = append(notes, fmt.Sprintf("%s %d", f, n))
			}
			tl.Note = fmt.Sprintf("%s; opens refused with an error under faults: %d", strings.Join(notes, ", "), tl.refused)
			tl.report(t)
		})
	}
}

// s3Scenario runs the workload under fault f and returns how many faults
// were injected.
func s3Scenario(t *testing.T, tl *tally, d prevayler.Durability, f faultproxy.Fault) int {
	ctx := context.Background()
	e := newS3Env(t)
	r := newSRun()
	where := fmt.Sprintf("%s, %s", d, f)

	seed, err := r.open(ctx, e.store(e.direct), d)
	if err != nil {
		t.Fatalf("%s: seed: %v", where, err)
	}
	for range 3 {
		if err := r.handle(ctx, seed, 0); err != nil {
			t.Fatalf("%s: seed: %v", where, err)
		}
	}
	if err := seed.Close(); err != nil {
		t.Fatalf("%s: seed: %v", where, err)
	}

	e.proxy.SetRule(faultproxy.Every(faultRate(f), f))
	p, err := r.open(ctx, e.store(e.faulty), d)
	if err == nil {
		var wg sync.WaitGroup
		for w := 1; w <= 3; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 6 {
					if i == 3 && w == 1 {
						if err := p.Snapshot(ctx); err != nil {
							t.Logf("%s: snapshot refused under faults: %v", where, err)
						}
					}
					if err := r.handle(ctx, p, w); err != nil {
						t.Logf("%s: writer %d stopped: %v", where, w, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		e.proxy.SetRule(nil) // the faults stop: everything buffered must now be stored
		if err := p.Sync(ctx); err != nil {
			tl.wrongf("%s: Sync after the faults stopped: %v", where, err)
		}
		if err := p.Close(); err != nil {
			tl.wrongf("%s: Close after the faults stopped: %v", where, err)
		}
	} else {
		tl.refused++
		t.Logf("%s: Open refused under faults: %v", where, err)
	}

	// A recovery through the faults: right, or refused with an error.
	e.proxy.SetRule(faultproxy.Every(faultRate(f), f))
	if q, err := prevayler.Open(ctx, sApply, prevayler.Options[sLog]{Store: e.store(e.faulty)}); err == nil {
		got := q.State().Events
		q.Close()
		tl.judge(where+", recovered through the faults", r, got, nil)
	} else {
		tl.refused++
		t.Logf("%s: recovery through the faults refused: %v", where, err)
	}
	e.proxy.SetRule(nil)

	got, err := e.recoverDirect(ctx)
	tl.judge(where+", recovered", r, got, err)
	for path, n := range e.proxy.Stored() {
		if n > 1 && strings.Contains(path, ".g/") {
			tl.wrongf("%s: segment %s stored %d times", where, path, n)
		}
	}
	injected := e.proxy.Count(f)
	tl.Count += int64(injected)
	return injected
}

// TestS3FencingUnderFaults lets a second writer take over the journal
// while the first writes, with every kind of fault in the air: every
// event the first writer saw acknowledged is in what the second
// recovered, the first is refused afterwards, and nothing is stored twice.
func TestS3FencingUnderFaults(t *testing.T) {
	ctx := context.Background()
	tl := tally{Figure: reliability.Figure{Name: "S3 takeovers under random faults, Durable", Unit: "takeovers"}}
	fenced := 0
	for round := range 3 {
		where := fmt.Sprintf("takeover %d", round)
		e := newS3Env(t)
		r := newSRun()
		e.proxy.SetRule(faultproxy.Random(0.25, uint64(round), faultproxy.ServerError, faultproxy.SlowDown,
			faultproxy.Reset, faultproxy.Latency, faultproxy.Truncate, faultproxy.LoseResponse))
		a, err := r.open(ctx, e.store(e.faulty), prevayler.Durable)
		if err != nil {
			t.Logf("%s: the first writer's Open refused under faults: %v", where, err)
			continue
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 1; w <= 2; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := r.handle(ctx, a, w); err != nil {
						return
					}
				}
			}()
		}
		time.Sleep(150 * time.Millisecond)
		var b *prevayler.Prevayler[sLog, sEvent, int]
		for try := 0; try < 10 && b == nil; try++ {
			b, err = prevayler.Open(ctx, sApply, prevayler.Options[sLog]{Store: e.store(e.faulty)})
		}
		if b == nil {
			close(stop)
			wg.Wait()
			a.Close()
			tl.wrongf("%s: the second writer could not take over in 10 tries: %v", where, err)
			continue
		}
		took := b.State().Events
		time.Sleep(100 * time.Millisecond) // the first writer keeps trying
		close(stop)
		wg.Wait()
		e.proxy.SetRule(nil)
		tl.Count++

		// Everything the first writer saw acknowledged, even after the
		// takeover, is in what the second recovered.
		_, lost, wrong := r.judge(took)
		tl.Lost += int64(lost)
		if lost > 0 {
			tl.msgs = append(tl.msgs, fmt.Sprintf("%s: %d events acknowledged to the first writer are not in what the second took over", where, lost))
		}
		if wrong != "" {
			tl.wrongf("%s: %s", where, wrong)
		}
		err = r.handle(ctx, a, 9)
		switch {
		case err == nil:
			tl.wrongf("%s: the first writer still takes events after the takeover", where)
		case errors.Is(err, prevayler.ErrFenced):
			fenced++
		default:
			t.Logf("%s: the first writer refuses events, not as fenced: %v", where, err)
		}
		a.Close()
		for i := range 3 {
			if _, err := b.Handle(ctx, sEvent{W: 7, Seq: i + 1}); err != nil {
				tl.wrongf("%s: the new writer refused an event: %v", where, err)
			}
		}
		if err := b.Close(); err != nil {
			tl.wrongf("%s: the new writer's Close: %v", where, err)
		}
		got, err := e.recoverDirect(ctx)
		if err != nil {
			tl.wrongf("%s: recovery: %v", where, err)
		} else if n := len(took) + 3; len(got) != n || !equalPrefix(got, took) {
			tl.wrongf("%s: recovered %d events, want the %d taken over and 3 more", where, len(got), len(took))
		}
		tl.Acked += int64(len(took))
		for path, n := range e.proxy.Stored() {
			if n > 1 && strings.Contains(path, ".g/") {
				tl.wrongf("%s: segment %s stored %d times", where, path, n)
			}
		}
	}
	tl.Note = fmt.Sprintf("the old writer's next event refused as fenced in %d of %d", fenced, tl.Count)
	tl.report(t)
}

func equalPrefix(a, prefix []sEvent) bool {
	if len(a) < len(prefix) {
		return false
	}
	for i := range prefix {
		if a[i] != prefix[i] {
			return false
		}
	}
	return true
}
