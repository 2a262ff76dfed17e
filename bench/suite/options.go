package suite

import (
	"errors"
	"log/slog"
	"regexp"
	"time"
)

// Defaults of Options, those of the published run.
const (
	DefaultAccounts         = 10_000
	DefaultInitial          = 1_000_000
	DefaultWarmup           = 500 * time.Millisecond
	DefaultDuration         = 3 * time.Second
	DefaultRounds           = 3
	DefaultReadDuration     = time.Second
	DefaultSnapshotAccounts = 1_000_000
	DefaultSnapshotCallers  = 16
	DefaultMaxAmount        = 100
	DefaultMemoryValues     = 16 << 20 // 128 MiB of int64
)

// DefaultCallers are the concurrencies of the transfer workloads.
var DefaultCallers = []int{1, 16, 64, 256}

// DefaultReplaySizes are the journal lengths of the start-up workload.
var DefaultReplaySizes = []int{1_000_000}

// Options say what to run. The zero value of a field means its default.
type Options struct {
	Dir      string `json:"-"` // scratch directory, required; every workload cleans up after itself
	Accounts int    // accounts of the transfer and read workloads
	Initial  int64  // balance of every account at the start

	Callers  []int         // concurrencies of the transfer workloads
	Warmup   time.Duration // unmeasured run before each point
	Duration time.Duration // measured window of each point
	Rounds   int           // transfer points are measured in this many turns of Duration/Rounds

	ReadDuration time.Duration // window of each read measurement

	ReplaySizes []int // events in the journals replayed at start-up
	// Replay runs one start-up in a fresh process so that its peak memory
	// is its own; nil: ReplayInChild with this program.
	Replay func(req ReplayRequest) (ReplayMeasure, error) `json:"-"`

	SnapshotAccounts int // accounts of the snapshot workload
	MemoryValues     int // values (8 bytes each) of the state of the memory workload
	SnapshotCallers  int // writers running beside the snapshot

	S3 *S3Options // nil: no S3 workload
	// S3Latency, if set, runs the S3 store behind a latency-injecting
	// proxy; nil: not run.
	S3Latency *S3LatencyOptions

	// Only, if set, selects the points to run by their names, such as
	// "durable/pebble/64", "reads/SQLite", "replay/1000000/model",
	// "snapshot/radix", "memory/slice", "allocs/durable/gob", "s3/durable/16", "s3latency/30ms/durable/64",
	// "s3latency/30ms/loss", "s3latency/0ms/cold/1000".
	Only *regexp.Regexp

	// ProfileDir, if set, receives a CPU profile of each measured point
	// and of each replay, named after the point.
	ProfileDir string `json:"-"`

	Logger *slog.Logger `json:"-"` // progress; nil: silent
}

func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		return o, errors.New("suite: Options.Dir is empty")
	}
	if o.Accounts <= 0 {
		o.Accounts = DefaultAccounts
	}
	if o.Initial <= 0 {
		o.Initial = DefaultInitial
	}
	if len(o.Callers) == 0 {
		o.Callers = DefaultCallers
	}
	if o.Warmup <= 0 {
		o.Warmup = DefaultWarmup
	}
	if o.Duration <= 0 {
		o.Duration = DefaultDuration
	}
	if o.Rounds <= 0 {
		o.Rounds = DefaultRounds
	}
	if o.ReadDuration <= 0 {
		o.ReadDuration = DefaultReadDuration
	}
	if len(o.ReplaySizes) == 0 {
		o.ReplaySizes = DefaultReplaySizes
	}
	if o.Replay == nil {
		o.Replay = ReplayInChild
	}
	if o.SnapshotAccounts <= 0 {
		o.SnapshotAccounts = DefaultSnapshotAccounts
	}
	if o.MemoryValues <= 0 {
		o.MemoryValues = DefaultMemoryValues
	}
	if o.SnapshotCallers <= 0 {
		o.SnapshotCallers = DefaultSnapshotCallers
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

func (o Options) selected(name string) bool {
	return o.Only == nil || o.Only.MatchString(name)
}
