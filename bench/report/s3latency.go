package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/prevayler-go/prevayler/bench/suite"
)

// Targets of the S3 scale issue, judged at every added latency but zero.
const (
	s3ProbeTarget      = 1.6 // Durable at 16 and 64 callers against the ideal probe
	s3PutsTarget       = 2.0 // PUTs per event against those measured before the work
	s3ColdRequests2k   = 100 // requests of a cold start after up to 2,000 uploads
	s3ColdTime2k       = 2 * time.Second
	s3ColdRequests10k  = 150 // after up to 10,000 uploads
	s3ColdSmallJournal = 2000
)

const s3LatencyIntro = "The S3 store behind `bench/latproxy`, an in-process HTTP proxy on the loopback interface that adds a fixed latency to every request " +
	"and counts requests by kind, as AWS S3 bills them, and the bytes uploaded. For each added latency, in the same run:\n\n" +
	"- **prevayler Durable**: the bank transfers from c concurrent callers, closed loop, `Durable` on `s3store`, every transfer acknowledged once stored.\n" +
	"- **ideal probe**: the best group commit with one upload in flight, raw against the same proxy: callers queue a 24-byte record, one PUT of " +
	"everything queued is in flight at a time, and each caller returns when the PUT holding its record does.\n" +
	"- **limit**: c / round trip, the round trip being the median of one small PUT alone through the proxy: c callers each waiting for one request.\n" +
	"- **PUTs per event**: PUTs counted by the proxy during the Durable windows (warm-ups included) over the transfers acknowledged in them.\n" +
	"- **Buffered loss window**: one caller handles a Buffered transfer every 5 ms; for each, the time from `Handle`'s return to the moment the store " +
	"reports it stored (its writer's `store.Backlog` no longer covers it), with the default `SleepTime`: what a crash loses.\n" +
	"- **cold start**: a journal written with one Durable transfer per upload (at no added latency), closed, then opened by a new `prevayler.Open` " +
	"at the added latency: its time and requests, and the requests made after it returned until none came for a second (background work).\n\n" +
	"At +0 ms the figures are those of a loopback server and of the CPU of a shared machine, where an uploading goroutine's wake-up weighs as much as a request: " +
	"the probe hands every batch to such a goroutine while a lone prevayler caller uploads inline, so prevayler can beat the probe there, and the round trip is as noisy as the machine. " +
	"The added latency is what separates pipelining from queueing.\n\n"

// s3LatencyTables writes the S3-latency section's tables.
func s3LatencyTables(b *strings.Builder, r *suite.Results) {
	s := r.S3Latency
	if s == nil || len(s.Runs) == 0 {
		b.WriteString("Not run: pass `-s3latency 0,30ms` (with `-only '^s3latency/'` for this workload alone).\n\n")
		return
	}
	fmt.Fprintf(b, "Server behind the proxy: %s.\n\n", s.Server)
	b.WriteString("| Added latency | Round trip | Callers | prevayler Durable | Ideal probe | Limit c / round trip | × probe | × limit | PUTs per event | Probe's PUTs per event | p50 / p99 |\n")
	b.WriteString("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, run := range s.Runs {
		for _, p := range run.Points {
			fmt.Fprintf(b, "| %s | %s | %d | %s | %s | %s | %s | %s | %.3f | %.3f | %s / %s |\n",
				latency(run.Latency), dur(run.RoundTrip), p.Callers, rate(p.Durable.Throughput), rate(p.Probe.Throughput), rate(p.Limit),
				ratio(p.Durable.Throughput, p.Probe.Throughput), ratio(p.Durable.Throughput, p.Limit), p.PutsPerEvent, p.ProbePutsPerEvent,
				dur(p.Durable.P50), dur(p.Durable.P99))
		}
	}
	s3InflightTable(b, s)
	b.WriteString("\nBuffered loss window (time from `Handle` to stored):\n\n")
	b.WriteString("| Added latency | SleepTime | Events sampled | Mean | Median | p99 | Max |\n|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, run := range s.Runs {
		if l := run.Loss; l != nil {
			fmt.Fprintf(b, "| %s | %s | %d | %s | %s | %s | %s |\n", latency(run.Latency), dur(l.SleepTime), l.Samples,
				dur(l.Mean), dur(l.P50), dur(l.P99), dur(l.Max))
		}
	}
	b.WriteString("\nCold start (a new `Open`), requests by kind:\n\n")
	b.WriteString("| Added latency | Uploads before | Events | Open | Requests | PUT | GET | LIST | DELETE | HEAD | MiB down | Requests after Open returned |\n")
	b.WriteString("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, run := range s.Runs {
		for _, c := range run.Cold {
			q := c.Requests
			fmt.Fprintf(b, "| %s | %d | %d | %s | %d | %d | %d | %d | %d | %d | %.2f | %d |\n", latency(run.Latency), c.Uploads, c.Events,
				dur(c.Open), q.Requests(), q.Put, q.Get, q.List, q.Delete, q.Head, float64(q.BytesDown)/(1<<20), c.After.Requests())
		}
	}
	b.WriteString("\n")
	if t := s3LatencyTargets(s); len(t) > 0 {
		b.WriteString("Targets of the S3 scale work:\n\n| Target | Measured | Met |\n|---|---|---|\n")
		for _, x := range t {
			fmt.Fprintf(b, "| %s | %s | %s |\n", x.What, x.Model.Value, x.Model.Met)
		}
		b.WriteString("\n")
	}
}

