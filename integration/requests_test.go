package integration

import (
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
)

// TestRequestsCounted checks the request counts a prevalent system on S3
// reports: a Durable event costs one PUT, Sync after Buffered events one
// PUT, and an open journal that receives nothing makes no request at all,
// however long it stays open.
func TestRequestsCounted(t *testing.T) {
	e := newEnv(t)
	const sleep = 50 * time.Millisecond
	p := e.open(prevayler.Options[account]{}, sleepTime(sleep))
	defer closeOK(t, p)
	opened := p.Stats().Requests
	if opened.Total() == 0 || opened.Puts == 0 {
		t.Fatalf("Open made %+v: no requests counted", opened)
	}

	before := p.Stats().Requests
	handle(t, p, 5)
	used := p.Stats().Requests.Sub(before)
	if used.Puts != 1 || used.Total() != 1 {
		t.Errorf("one Durable event made %+v, want one PUT", used)
	}
	if used.BytesUp <= 0 {
		t.Errorf("one Durable event uploaded %d bytes", used.BytesUp)
	}

	before = p.Stats().Requests
	time.Sleep(10 * sleep)
	if idle := p.Stats().Requests.Sub(before); idle.Total() != 0 {
		t.Errorf("an idle journal made %+v over %v, want none", idle, 10*sleep)
	}
}

// TestBufferedSyncIsOnePut checks that Sync after Buffered events, as a
// function that must not lose them before it returns does, costs one PUT
// however many events it covers, and that an idle Buffered journal makes
// no request afterwards.
func TestBufferedSyncIsOnePut(t *testing.T) {
	e := newEnv(t)
	// A long SleepTime: nothing uploads unless Sync asks.
	p := e.open(prevayler.Options[account]{Durability: prevayler.Buffered}, sleepTime(time.Minute))
	defer closeOK(t, p)
	before := p.Stats().Requests
	for range 20 {
		handle(t, p, 1)
	}
	if err := p.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	used := p.Stats().Requests.Sub(before)
	if used.Puts != 1 || used.Total() != 1 {
		t.Errorf("20 Buffered events and a Sync made %+v, want one PUT", used)
	}
	before = p.Stats().Requests
	time.Sleep(300 * time.Millisecond)
	if idle := p.Stats().Requests.Sub(before); idle.Total() != 0 {
		t.Errorf("an idle Buffered journal made %+v, want none", idle)
	}
}
