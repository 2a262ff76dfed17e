package integration

import (
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/s3store"
)

func sleepTime(d time.Duration) func(*s3store.Options) {
	return func(o *s3store.Options) { o.SleepTime = d }
}

// TestBufferedFlushWithinSleepTime: in Buffered mode Handle returns before
// the upload, and the event is stored within SleepTime plus an upload.
func TestBufferedFlushWithinSleepTime(t *testing.T) {
	e := newEnv(t)
	const sleep = 300 * time.Millisecond
	p := e.open(prevayler.Options[account]{Durability: prevayler.Buffered}, sleepTime(sleep))
	defer closeOK(t, p)
	before := e.journalSize()

	start := time.Now()
	handle(t, p, 7)
	if took := time.Since(start); took >= sleep {
		t.Errorf("Buffered Handle took %v, want it not to wait for the upload", took)
	}
	if st := p.Stats(); st.PendingBytes == 0 {
		t.Errorf("Stats().PendingBytes = 0 right after a buffered event")
	}
	if e.journalSize() != before && time.Since(start) < sleep {
		t.Fatal("the event was stored at once; Buffered mode should wait for SleepTime")
	}
	for e.journalSize() == before {
		if time.Since(start) > 10*sleep {
			t.Fatalf("the event is not stored %v after Handle (SleepTime %v)", time.Since(start), sleep)
		}
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(start)
	if took < sleep {
		t.Errorf("stored after %v, before SleepTime %v", took, sleep)
	}
	t.Logf("buffered event stored %v after Handle (SleepTime %v)", took, sleep)
}

// TestSyncFlushesNow: with a SleepTime of an hour, Sync stores the
// buffered events at once, and a writer that is then abandoned loses
// nothing.
func TestSyncFlushesNow(t *testing.T) {
	e := newEnv(t)
	p := e.open(prevayler.Options[account]{Durability: prevayler.Buffered}, sleepTime(time.Hour))
	before := e.journalSize()
	for range 5 {
		handle(t, p, 2)
	}
	if e.journalSize() != before {
		t.Fatal("buffered events stored before SleepTime or Sync")
	}
	if err := p.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if e.journalSize() == before {
		t.Fatal("Sync returned before the events were stored")
	}
	if st := p.Stats(); st.PendingBytes != 0 {
		t.Errorf("Stats().PendingBytes = %d after Sync", st.PendingBytes)
	}

	// Abandon p: a frozen Lambda never runs its uploader again.
	p2 := e.open(prevayler.Options[account]{})
	defer closeOK(t, p2)
	if got := p2.State().Balance; got != 10 {
		t.Fatalf("recovered balance %d, want 10: every event before Sync", got)
	}
	p.Close()
}

// TestCloseUploadsEverything: Close stores every buffered event, however
// long SleepTime is.
func TestCloseUploadsEverything(t *testing.T) {
	e := newEnv(t)
	p := e.open(prevayler.Options[account]{Durability: prevayler.Buffered}, sleepTime(time.Hour))
	for i := range 100 {
		handle(t, p, int64(i))
	}
	closeOK(t, p)
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	p2 := e.open(prevayler.Options[account]{})
	defer closeOK(t, p2)
	if got := p2.State(); got.Balance != 4950 || got.Ops != 100 {
		t.Fatalf("recovered %+v, want 100 operations totalling 4950", got)
	}
}

// TestIncrementalSizes: what is stored grows linearly with the events:
// each Durable event adds one segment of about the same size. Compaction,
// which merges the segments in the background, is off here
// (s3store's TestCompaction covers it).
func TestIncrementalSizes(t *testing.T) {
	e := newEnv(t)
	p := e.open(prevayler.Options[account]{}, func(o *s3store.Options) { o.MergeFanIn = -1 })
	defer closeOK(t, p)
	n0, b0 := e.segmentBytes()
	const batch = 100
	for i := range batch {
		handle(t, p, int64(i))
	}
	n1, b1 := e.segmentBytes()
	for i := range batch {
		handle(t, p, int64(i))
	}
	n2, b2 := e.segmentBytes()
	if n1-n0 != batch || n2-n1 != batch {
		t.Errorf("segments grew by %d then %d for %d durable events each, want one per event", n1-n0, n2-n1, batch)
	}
	first, second := b1-b0, b2-b1
	if first <= 0 || second > first+first/10 || second < first-first/10 {
		t.Fatalf("bytes stored grew by %d then %d for the same events: not linear", first, second)
	}
	t.Logf("%.1f bytes stored per durable event (one segment each)", float64(second)/batch)
}