// s3InflightTable compares the default MaxInflight with the others
// measured in the same rounds (1: one upload in flight, as before
// pipelining).
func s3InflightTable(b *strings.Builder, s *suite.S3LatencyResults) {
	header := false
	for _, run := range s.Runs {
		for _, p := range run.Points {
			for _, o := range p.Others {
				if !header {
					b.WriteString("\nDurable with other `s3store.Options.MaxInflight` values, measured in the same rounds (1 is one upload in flight):\n\n")
					b.WriteString("| Added latency | Callers | MaxInflight | Durable | × default's | PUTs per event | Default's PUTs per event |\n|--:|--:|--:|--:|--:|--:|--:|\n")
					header = true
				}
				fmt.Fprintf(b, "| %s | %d | %d | %s | %s | %.3f | %.3f |\n", latency(run.Latency), p.Callers, o.Inflight,
					rate(o.Durable.Throughput), ratio(o.Durable.Throughput, p.Durable.Throughput), o.PutsPerEvent, p.PutsPerEvent)
			}
		}
	}
}

// s3TodayPuts are the PUTs per event of Durable through the 30 ms proxy
// measured before the S3 scale work, by callers: the base of its target.
var s3TodayPuts = map[int]float64{16: 0.11, 64: 0.03}

// s3LatencyTargets judges the targets at every added latency.
func s3LatencyTargets(s *suite.S3LatencyResults) []target {
	var t []target
	for _, run := range s.Runs {
		if run.Latency == 0 {
			continue
		}
		l := latency(run.Latency)
		for _, p := range run.Points {
			if p.Callers != 16 && p.Callers != 64 || p.Probe.Throughput == 0 {
				continue
			}
			x := p.Durable.Throughput / p.Probe.Throughput
			t = append(t, target{What: fmt.Sprintf("%s, Durable, %d callers: ≥ %.1f× the ideal probe", l, p.Callers, s3ProbeTarget),
				Model: judge(fmt.Sprintf("%.2f× (%s vs %s)", x, rate(p.Durable.Throughput), rate(p.Probe.Throughput)), x >= s3ProbeTarget, true)})
		}
		for _, p := range run.Points {
			if p.Callers == 1 {
				if p.Probe.Throughput > 0 {
					t = append(t, target{What: l + ", Durable, 1 caller: no worse than one upload in flight (the probe)",
						Model: judge(fmt.Sprintf("%s vs %s", rate(p.Durable.Throughput), rate(p.Probe.Throughput)), p.Durable.Throughput >= 0.95*p.Probe.Throughput, true)})
				}
				continue
			}
			today, ok := s3TodayPuts[p.Callers]
			if !ok || p.Events == 0 {
				continue
			}
			t = append(t, target{What: fmt.Sprintf("%s, Durable, %d callers: PUTs per event ≤ %.0f× the %.2f measured before this work", l, p.Callers, s3PutsTarget, today),
				Model: judge(fmt.Sprintf("%.3f (%.2f×)", p.PutsPerEvent, p.PutsPerEvent/today), p.PutsPerEvent <= s3PutsTarget*today, true)})
		}
		for _, c := range run.Cold {
			n := c.Requests.Requests() + c.After.Requests()
			v := fmt.Sprintf("%d requests, %s", n, dur(c.Open))
			if c.Uploads <= s3ColdSmallJournal {
				t = append(t, target{What: fmt.Sprintf("%s, cold start after %d uploads: ≤ %d requests and < %s", l, c.Uploads, s3ColdRequests2k, dur(s3ColdTime2k)),
					Model: judge(v, n <= s3ColdRequests2k && c.Open < s3ColdTime2k, true)})
			} else {
				t = append(t, target{What: fmt.Sprintf("%s, cold start after %d uploads: ≤ %d requests", l, c.Uploads, s3ColdRequests10k),
					Model: judge(v, n <= s3ColdRequests10k, true)})
			}
		}
	}
	return t
}

// s3LatencyChart draws Durable throughput, the ideal probe (dashed) and
// the limit (dashed) of every added latency against the callers.
func s3LatencyChart(r *suite.Results) chart {
	c := chart{Title: "Bank transfers on S3 behind a latency proxy: Durable, ideal probe, limit", XLabel: "concurrent callers",
		YLabel: "transfers per second", LogX: true, LogY: true}
	s := r.S3Latency
	if s == nil {
		return c
	}
	for _, run := range s.Runs {
		var x, mine, ideal, limit []float64
		for _, p := range run.Points {
			x = append(x, float64(p.Callers))
			mine = append(mine, p.Durable.Throughput)
			ideal = append(ideal, p.Probe.Throughput)
			limit = append(limit, p.Limit)
			if len(c.XTicks) == 0 || c.XTicks[len(c.XTicks)-1] < float64(p.Callers) {
				c.XTicks = append(c.XTicks, float64(p.Callers))
			}
		}
		if len(x) == 0 {
			continue
		}
		l := latency(run.Latency)
		c.Series = append(c.Series,
			series{Name: "prevayler Durable, " + l, X: x, Y: mine},
			series{Name: "ideal probe, one PUT in flight, " + l, X: x, Y: ideal, Dashed: true},
			series{Name: "limit c / round trip, " + l, X: x, Y: limit, Dashed: true})
	}
	return c
}

// latency names an added latency: "+0 ms", "+30 ms".
func latency(d time.Duration) string {
	if d%time.Millisecond == 0 {
		return fmt.Sprintf("+%d ms", d/time.Millisecond)
	}
	return "+" + dur(d)
}
