package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/bench/bank"
	"github.com/prevayler-go/prevayler/bench/machine"
	"github.com/prevayler-go/prevayler/bench/suite"
)

func pt(workload, system string, callers int, tput float64, p99 time.Duration) suite.Point {
	return suite.Point{Workload: workload, System: system, Callers: callers, Ops: 10, Throughput: tput,
		P50: p99 / 4, P90: p99 / 2, P99: p99, P999: p99 * 2, Max: p99 * 3}
}

func sample() *suite.Results {
	r := &suite.Results{Elapsed: 42 * time.Second, StateNs: 4,
		Options: suite.Options{Accounts: 10_000, Initial: 1_000_000, Duration: time.Second, Warmup: time.Second,
			ReadDuration: time.Second, SnapshotAccounts: 1_000_000, SnapshotCallers: 16}}
	r.Lone = []suite.LoneRate{{System: suite.LoneLibrary, EventsPerSec: 1.5e6}, {System: suite.LoneRawWrite, EventsPerSec: 2e6}}
	for _, c := range []int{1, 64, 256} {
		r.Points = append(r.Points,
			pt(suite.Durable, bank.Prevayler, c, 1000*float64(c), time.Millisecond),
			pt(suite.Durable, bank.PrevaylerRadix, c, 2000*float64(c), time.Millisecond),
			pt(suite.Durable, bank.Pebble, c, 500*float64(c), 2*time.Millisecond),
			pt(suite.Durable, bank.BoltUpdate, c, 400, 9*time.Millisecond),
			pt(suite.Durable, bank.RawSync, c, 1000, 9*time.Millisecond),
			pt(suite.Buffered, bank.Prevayler, c, 600e3, time.Microsecond))
	}
	r.Reads = []suite.Read{{System: suite.StateBalance, NsPerOp: 10}, {System: bank.BoltUpdate, NsPerOp: 400}}
	r.Replays = []suite.Replay{{Events: 1000, State: suite.StateModel, JournalBytes: 30_000,
		ReplayMeasure: suite.ReplayMeasure{Elapsed: time.Millisecond, EventsPerSec: 2e6, PeakRSS: 100 << 20, BaseRSS: 10 << 20, StateHeap: 1 << 20}}}
	r.Snaps = []suite.Snapshot{{State: suite.StateModel, Accounts: 1_000_000, Idle: time.Second, During: []time.Duration{time.Second},
		Without: pt("snapshot/without", "model", 16, 100, time.Millisecond), With: pt("snapshot/with", "model", 16, 90, 3*time.Millisecond)}}
	r.Memory = []suite.Memory{
		{Method: suite.MemorySlice, StateBytes: 100, OpenAlloc: 170, SnapAlloc: 10, OpenPeakRSS: 180, SnapPeakRSS: 190},
		{Method: suite.MemoryGob, StateBytes: 100, OpenAlloc: 750, SnapAlloc: 290, OpenPeakRSS: 470, SnapPeakRSS: 300},
	}
	r.Totals = []suite.TotalCheck{{Workload: suite.Durable, System: bank.Prevayler, Total: 5, Want: 5, OK: true, Recovered: true}}
	return r
}

