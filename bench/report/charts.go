package report

import (
	"fmt"
	"path/filepath"

	"github.com/prevayler-go/prevayler/bench/suite"
)

// writeCharts draws every chart the results allow; it returns the file of
// each, relative to the document.
func writeCharts(dir string, r *suite.Results) (map[string]string, error) {
	out := map[string]string{}
	save := func(name string, c chart) error {
		if len(c.Series) == 0 {
			return nil
		}
		if err := c.save(filepath.Join(dir, name+".png")); err != nil {
			return err
		}
		out[name] = Images + "/" + name + ".png"
		return nil
	}
	for _, w := range []string{suite.Durable, suite.Buffered} {
		callers := callersOf(r, w)
		ticks := make([]float64, len(callers))
		for i, c := range callers {
			ticks[i] = float64(c)
		}
		var tput, p50, p99 []series
		for _, s := range systemsOf(r, w) {
			var x, yt, y50, y99 []float64
			for _, c := range callers {
				if p, ok := r.Find(w, s, c); ok {
					x = append(x, float64(c))
					yt = append(yt, p.Throughput)
					y50 = append(y50, float64(p.P50)/1e6)
					y99 = append(y99, float64(p.P99)/1e6)
				}
			}
			tput = append(tput, series{Name: s, X: x, Y: yt})
			p50 = append(p50, series{Name: s, X: x, Y: y50})
			p99 = append(p99, series{Name: s, X: x, Y: y99})
		}
		base := chart{XLabel: "concurrent callers", XTicks: ticks, LogX: true, LogY: true}
		c := base
		c.Title, c.YLabel, c.Series = fmt.Sprintf("Bank transfers, %s: throughput", w), "transfers per second", tput
		if err := save(w+"-throughput", c); err != nil {
			return nil, err
		}
		c = base
		c.Title, c.YLabel, c.Series = fmt.Sprintf("Bank transfers, %s: p99 latency", w), "milliseconds", p99
		if err := save(w+"-p99", c); err != nil {
			return nil, err
		}
		if w == suite.Durable {
			c = base
			c.Title, c.YLabel, c.Series = "Bank transfers, durable: median latency", "milliseconds", p50
			if err := save(w+"-p50", c); err != nil {
				return nil, err
			}
		}
	}
	if len(r.Snaps) > 0 {
		names := []string{"p50", "p90", "p99", "p99.9", "max"}
		ticks := []float64{1, 2, 3, 4, 5}
		var ss []series
		for _, s := range r.Snaps {
			for _, row := range []struct {
				label  string
				p      suite.Point
				dashed bool
			}{{"alone", s.Without, true}, {"during snapshots", s.With, false}} {
				p := row.p
				ss = append(ss, series{Name: s.State + ", writers " + row.label, X: ticks, Dashed: row.dashed,
					Y: []float64{ms(p.P50), ms(p.P90), ms(p.P99), ms(p.P999), ms(p.Max)}})
			}
		}
		c := chart{Title: "Durable writers' latency with and without a snapshot running", XLabel: "percentile",
			YLabel: "milliseconds", XTicks: ticks, XNames: names, LogY: true, Series: ss}
		if err := save("snapshot-latency", c); err != nil {
			return nil, err
		}
	}
	if r.S3 != nil {
		var ss []series
		var ticks []float64
		for _, group := range []struct {
			name string
			pts  []suite.S3Point
		}{{"Durable", r.S3.Durable}, {"Buffered", r.S3.Buffered}} {
			var x, y []float64
			for _, p := range group.pts {
				x = append(x, float64(p.Callers))
				y = append(y, p.Throughput)
				if len(ticks) < len(group.pts) {
					ticks = append(ticks, float64(p.Callers))
				}
			}
			ss = append(ss, series{Name: "prevayler on s3store, " + group.name, X: x, Y: y})
		}
		if len(ticks) > 0 {
			c := chart{Title: "Bank transfers on S3: throughput", XLabel: "concurrent callers", YLabel: "transfers per second",
				XTicks: ticks, LogX: true, LogY: true, Series: ss}
			if err := save("s3-throughput", c); err != nil {
				return nil, err
			}
		}
	}
	if err := save("s3latency-throughput", s3LatencyChart(r)); err != nil {
		return nil, err
	}
	return out, nil
}

func ms(d interface{ Nanoseconds() int64 }) float64 { return float64(d.Nanoseconds()) / 1e6 }
