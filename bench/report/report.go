package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prevayler-go/prevayler/bench/bank"
	"github.com/prevayler-go/prevayler/bench/machine"
	"github.com/prevayler-go/prevayler/bench/suite"
)

// notes is the analysis written from the profiles of a run.
//
//go:embed notes.md
var notes string

// Input is what the report is made of.
type Input struct {
	Results *suite.Results
	Machine machine.Info
	Command string // the command line that produced the results
}

// Names of the files Write creates, relative to its directory.
const (
	Document = "BENCHMARKS.md"
	Images   = "bench"
	JSON     = "bench/results.json"
)

// Write writes the document, its charts and the results as JSON into dir.
func Write(dir string, in Input) error {
	if err := os.MkdirAll(filepath.Join(dir, Images), 0o755); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return fmt.Errorf("report: encode results: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, JSON), append(raw, '\n'), 0o644); err != nil {
		return err
	}
	charts, err := writeCharts(filepath.Join(dir, Images), in.Results)
	if err != nil {
		return fmt.Errorf("report: charts: %w", err)
	}
	doc := document(in, charts)
	return os.WriteFile(filepath.Join(dir, Document), []byte(doc), 0o644)
}

// Read loads the results a previous Write stored, to write the report
// again.
func Read(path string) (Input, error) {
	var in Input
	raw, err := os.ReadFile(path)
	if err != nil {
		return in, err
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return in, fmt.Errorf("report: %s: %w", path, err)
	}
	return in, nil
}