// TestTargets checks each target's ratio and verdict on known figures.
func TestTargets(t *testing.T) {
	want := map[string][2]string{
		"Durable, 1 caller: ≥ 0.9× one write+fdatasync per record":                 {"1.00× (1.00k/s vs 1.00k/s)", "yes"},
		"Durable, 1 caller: ≥ 2× bbolt Update":                                     {"2.50× (1.00k/s vs 400/s)", "yes"},
		"Durable, 64 callers: ≥ 1.2× pebble":                                       {"2.00× (64.0k/s vs 32.0k/s)", "yes"},
		"Durable, 256 callers: ≥ 2.5× pebble":                                      {"2.00× (256.0k/s vs 128.0k/s)", "**no**"},
		"Buffered, 1 caller: ≥ 500k events/s":                                      {"600.0k/s (1.20× the target)", "yes"},
		"Buffered, 16 callers: ≥ 1M events/s":                                      {"—", "—"},
		"`State()` read: < 20 ns":                                                  {"4.0 ns", "yes"},
		"`State()` + balance: ≥ 50× faster than a bbolt point read":                {"40× (10.0 ns vs 400 ns)", "**no**"},
		"Replay: ≥ 1M events/s":                                                    {"2.00M/s (1000 events)", "yes"},
		"Replay: peak memory ≤ state + 64 MiB":                                     {"RSS +90.0 MiB, limit 65.0 MiB", "**no**"},
		"Snapshot: writers' p99 during ≤ 2× without":                               {"3.00× (3.00 ms vs 1.00 ms)", "**no**"},
		"Durable, 1 caller: ≥ 1.0× one write+fdatasync per record (growing file)":  {"1.00× (1.00k/s vs 1.00k/s)", "yes"},
		"Durable, 64 callers: ≥ 0.8× the raw group-commit probe":                   {"—", "—"},
		"Durable, 256 callers: ≥ 0.8× the raw group-commit probe":                  {"—", "—"},
		"Buffered, 1 caller: ≥ 2× pebble NoSync":                                   {"—", "—"},
		"Buffered, 1 caller, counter, gob: ≥ 1.0× one 40-byte write(2) per record": {"0.75× (1.50M/s vs 2.00M/s)", "**no**"},
		"Snapshot beside writers: median ≤ 3× its time alone":                      {"1.00× (1.00 s vs 1.00 s)", "yes"},
		"Replay: ≥ 750k events/s":                                                  {"2.00M/s (1000 events)", "yes"},
		"Replay, the library alone (counter state): ≥ 2M events/s":                 {"—", "—"},
		"Open + Snapshot of a plain 128 MiB state: allocated ≤ 2.5× the state":     {"slice state 1.80×, one gob value 10.40×", "yes"},
		"Open, Snapshot of a plain 128 MiB state: peak RSS < 3× the state":         {"slice state 1.90×, one gob value 4.70×", "yes"},
	}
	got := targets(sample())
	if len(got) != len(want) {
		t.Fatalf("%d targets, want %d", len(got), len(want))
	}
	for _, tg := range got {
		w, ok := want[tg.What]
		if !ok {
			t.Errorf("unexpected target %q", tg.What)
			continue
		}
		if tg.Model.Value != w[0] || tg.Model.Met != w[1] {
			t.Errorf("%s: got %q %q, want %q %q", tg.What, tg.Model.Value, tg.Model.Met, w[0], w[1])
		}
	}
}

// TestWrite writes a report from sample results, then again from the
// JSON it stored, and checks both.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	in := Input{Results: sample(), Machine: machine.Info{CPU: "Test CPU", Cores: 2, GoVersion: "go1.x", Date: time.Unix(0, 0).UTC()}, Command: "benchall -out x"}
	if err := Write(dir, in); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(dir, Document))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"# Benchmarks", "go -C bench run ./cmd/benchall -out ../docs", "Test CPU, 2 logical cores",
		"## Targets", "| prevayler | 1.00k/s | 64.0k/s | 256.0k/s |", "![durable-throughput](bench/durable-throughput.png)",
		"## Where the time goes", "`State()` alone: **4.0 ns**", "Not run: set PREVAYLER_S3_ENDPOINT"} {
		if !strings.Contains(string(doc), s) {
			t.Errorf("the document lacks %q", s)
		}
	}
	for _, img := range []string{"durable-throughput", "durable-p50", "durable-p99", "buffered-throughput", "snapshot-latency"} {
		fi, err := os.Stat(filepath.Join(dir, Images, img+".png"))
		if err != nil || fi.Size() < 1000 {
			t.Errorf("chart %s: %v", img, err)
		}
	}
	again, err := Read(filepath.Join(dir, JSON))
	if err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	if err := Write(dir2, again); err != nil {
		t.Fatal(err)
	}
	doc2, err := os.ReadFile(filepath.Join(dir2, Document))
	if err != nil {
		t.Fatal(err)
	}
	if string(doc2) != string(doc) {
		t.Error("the report written from the stored JSON differs")
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{rate(812), "812/s"}, {rate(1234), "1.23k/s"}, {rate(12345), "12.3k/s"}, {rate(1.25e6), "1.25M/s"},
		{dur(17), "17 ns"}, {dur(1500), "1.50 µs"}, {dur(12_345_678), "12.3 ms"}, {dur(2 * time.Second), "2.00 s"},
		{human(1000), "1k"}, {human(1e7), "10M"}, {human(0.1), "0.1"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
