package suite

import (
	"context"
	"os"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/bench/bank"
)

func TestMain(m *testing.M) {
	// The replay workload re-executes this test binary as its child.
	if ServeChild() {
		return
	}
	os.Exit(m.Run())
}

func tiny(t *testing.T) Options {
	t.Helper()
	return Options{
		Dir:              t.TempDir(),
		Accounts:         200,
		Callers:          []int{1, 4},
		Warmup:           10 * time.Millisecond,
		Duration:         50 * time.Millisecond,
		ReadDuration:     20 * time.Millisecond,
		ReplaySizes:      []int{3000},
		SnapshotAccounts: 3000,
		SnapshotCallers:  2,
		MemoryValues:     200_000,
	}
}

// TestRunTiny runs every local workload on tiny sizes and checks that each
// produced its measurements and that every balance check passed.
func TestRunTiny(t *testing.T) {
	o := tiny(t)
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) > 0 {
		t.Fatalf("failures: %q", res.Failures)
	}
	for _, k := range bank.Kinds() {
		for _, mode := range []string{Durable, Buffered} {
			if (mode == Durable && !k.Durable) || (mode == Buffered && !k.Buffered) {
				continue
			}
			for _, c := range o.Callers {
				p, ok := res.Find(mode, k.Name, c)
				if !ok || p.Ops <= 0 || p.Throughput <= 0 || p.P99 < p.P50 || p.Max < p.P99 {
					t.Errorf("%s/%s/%d: %+v (found %v)", mode, k.Name, c, p, ok)
				}
			}
		}
	}
	var checked int
	for _, c := range res.Totals {
		if !c.OK || c.Total != int64(o.Accounts)*DefaultInitial {
			t.Errorf("total check failed: %+v", c)
		}
		if c.Recovered {
			checked++
		}
	}
	if checked != 4 { // both prevalent systems, both modes
		t.Errorf("%d totals checked after reopening, want 4", checked)
	}
	if res.StateNs <= 0 {
		t.Error("State() not measured")
	}
	if _, ok := res.FindRead(StateBalance); !ok {
		t.Error("State().Balance not measured")
	}
	for _, name := range []string{bank.Prevayler, bank.BoltUpdate, bank.SQLite, bank.Pebble} {
		if r, ok := res.FindRead(name); !ok || r.NsPerOp <= 0 {
			t.Errorf("reads of %s: %+v", name, r)
		}
	}
	if len(res.Replays) != len(ReplayStates) {
		t.Fatalf("%d replays, want %d", len(res.Replays), len(ReplayStates))
	}
	for _, rp := range res.Replays {
		if rp.Events != 3000 || rp.EventsPerSec <= 0 || rp.JournalBytes <= 0 || rp.Elapsed <= 0 {
			t.Errorf("replay: %+v", rp)
		}
		if rp.PeakRSS <= 0 || rp.PeakHeap == 0 || rp.PeakRSS < rp.BaseRSS {
			t.Errorf("replay memory: %+v", rp)
		}
	}
	if len(res.Snaps) != 2 {
		t.Fatalf("%d snapshot results, want 2", len(res.Snaps))
	}
	for _, s := range res.Snaps {
		if s.Idle <= 0 || s.SnapshotBytes <= 0 || len(s.During) == 0 || s.Without.Ops <= 0 || s.With.Ops <= 0 {
			t.Errorf("snapshot %s: %+v", s.State, s)
		}
	}
	checkMemory(t, res)
	if len(res.Allocs) != 4 {
		t.Errorf("%d allocation results, want 4", len(res.Allocs))
	}
	for _, a := range res.Allocs {
		if a.Events == 0 || a.EventsPerSec <= 0 || a.BytesPerEvent < 0 {
			t.Errorf("allocs: %+v", a)
		}
	}
	if res.S3 != nil {
		t.Error("S3 results without S3 options")
	}
}