func document(in Input, charts map[string]string) string {
	r := in.Results
	m := in.Machine
	var b strings.Builder
	b.WriteString("# Benchmarks\n\n")
	b.WriteString("Everything below comes from one run of one command, from the repository root:\n\n")
	b.WriteString("```sh\ngo -C bench run ./cmd/benchall -out ../docs\n```\n\n")
	b.WriteString("It runs every workload, then writes this file, the charts in `docs/bench/` and the raw results in `docs/bench/results.json` " +
		"(`-from docs/bench/results.json` writes the report again without running). `-help` lists the flags: longer windows, " +
		"the 10M-event replay (`-replay 1000000,10000000`, off by default as it adds several minutes), a subset of points (`-only`), CPU profiles (`-pprof DIR`). " +
		"The S3 workload runs when `PREVAYLER_S3_ENDPOINT` is set (with `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`; " +
		"`PREVAYLER_S3_BUCKET` or a bucket created for the run); `-s3latency 0,30ms` adds the S3 store behind a latency proxy, in front of that server or of an in-process one " +
		"(`-s3cold 1000,10000` adds the long cold start). `go -C bench test ./...` tests the workloads' code in seconds.\n\n")
	fmt.Fprintf(&b, "This run: `%s`, %s, took %s.\n\n", in.Command, m.Date.Format("2006-01-02 15:04 UTC"), r.Elapsed.Round(time.Second))

	b.WriteString("## Machine\n\n| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| CPU | %s, %d logical cores |\n", orDash(m.CPU), m.Cores)
	fmt.Fprintf(&b, "| Memory | %.1f GiB |\n", float64(m.MemTotal)/(1<<30))
	fmt.Fprintf(&b, "| Kernel | Linux %s (%s) |\n", orDash(m.Kernel), m.OSArch)
	fmt.Fprintf(&b, "| Go | %s |\n", m.GoVersion)
	fmt.Fprintf(&b, "| Disk | %s (virtual disk), where every journal and database was written |\n", orDash(m.FSType))
	fmt.Fprintf(&b, "| Date | %s |\n\n", m.Date.Format(time.RFC3339))
	b.WriteString("The machine is a shared virtual machine with 2 cores, and other work ran beside the benchmark, so single figures are noisy")
	if p, ok := r.Find(suite.Durable, bank.RawSync, 1); ok {
		fmt.Fprintf(&b, " (one write and fdatasync of the raw probe took %s at the median, %s at p99 and %s at p99.9 in this run)", dur(p.P50), dur(p.P99), dur(p.P999))
	}
	b.WriteString(". Every ratio below compares systems measured in the same run, each point for the same fixed time, " +
		"the systems taking turns so that the machine's slow moments fall on all of them alike.\n\n")
	b.WriteString("## Targets\n\n")
	b.WriteString("The targets of the benchmark issue (the rows down to peak RSS) and of the speed issue (the rows after them), for the user's state (`examples/bank/model`, a persistent tree of fan-out 16) and for the radix-tree state of `bench/radixbank`:\n\n")
	b.WriteString("| Target | prevayler (model) | met | prevayler (radix state) | met |\n|---|---|---|---|---|\n")
	for _, t := range targets(r) {
		radix := "| — | — |"
		if t.HasRadix {
			radix = fmt.Sprintf("| %s | %s |", t.Radix.Value, t.Radix.Met)
		}
		fmt.Fprintf(&b, "| %s | %s | %s %s\n", t.What, t.Model.Value, t.Model.Met, radix)
	}
	b.WriteString("\n")
	if len(r.Failures) > 0 {
		b.WriteString("**Failures in this run:**\n\n")
		for _, f := range r.Failures {
			fmt.Fprintf(&b, "- %s\n", f)
		}
		b.WriteString("\n")
	}

	o := r.Options
	fmt.Fprintf(&b, "## Bank transfers, durable\n\n%d accounts of %d each; every transfer moves 1 to %d between two distinct random accounts "+
		"and is acknowledged only once fsynced. A closed loop: each caller sends its next transfer when the previous one returns. "+
		"Each point is measured for %s in %d windows (after a %s warm-up), the systems taking turns at each concurrency, so that a slow moment of the shared disk "+
		"falls on all of them alike.\n\n", o.Accounts, o.Initial, suite.DefaultMaxAmount, o.Duration, o.Rounds, o.Warmup)
	b.WriteString(systemNotes)
	transferTables(&b, r, suite.Durable)
	image(&b, charts, "durable-throughput", "durable-p50", "durable-p99")

	b.WriteString("## Bank transfers, buffered\n\nThe same workload without an fsync per transfer: prevayler `Buffered` (each event written to the OS before `Handle` returns), " +
		"bbolt `NoSync`, SQLite `synchronous=OFF`, pebble `NoSync`, and one `write` per record.\n\n")
	transferTables(&b, r, suite.Buffered)
	image(&b, charts, "buffered-throughput", "buffered-p99")

	b.WriteString("## Balance checks\n\nAt the end of each system's run the sum of every balance is read back from the system; the prevalent systems are also closed, " +
		"reopened (replaying their journal) and compared account by account with the state acknowledged before closing. The raw probes sum the records read back from disk.\n\n")
	totalsTable(&b, r)

	b.WriteString("## Reads\n\nOne goroutine reads the balance of random accounts, " + o.ReadDuration.String() + " per system.\n\n")
	readsTable(&b, r)

	b.WriteString("## Start-up\n\nA journal of N transfers (a snapshot of 10,000 accounts, then the events) is replayed by `Open` in a fresh process, " +
		"whose peak memory is its own: peak RSS is the child's `VmHWM`, RSS before is its `VmRSS` just before `Open`, peak heap is sampled every millisecond " +
		"from `runtime/metrics`. The same events replay into the user's state (`model`), the radix tree (`radix`), and a state that only counts them (`counter`), " +
		"which leaves the library's own cost: reading, checking and decoding the journal.\n\n")
	replayTable(&b, r)

	fmt.Fprintf(&b, "## Snapshot\n\nA prevalent bank of %d accounts. `Snapshot` alone first; then %d Durable writers, alone and while snapshots run back to back beside them, "+
		"alternating twice, %s in all for each. The raw group-commit probe is then measured the same way, alone and beside files of the snapshot's size "+
		"written, fsynced and renamed back to back: what the file system alone does to durable writes while a snapshot is written.\n\n",
		o.SnapshotAccounts, o.SnapshotCallers, o.Duration)
	snapshotTable(&b, r)
	image(&b, charts, "snapshot-latency")

	b.WriteString("## Large state in memory\n\n" + memoryIntro)
	memoryTable(&b, r)

	b.WriteString("## Allocations per event\n\n" + allocsIntro)
	allocsTable(&b, r)

	b.WriteString("## One caller, Buffered, against write(2)\n\n" + loneIntro)
	loneTable(&b, r)

	b.WriteString("## S3\n\nThe same transfers on `s3store` (one PUT per group commit in Durable mode; Buffered uploads once per `SleepTime`).\n\n")
	s3Tables(&b, r)
	image(&b, charts, "s3-throughput")

	b.WriteString("## S3 at added latency\n\n" + s3LatencyIntro)
	s3LatencyTables(&b, r)
	image(&b, charts, "s3latency-throughput")

	b.WriteString(notes)
	return b.String()
}

const systemNotes = "- **prevayler**: `prevayler.Open` with `model.Handle` on `localstore`, `Durable`: the user's state of `examples/bank/model`.\n" +
	"- **prevayler (radix state)**: the same, with the state of `bench/radixbank` (a persistent radix tree, fan-out 32).\n" +
	"- **bbolt Update / Batch**: one read-modify-write transaction per transfer, committed alone (`Update`) or grouped by bbolt (`Batch`).\n" +
	"- **SQLite**: `modernc.org/sqlite`, WAL, `synchronous=FULL`, one connection, `BEGIN IMMEDIATE`, SELECT + 2 UPDATEs.\n" +
	"- **pebble**: the two accounts locked, read, and written in one batch committed with `pebble.Sync`.\n" +
	"- **raw per record**: a 24-byte record appended with one `write` and one `fdatasync` per transfer, one at a time: what one fsync costs.\n" +
	"- **raw group commit**: records queue while one `write` + `fdatasync` of everything queued is in flight: the best a durable store can do on this disk.\n\n"

func image(b *strings.Builder, charts map[string]string, names ...string) {
	for _, n := range names {
		if file, ok := charts[n]; ok {
			fmt.Fprintf(b, "![%s](%s)\n\n", n, file)
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
