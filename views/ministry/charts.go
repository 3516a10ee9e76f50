package ministry

import (
	"math"
	"strconv"
	"time"

	"takumi/internal/reporting"
	"takumi/views"
)

// Charts are drawn on the server as SVG from the protected cells: a hidden
// cell has no bar (only a mark on the axis), so no chart carries a number
// the tables hide. Every chart has its table beside it.

// Bar is one bar of a chart.
type Bar struct {
	X, Y, W, H float64
	Series     int    // 0 or 1 (compare)
	Text       string // the value shown, or "<k"/"x"
	Hidden     bool
}

// Tick is one labelled gridline or axis label.
type Tick struct {
	X, Y  float64
	Label string
}

// Chart is a column chart's geometry.
type Chart struct {
	W, H    float64
	Bars    []Bar
	YTicks  []Tick
	XLabels []Tick
	Left    float64 // x of the value axis
	Base    float64 // y of the baseline
}

const (
	chartW, chartH           = 720.0, 260.0
	marginL, marginR         = 64.0, 12.0
	marginT, marginB         = 14.0, 40.0
	hiddenMarkH              = 4.0
	maxXLabels               = 8
	funnelRowH, funnelLabelW = 40.0, 220.0
	funnelW, funnelValueW    = 720.0, 110.0
)

// niceMax rounds up to 1, 2 or 5 × a power of ten.
func niceMax(v int64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(float64(v))))
	for _, m := range []float64{1, 2, 5, 10} {
		if float64(v) <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// columnChart lays out one or two lines of cells over labelled periods,
// scaled to max (shared when two charts are compared).
func columnChart(k int, labels []string, lines ...[]reporting.Cell) Chart {
	var top int64
	for _, l := range lines {
		for _, c := range l {
			if !c.Hidden && c.N > top {
				top = c.N
			}
		}
	}
	// At least 0..5, and whole-number gridlines: 5 steps of a 1 or 5 ×
	// 10ⁿ maximum, 4 of a 2 × 10ⁿ one.
	ymax := math.Max(niceMax(top), 5)
	steps := 5
	if lead := ymax / math.Pow(10, math.Floor(math.Log10(ymax))); lead == 2 {
		steps = 4
	}
	ch := Chart{W: chartW, H: chartH, Left: marginL, Base: chartH - marginB}
	plotW, plotH := chartW-marginL-marginR, chartH-marginT-marginB
	for i := 0; i <= steps; i++ {
		v := ymax * float64(i) / float64(steps)
		ch.YTicks = append(ch.YTicks, Tick{X: marginL - 6, Y: ch.Base - plotH*float64(i)/float64(steps), Label: fmtNum(v)})
	}
	n := len(labels)
	if n == 0 {
		return ch
	}
	slot := plotW / float64(n)
	barW := slot * 0.8 / float64(len(lines))
	every := (n + maxXLabels - 1) / maxXLabels
	for i, lab := range labels {
		x0 := marginL + slot*float64(i) + slot*0.1
		for s, l := range lines {
			c := l[i]
			b := Bar{X: x0 + barW*float64(s), W: math.Max(barW, 1), Series: s, Text: c.Text(k), Hidden: c.Hidden}
			if c.Hidden {
				b.H, b.Y = hiddenMarkH, ch.Base-hiddenMarkH
			} else {
				b.H = plotH * float64(c.N) / ymax
				b.Y = ch.Base - b.H
			}
			ch.Bars = append(ch.Bars, b)
		}
		if i%every == 0 {
			ch.XLabels = append(ch.XLabels, Tick{X: marginL + slot*float64(i) + slot/2, Y: ch.Base + 18, Label: lab})
		}
	}
	return ch
}

// SeriesChart is a protected series as columns.
func SeriesChart(k int, l *reporting.SeriesLine) Chart {
	labels := make([]string, len(l.Points))
	cells := make([]reporting.Cell, len(l.Points))
	for i, pt := range l.Points {
		labels[i] = shortPeriod(l.Period, pt.Period)
		cells[i] = pt.Cell
	}
	return columnChart(k, labels, cells)
}

// CompareChart is the two compared lines side by side, on one scale.
func CompareChart(k int, c *reporting.Comparison) Chart {
	labels := make([]string, len(c.Periods))
	for i, per := range c.Periods {
		labels[i] = shortPeriod("month", per)
	}
	return columnChart(k, labels, c.CellsA, c.CellsB)
}

func shortPeriod(period string, t time.Time) string {
	if period == "week" {
		return t.Format("01-02")
	}
	return t.Format("2006-01")
}

// FunnelBar is one stage of the funnel chart.
type FunnelBar struct {
	Y, W, TextX float64
	Label, Text string
	Shown       bool // a bar is drawn (available and not hidden)
}

// FunnelChart lays out the funnel as horizontal bars.
type FunnelChart struct {
	W, H, BarX, BarH float64
	Bars             []FunnelBar
}

// NewFunnelChart lays out f's stages, scaled to the largest shown stage.
func NewFunnelChart(p views.Page, k int, f *reporting.Funnel) FunnelChart {
	var top int64
	for _, st := range f.Stages {
		if st.Available && !st.Cell.Hidden && st.Cell.N > top {
			top = st.Cell.N
		}
	}
	fc := FunnelChart{W: funnelW, H: funnelRowH * float64(len(f.Stages)), BarX: funnelLabelW, BarH: funnelRowH * 0.7}
	plotW := funnelW - funnelLabelW - funnelValueW
	for i, st := range f.Stages {
		b := FunnelBar{Y: funnelRowH * float64(i), Label: p.T(catKey("ministry.stage_", st.Stage))}
		switch {
		case !st.Available:
			b.Text = p.T("ministry.not_available")
		default:
			b.Text = st.Cell.Text(k)
			if !st.Cell.Hidden && st.Cell.N > 0 {
				b.Shown, b.W = true, math.Max(plotW*float64(st.Cell.N)/float64(top), 1)
			}
		}
		b.TextX = funnelLabelW + b.W + 8
		if !b.Shown {
			b.TextX = funnelLabelW + 32
		}
		fc.Bars = append(fc.Bars, b)
	}
	return fc
}

// f1 formats an SVG coordinate.
func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
