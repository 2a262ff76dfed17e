package report

import (
	"fmt"
	"strings"

	"github.com/prevayler-go/prevayler/bench/suite"
)

const memoryIntro = "A state of 8-byte values (a plain struct holding a `[]int64` of distinct values, the default gob codec, nothing implemented: `slice`; " +
	"the bank of `examples/bank/model` with as many accounts, which chunks itself: `model`) is opened in a fresh process, then snapshotted. " +
	"For the library, opening is `Open`: the replay and the new journal it writes. Alongside, with no library, the slice state read from and written to a file " +
	"as one gob value (`gob value`: what a snapshot cost before snapshots were chunked), and as raw little-endian words (`raw`: the state and nothing else). " +
	"Allocated is what the phase allocated in all (`runtime/metrics`), peak RSS the process's `VmHWM`, reset before each phase; ratios are against the values' bytes.\n\n"

func memoryTable(b *strings.Builder, r *suite.Results) {
	if len(r.Memory) == 0 {
		b.WriteString("Not run.\n\n")
		return
	}
	b.WriteString("| Method | State | Open: allocated | Open: peak RSS | Open: time | Snapshot: allocated | Snapshot: peak RSS | Snapshot: time | Heap after open | RSS before |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, m := range r.Memory {
		fmt.Fprintf(b, "| %s | %s | %.2f× | %.2f× | %s | %.2f× | %.2f× | %s | %s | %s |\n",
			m.Method, mib(float64(m.StateBytes)), m.OpenAllocRatio(), m.OpenRSSRatio(), dur(m.OpenElapsed),
			m.SnapAllocRatio(), m.SnapRSSRatio(), dur(m.SnapElapsed), mib(float64(m.StateHeap)), mib(float64(m.BaseRSS)))
	}
	b.WriteString("\n")
}

func findMemory(r *suite.Results, method string) (suite.Memory, bool) {
	return first(r.Memory, func(m suite.Memory) bool { return m.Method == method })
}

// memoryTargets judges the plain slice state, against one gob value
// measured in the same run.
func memoryTargets(r *suite.Results) []target {
	m, ok := findMemory(r, suite.MemorySlice)
	g, gok := findMemory(r, suite.MemoryGob)
	than := func(x float64) string {
		if !gok {
			return ""
		}
		return fmt.Sprintf(", one gob value %.2f×", x)
	}
	alloc := m.OpenAllocRatio() + m.SnapAllocRatio()
	rss := max(m.OpenRSSRatio(), m.SnapRSSRatio())
	return []target{
		{What: "Open + Snapshot of a plain 128 MiB state: allocated ≤ 2.5× the state",
			Model: judge(fmt.Sprintf("slice state %.2f×%s", alloc, than(g.OpenAllocRatio()+g.SnapAllocRatio())), alloc <= 2.5, ok)},
		{What: "Open, Snapshot of a plain 128 MiB state: peak RSS < 3× the state",
			Model: judge(fmt.Sprintf("slice state %.2f×%s", rss, than(max(g.OpenRSSRatio(), g.SnapRSSRatio()))), rss < 3, ok)},
	}
}

const allocsIntro = "One caller's `Handle` with a handler that allocates nothing (a counter), so that what is allocated is the library's and the codec's: " +
	"the default gob codec, and `prevayler.Binary` with an event implementing `encoding.BinaryAppender`. Counted with `runtime.MemStats` over " +
	"2,000 events after a warm-up; the bytes are the boxes of published states, allocated in slabs.\n\n"

func allocsTable(b *strings.Builder, r *suite.Results) {
	if len(r.Allocs) == 0 {
		b.WriteString("Not run.\n\n")
		return
	}
	b.WriteString("| Mode | Codec | Allocations/event | Bytes/event | Events/s |\n|---|---|--:|--:|--:|\n")
	for _, a := range r.Allocs {
		fmt.Fprintf(b, "| %s | %s | %.3f | %.1f | %s |\n", a.Mode, a.Codec, a.AllocsPerEvent, a.BytesPerEvent, rate(a.EventsPerSec))
	}
	b.WriteString("\n")
}

const loneIntro = "One goroutine calling `Handle` in a tight loop, `Buffered`, with a trivial handler (a counter), beside the cheapest hand-off of a record to the " +
	"operating system: one 40-byte `write(2)` per record to a growing file. They take turns in three windows. The library's journal is " +
	"preallocated and, on Linux, written by copies into a mapping of the file (`localstore`), so that no system call is made per event and a " +
	"crash of the process still loses no acknowledged event.\n\n"

func loneTable(b *strings.Builder, r *suite.Results) {
	if len(r.Lone) == 0 {
		b.WriteString("Not run.\n\n")
		return
	}
	raw, _ := findLone(r, suite.LoneRawWrite)
	b.WriteString("| System | Events/s | Against write(2) |\n|---|--:|--:|\n")
	for _, l := range r.Lone {
		x := "—"
		if raw.EventsPerSec > 0 {
			x = fmt.Sprintf("%.2f×", l.EventsPerSec/raw.EventsPerSec)
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", l.System, rate(l.EventsPerSec), x)
	}
	b.WriteString("\n")
}

func findLone(r *suite.Results, system string) (suite.LoneRate, bool) {
	return first(r.Lone, func(l suite.LoneRate) bool { return l.System == system })
}

// first returns the first of xs that matches.
func first[T any](xs []T, match func(T) bool) (T, bool) {
	for _, x := range xs {
		if match(x) {
			return x, true
		}
	}
	var zero T
	return zero, false
}