// TestMemory runs the memory workload alone, its children included.
func TestMemory(t *testing.T) {
	o := tiny(t)
	o.Only = regexp.MustCompile(`^memory/`)
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) > 0 {
		t.Fatalf("failures: %q", res.Failures)
	}
	checkMemory(t, res)
}

func checkMemory(t *testing.T, res *Results) {
	t.Helper()
	if len(res.Memory) != len(MemoryMethods) {
		t.Fatalf("%d memory results, want %d", len(res.Memory), len(MemoryMethods))
	}
	for i, m := range res.Memory {
		if m.Method != MemoryMethods[i] || m.StateBytes != 8*200_000 || m.OpenAlloc == 0 || m.SnapAlloc == 0 ||
			m.OpenPeakRSS <= 0 || m.SnapPeakRSS <= 0 || m.OpenElapsed <= 0 || m.SnapElapsed <= 0 || m.StateHeap == 0 {
			t.Errorf("memory %s: %+v", MemoryMethods[i], m)
		}
	}
}

// TestOnly checks that Options.Only selects points by name.
func TestOnly(t *testing.T) {
	o := tiny(t)
	o.Only = regexp.MustCompile(`^(reads/pebble|durable/bbolt Batch/4)$`)
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 1 || res.Points[0].System != bank.BoltBatch || res.Points[0].Callers != 4 {
		t.Errorf("points: %+v", res.Points)
	}
	if len(res.Reads) != 1 || res.Reads[0].System != bank.Pebble {
		t.Errorf("reads: %+v", res.Reads)
	}
	if len(res.Replays)+len(res.Snaps)+len(res.Memory)+len(res.Allocs) != 0 || res.StateNs != 0 {
		t.Error("unselected workloads ran")
	}
}

// TestReplayHere replays in this process, as the child does.
func TestReplayHere(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if _, err := generate(ctx, dir, StateModel, 100, 500); err != nil {
		t.Fatal(err)
	}
	m, err := ReplayHere(ctx, ReplayRequest{Dir: dir, State: StateModel, Events: 500})
	if err != nil {
		t.Fatal(err)
	}
	if m.EventsPerSec <= 0 {
		t.Fatalf("%+v", m)
	}
	// The journal is left as it was: a second replay finds the same.
	if _, err := ReplayHere(ctx, ReplayRequest{Dir: dir, State: StateModel, Events: 500}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReplayHere(ctx, ReplayRequest{Dir: dir, State: StateModel, Events: 501}); err == nil {
		t.Fatal("a wrong event count went unnoticed")
	}
}

// TestS3 runs the S3 workload against the server named by the
// environment, as CI provides it.
func TestS3(t *testing.T) {
	ep := os.Getenv("PREVAYLER_S3_ENDPOINT")
	if ep == "" {
		t.Skip("PREVAYLER_S3_ENDPOINT is not set: no S3-compatible server to run the S3 workload against")
	}
	o := tiny(t)
	o.Only = regexp.MustCompile(`^s3/`)
	o.S3 = &S3Options{Endpoint: ep, Bucket: os.Getenv("PREVAYLER_S3_BUCKET"), RecoveryEvents: 2000, SleepTime: 50 * time.Millisecond}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) > 0 {
		t.Fatalf("failures: %q", res.Failures)
	}
	s := res.S3
	if s == nil || len(s.Durable) != 2 || len(s.Buffered) != 2 {
		t.Fatalf("S3 results: %+v", s)
	}
	for _, p := range slices.Concat(s.Durable, s.Buffered) {
		if p.Ops <= 0 || p.Uploads <= 0 || p.BytesPerEvent <= 0 {
			t.Errorf("%s/%d: %+v", p.Workload, p.Callers, p)
		}
	}
	if s.RecoveryEvents != 2000 || s.Recovery <= 0 || s.RecoveryBytes <= 0 {
		t.Errorf("recovery: %+v", s)
	}
}

func TestOptionsInvalid(t *testing.T) {
	if _, err := Run(context.Background(), Options{}); err == nil {
		t.Fatal("ran without a directory")
	}
}
