package report

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// series is one line of a chart.
type series struct {
	Name   string
	X, Y   []float64
	Dashed bool
}

type chart struct {
	Title, XLabel, YLabel string
	XTicks                []float64 // the x values to label
	XNames                []string  // labels of XTicks; nil: the values
	LogX, LogY            bool
	Series                []series
}

// save draws the chart as a PNG image.
func (c chart) save(path string) error {
	p := plot.New()
	p.Title.Text = c.Title
	p.X.Label.Text = c.XLabel
	p.Y.Label.Text = c.YLabel
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	if c.LogX {
		p.X.Scale = plot.LogScale{}
	}
	if len(c.XTicks) > 0 {
		var ticks []plot.Tick
		for i, x := range c.XTicks {
			label := fmt.Sprint(x)
			if c.XNames != nil {
				label = c.XNames[i]
			}
			ticks = append(ticks, plot.Tick{Value: x, Label: label})
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		if c.LogX {
			p.X.Min, p.X.Max = c.XTicks[0]/1.3, c.XTicks[len(c.XTicks)-1]*1.3
		} else {
			p.X.Min, p.X.Max = c.XTicks[0]-0.3, c.XTicks[len(c.XTicks)-1]+0.3
		}
	}
	if c.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = decades{}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, s := range c.Series {
		xys := make(plotter.XYs, 0, len(s.X))
		for j := range s.X {
			if c.LogY && s.Y[j] <= 0 {
				continue // no point on a log scale
			}
			xys = append(xys, plotter.XY{X: s.X[j], Y: s.Y[j]})
			lo, hi = math.Min(lo, s.Y[j]), math.Max(hi, s.Y[j])
		}
		if len(xys) == 0 {
			continue
		}
		l, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return err
		}
		l.Color = palette[i%len(palette)]
		l.Width = vg.Points(1.5)
		if s.Dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		pts.Color = palette[i%len(palette)]
		pts.Shape = plotutil.Shape(i)
		p.Add(l, pts)
		p.Legend.Add(s.Name, l, pts)
	}
	if c.LogY && !math.IsInf(lo, 0) {
		// Room above for the legend, below for the lowest point.
		p.Y.Min, p.Y.Max = lo/1.5, hi*math.Pow(hi/lo, 0.35)*1.5
	}
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Legend.ThumbnailWidth = vg.Points(24)
	return p.Save(8*vg.Inch, 5*vg.Inch, path)
}

// palette has one distinct colour per system (Tableau 10).
var palette = []color.Color{
	rgb(0x4e79a7), rgb(0xe15759), rgb(0x59a14f), rgb(0xf28e2b), rgb(0x76b7b2),
	rgb(0xedc948), rgb(0xb07aa1), rgb(0xff9da7), rgb(0x9c755f), rgb(0x222222),
}

func rgb(v uint32) color.Color {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// decades ticks a log axis at every power of ten, labelled 1, 10, 100,
// 1k, 10k..., with unlabelled ticks between.
type decades struct{}

func (decades) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		base := math.Pow(10, e)
		for m := 1.0; m < 10; m++ {
			v := m * base
			if v < min || v > max {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 {
				t.Label = human(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

func human(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', -1, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'g', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
