package suite

import (
	"time"

	"github.com/prevayler-go/prevayler/bench/harness"
)

// Point is one closed-loop measurement.
type Point struct {
	Workload   string // "durable", "buffered", "snapshot/...", "s3/durable"...
	System     string
	Callers    int
	Ops        int64
	Elapsed    time.Duration
	Throughput float64 // operations per second
	Mean       time.Duration
	P50        time.Duration
	P90        time.Duration
	P99        time.Duration
	P999       time.Duration
	Max        time.Duration
	// EventsPerWrite is, for a prevalent system, the events per journal
	// write (the group commit's batch size), warm-up included; 0 for others.
	EventsPerWrite float64
}

func pointOf(workload, system string, r *harness.Result) Point {
	h := &r.Latency
	return Point{
		Workload: workload, System: system, Callers: r.Callers,
		Ops: r.Ops, Elapsed: r.Elapsed, Throughput: r.Throughput(),
		Mean: h.Mean(), P50: h.Quantile(0.5), P90: h.Quantile(0.9),
		P99: h.Quantile(0.99), P999: h.Quantile(0.999), Max: h.Max(),
	}
}

// TotalCheck is the balance check at the end of a system's run.
type TotalCheck struct {
	Workload  string
	System    string
	Total     int64
	Want      int64
	Recovered bool // the total was read again after closing and reopening
	OK        bool
}

// Read is a point-read measurement from one goroutine.
type Read struct {
	System  string
	Ops     int64
	NsPerOp float64
}

// ReplayRequest asks a child process to replay one journal.
type ReplayRequest struct {
	Dir    string // holds the journal ("journal"), which the child leaves intact
	State  string // StateModel, StateRadix or StateCounter
	Events int    // events the journal holds, checked after replay
	// CPUProfile, if set, is where the child writes a CPU profile of the
	// replay.
	CPUProfile string
}

// ReplayMeasure is what the child measured.
type ReplayMeasure struct {
	Elapsed      time.Duration // Open, replay and the new journal included
	EventsPerSec float64
	PeakRSS      int64  // VmHWM of the child, bytes
	PeakHeap     uint64 // largest live-plus-garbage heap seen, sampled every millisecond
	BaseRSS      int64  // VmRSS before Open: the runtime and the binary
	StateHeap    uint64 // heap after Open and a full GC: the state, roughly
}

// Replay is one start-up measurement.
type Replay struct {
	Events       int
	State        string
	JournalBytes int64
	Generate     time.Duration // to write the journal, Buffered, before
	ReplayMeasure
}

// Snapshot is the snapshot workload on one state.
type Snapshot struct {
	State         string
	Accounts      int
	Idle          time.Duration   // one Snapshot with no writer running
	SnapshotBytes int64           // size of the journal right after it
	During        []time.Duration // each Snapshot taken while writers ran
	Without       Point           // writers alone
	With          Point           // the same writers while snapshots run back to back
	// The raw group-commit probe alone, and beside files of SnapshotBytes
	// written and fsynced back to back: the file system's share.
	ProbeAlone, ProbeWith Point
}

// MemoryRequest asks a child process to open and snapshot a large state.
type MemoryRequest struct {
	Dir    string // holds the journal or the file, which the child leaves intact
	Method string // MemorySlice, MemoryModel, MemoryGob or MemoryRaw
	Values int    // values (accounts) of the state, checked after opening
}

// Memory is the memory workload for one method: opening the state (for
// the library: Open, its replay and the new journal), then writing a
// snapshot of it, each in the same fresh process.
type Memory struct {
	Method     string
	Values     int
	StateBytes int64 // 8 bytes per value: the balances or the slice
	BaseRSS    int64 // VmRSS before opening: the runtime and the binary
	StateHeap  uint64
	// Bytes allocated and peak RSS (VmHWM, reset before each phase) of
	// each phase.
	OpenAlloc, SnapAlloc     uint64
	OpenPeakRSS, SnapPeakRSS int64
	OpenElapsed, SnapElapsed time.Duration
}

// Ratios against the state's size.
func (m Memory) OpenAllocRatio() float64 { return float64(m.OpenAlloc) / float64(m.StateBytes) }
func (m Memory) SnapAllocRatio() float64 { return float64(m.SnapAlloc) / float64(m.StateBytes) }
func (m Memory) OpenRSSRatio() float64   { return float64(m.OpenPeakRSS) / float64(m.StateBytes) }
func (m Memory) SnapRSSRatio() float64   { return float64(m.SnapPeakRSS) / float64(m.StateBytes) }

// Allocs is what one caller's Handle allocated per event, with a handler
// that allocates nothing.
type Allocs struct {
	Mode           string // Durable or Buffered
	Codec          string
	Events         int
	AllocsPerEvent float64
	BytesPerEvent  float64
	EventsPerSec   float64
}

// Results are everything one run measured.
type Results struct {
	Started   time.Time
	Elapsed   time.Duration
	Options   Options
	Points    []Point // transfers, durable and buffered
	Totals    []TotalCheck
	Reads     []Read
	StateNs   float64 // State() alone, ns
	Replays   []Replay
	Snaps     []Snapshot
	Memory    []Memory
	Allocs    []Allocs
	Lone      []LoneRate
	S3        *S3Results
	S3Latency *S3LatencyResults
	Failures  []string // workloads or systems that failed, with the error
}

// Find returns the point of a workload, system and concurrency.
func (r *Results) Find(workload, system string, callers int) (Point, bool) {
	for _, p := range r.Points {
		if p.Workload == workload && p.System == system && p.Callers == callers {
			return p, true
		}
	}
	return Point{}, false
}

// FindRead returns the read measurement of a system.
func (r *Results) FindRead(system string) (Read, bool) {
	for _, x := range r.Reads {
		if x.System == system {
			return x, true
		}
	}
	return Read{}, false
}
