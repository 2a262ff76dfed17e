package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prevayler-go/prevayler/bench/bank"
	"github.com/prevayler-go/prevayler/bench/suite"
)

// systemsOf lists the systems of a workload in the order they ran.
func systemsOf(r *suite.Results, workload string) []string {
	var names []string
	for _, p := range r.Points {
		if p.Workload == workload && !slices.Contains(names, p.System) {
			names = append(names, p.System)
		}
	}
	return names
}

func callersOf(r *suite.Results, workload string) []int {
	var cs []int
	for _, p := range r.Points {
		if p.Workload == workload && !slices.Contains(cs, p.Callers) {
			cs = append(cs, p.Callers)
		}
	}
	slices.Sort(cs)
	return cs
}

// transferTables writes the throughput and latency tables of a workload.
func transferTables(b *strings.Builder, r *suite.Results, workload string) {
	systems, callers := systemsOf(r, workload), callersOf(r, workload)
	if len(systems) == 0 {
		b.WriteString("Not run.\n\n")
		return
	}
	header := func(first string) {
		b.WriteString("| " + first + " |")
		for _, c := range callers {
			fmt.Fprintf(b, " %d |", c)
		}
		b.WriteString("\n|---|")
		for range callers {
			b.WriteString("--:|")
		}
		b.WriteString("\n")
	}
	b.WriteString("Throughput, transfers per second, by concurrent callers:\n\n")
	header("System")
	for _, s := range systems {
		fmt.Fprintf(b, "| %s |", s)
		for _, c := range callers {
			if p, ok := r.Find(workload, s, c); ok {
				fmt.Fprintf(b, " %s |", rate(p.Throughput))
			} else {
				b.WriteString(" — |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\nLatency of one transfer, p50 / p99 (p99.9), by concurrent callers:\n\n")
	header("System")
	for _, s := range systems {
		fmt.Fprintf(b, "| %s |", s)
		for _, c := range callers {
			if p, ok := r.Find(workload, s, c); ok {
				fmt.Fprintf(b, " %s / %s (%s) |", dur(p.P50), dur(p.P99), dur(p.P999))
			} else {
				b.WriteString(" — |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	var batched []string
	for _, sys := range systems {
		for _, c := range callers {
			if p, ok := r.Find(workload, sys, c); ok && p.EventsPerWrite > 0 && !slices.Contains(batched, sys) {
				batched = append(batched, sys)
			}
		}
	}
	if len(batched) == 0 {
		return
	}
	b.WriteString("Events per journal write of the prevalent systems (the size of a group commit), from `Stats()`:\n\n")
	header("System")
	for _, sys := range batched {
		fmt.Fprintf(b, "| %s |", sys)
		for _, c := range callers {
			if p, ok := r.Find(workload, sys, c); ok {
				fmt.Fprintf(b, " %.1f |", p.EventsPerWrite)
			} else {
				b.WriteString(" — |")
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

func totalsTable(b *strings.Builder, r *suite.Results) {
	b.WriteString("| Workload | System | Total at the end | Expected | Checked after reopening | OK |\n|---|---|--:|--:|---|---|\n")
	for _, c := range r.Totals {
		again := "—"
		if c.Recovered {
			again = "yes: every balance as acknowledged"
		}
		ok := "yes"
		if !c.OK {
			ok = "**no**"
		}
		fmt.Fprintf(b, "| %s | %s | %d | %d | %s | %s |\n", c.Workload, c.System, c.Total, c.Want, again, ok)
	}
	b.WriteString("\n")
}

func readsTable(b *strings.Builder, r *suite.Results) {
	if len(r.Reads) == 0 {
		b.WriteString("Not run.\n\n")
		return
	}
	fmt.Fprintf(b, "`State()` alone: **%.1f ns**.\n\n", r.StateNs)
	b.WriteString("| System | Read | ns per read | Reads per second |\n|---|---|--:|--:|\n")
	for _, x := range r.Reads {
		how := "point read through the benchmark's interface"
		switch {
		case x.System == suite.StateBalance:
			how = "`p.State().Balance(id)` as a user writes it"
		case strings.HasPrefix(x.System, "prevayler"):
			how = "`State().Balance(id)` through the interface"
		case strings.HasPrefix(x.System, "bbolt"):
			how = "`View` + `Get`"
		case x.System == "SQLite":
			how = "prepared `SELECT` by primary key"
		case x.System == "pebble":
			how = "`Get`"
		}
		name := x.System
		if name == bank.BoltUpdate {
			name = "bbolt" // Update and Batch differ only in writes
		}
		fmt.Fprintf(b, "| %s | %s | %.1f | %s |\n", name, how, x.NsPerOp, rate(1e9/x.NsPerOp))
	}
	b.WriteString("\n")
}

func replayTable(b *strings.Builder, r *suite.Results) {
	if len(r.Replays) == 0 {
		b.WriteString("Not run.\n\n")
		return
	}
	b.WriteString("| Events | State | Journal | Bytes/event | Start-up time | Events/s | Peak RSS | RSS before | Peak heap | Heap after (≈ state) |\n")
	b.WriteString("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, rp := range r.Replays {
		fmt.Fprintf(b, "| %d | %s | %s | %.1f | %s | %s | %s | %s | %s | %s |\n",
			rp.Events, rp.State, mib(float64(rp.JournalBytes)), float64(rp.JournalBytes)/float64(rp.Events),
			dur(rp.Elapsed), rate(rp.EventsPerSec), mib(float64(rp.PeakRSS)), mib(float64(rp.BaseRSS)),
			mib(float64(rp.PeakHeap)), mib(float64(rp.StateHeap)))
	}
	b.WriteString("\n")
}

func snapshotTable(b *strings.Builder, r *suite.Results) {
	if len(r.Snaps) == 0 {
		b.WriteString("Not run.\n\n")
		return
	}
	b.WriteString("| State | Accounts | Snapshot, no writer | Journal after it | Snapshots beside writers: count, median, max |\n|---|--:|--:|--:|---|\n")
	for _, s := range r.Snaps {
		fmt.Fprintf(b, "| %s | %d | %s | %s | %d, %s, %s |\n", s.State, s.Accounts, dur(s.Idle),
			mib(float64(s.SnapshotBytes)), len(s.During), dur(median(s.During)), dur(maxOf(s.During)))
	}
	b.WriteString("\n| State | Writers | Throughput | p50 | p99 | p99.9 | max |\n|---|---|--:|--:|--:|--:|--:|\n")
	for _, s := range r.Snaps {
		for _, row := range []struct {
			name string
			p    suite.Point
		}{{"alone", s.Without}, {"during snapshots", s.With}, {"raw group commit probe alone", s.ProbeAlone},
			{"raw group commit probe beside files of the snapshot's size written and fsynced", s.ProbeWith}} {
			if row.p.Ops == 0 {
				continue
			}
			fmt.Fprintf(b, "| %s | %d, %s | %s | %s | %s | %s | %s |\n", s.State, row.p.Callers, row.name,
				rate(row.p.Throughput), dur(row.p.P50), dur(row.p.P99), dur(row.p.P999), dur(row.p.Max))
		}
	}
	b.WriteString("\n")
}

func s3Tables(b *strings.Builder, r *suite.Results) {
	s := r.S3
	if s == nil {
		b.WriteString("Not run: set PREVAYLER_S3_ENDPOINT (and AWS credentials) to include it.\n\n")
		return
	}
	fmt.Fprintf(b, "Endpoint `%s`, bucket `%s`.\n\n", s.Endpoint, s.Bucket)
	b.WriteString("| Mode | Callers | Throughput | p50 | p99 | Uploads (PUTs) per second | Bytes PUT per event |\n|---|--:|--:|--:|--:|--:|--:|\n")
	for _, group := range [][]suite.S3Point{s.Durable, s.Buffered} {
		for _, p := range group {
			fmt.Fprintf(b, "| %s | %d | %s | %s | %s | %.1f | %.1f |\n", strings.TrimPrefix(p.Workload, "s3/"), p.Callers,
				rate(p.Throughput), dur(p.P50), dur(p.P99), p.UploadsPerSec, p.BytesPerEvent)
		}
	}
	if s.RecoveryEvents > 0 {
		fmt.Fprintf(b, "\nRecovery: a new instance rebuilt the state of %d transfers (%s stored) from the bucket alone in **%s** (%s, %d GETs).\n",
			s.RecoveryEvents, mib(float64(s.RecoveryBytes)), dur(s.Recovery), rate(s.RecoveryPerSec), s.RecoverySegment)
	}
	b.WriteString("\n")
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func maxOf(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}
