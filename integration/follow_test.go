package integration

import (
	"context"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/s3store"
)

type follower = prevayler.Follower[account, op, int64]

// follow opens a follower of e's journal on a store of its own.
func (e *bucketEnv) follow(interval time.Duration, tweak ...func(*s3store.Options)) (*follower, *s3store.Store) {
	e.t.Helper()
	st := e.store(tweak...)
	f, err := prevayler.Follow(e.t.Context(), apply, prevayler.Options[account]{Store: st, FollowInterval: interval})
	if err != nil {
		e.t.Fatalf("Follow: %v", err)
	}
	e.t.Cleanup(func() { f.Close() })
	return f, st
}

// caughtUp waits until f has applied p's events and checks that its state
// is p's.
func caughtUp(t *testing.T, f *follower, p *system, what string) {
	t.Helper()
	want, seq := p.StateSeq()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := f.WaitFor(ctx, seq); err != nil {
		t.Fatalf("%s: follower at event %d, writer at %d: %v (stats %+v)", what, f.Seq(), seq, err, f.Stats())
	}
	got, at := f.StateSeq()
	if at == seq && got != want {
		t.Fatalf("%s: at event %d the follower has %+v, the writer %+v", what, seq, got, want)
	}
}

// TestFollowS3 follows an S3 journal through Durable events, snapshots
// (rotations), a restart of the writer and a takeover by a new writer
// while the old one still runs: at each step the follower reaches the
// writer's event and has its state. The writer compacts (the default
// MergeFanIn): the follower, which asks for each segment key as it
// comes, relies on merged segments staying MergeDeleteDelay.
func TestFollowS3(t *testing.T) {
	e := newEnv(t)
	p := e.open(prevayler.Options[account]{})
	handle(t, p, 100)
	f, _ := e.follow(20 * time.Millisecond)
	caughtUp(t, f, p, "start")

	for i := range 20 {
		handle(t, p, int64(i+1))
	}
	caughtUp(t, f, p, "events")

	for round := range 2 {
		if err := p.Snapshot(t.Context()); err != nil {
			t.Fatalf("Snapshot: %v", err)
		}
		for i := range 5 {
			handle(t, p, int64(round*10+i))
		}
		caughtUp(t, f, p, "after a snapshot")
	}

	closeOK(t, p)
	p = e.open(prevayler.Options[account]{})
	for i := range 5 {
		handle(t, p, int64(i))
	}
	caughtUp(t, f, p, "after a restart of the writer")

	// A new writer takes over; the old one is fenced.
	p2 := e.open(prevayler.Options[account]{})
	for i := range 5 {
		handle(t, p2, int64(i+7))
	}
	caughtUp(t, f, p2, "after a takeover")
	if _, err := p.Handle(t.Context(), op{Amount: 1}); err == nil {
		t.Error("the fenced writer accepted an event")
	}
	p.Close()
	handle(t, p2, 3)
	caughtUp(t, f, p2, "after the fenced writer closed")
	closeOK(t, p2)
	if err := f.Err(); err != nil {
		t.Fatalf("follower stopped: %v", err)
	}
	st := f.Stats()
	if st.Rotations == 0 {
		t.Errorf("follower stats %+v: no rotation followed", st)
	}
	t.Logf("follower: %+v", st)
}

// TestFollowS3IdlePollIsOneGET measures what an idle follower costs: one
// GET per check and nothing else, but the marker read again and the
// generation listed once per TailRefresh.
func TestFollowS3IdlePollIsOneGET(t *testing.T) {
	e := newEnv(t)
	p := e.open(prevayler.Options[account]{})
	defer closeOK(t, p)
	for i := range 10 {
		handle(t, p, int64(i+1))
	}
	const (
		poll    = 100 * time.Millisecond
		refresh = time.Second
		span    = 4 * time.Second
	)
	f, st := e.follow(0, func(o *s3store.Options) { o.PollInterval, o.TailRefresh = poll, refresh })
	caughtUp(t, f, p, "start")
	time.Sleep(2 * poll) // past the checks that read the new events
	before, polls := st.Requests(), f.Stats().Polls
	time.Sleep(span)
	used, checks := st.Requests().Sub(before), f.Stats().Polls-polls
	t.Logf("idle follower over %v (%d checks, poll %v, refresh %v): %+v", span, checks, poll, refresh, used)
	if used.Puts+used.Deletes+used.Heads != 0 {
		t.Errorf("an idle follower wrote, deleted or headed: %+v", used)
	}
	refreshes := uint64(span/refresh) + 1
	if used.Lists > refreshes {
		t.Errorf("%d LISTs over %v, want at most one per refresh (%d)", used.Lists, span, refreshes)
	}
	// One GET per check, and one marker read per refresh.
	if used.Gets < checks || used.Gets > checks+refreshes {
		t.Errorf("%d GETs for %d checks, want one per check plus at most %d marker reads", used.Gets, checks, refreshes)
	}
	if checks < uint64(span/poll)/2 {
		t.Errorf("only %d checks in %v at a poll of %v", checks, span, poll)
	}
	// Scaled to the defaults (one check a second, a refresh every 30 s).
	perCheck := float64(used.Gets-used.Lists) / float64(checks)
	hourRefreshes := float64(time.Hour / s3store.DefaultTailRefresh)
	t.Logf("scaled to the defaults: %.0f GETs + %.0f LISTs per follower per hour (%.2f GETs per check besides the marker reads)",
		perCheck*3600+hourRefreshes, hourRefreshes*float64(used.Lists)/float64(refreshes-1), perCheck)
}
