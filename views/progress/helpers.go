// Package progress holds the national progress page, its methodology page
// and their charts: server-rendered SVG and HTML, no script, every chart with
// its data table beside it.
package progress

import (
	"github.com/a-h/templ"

	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"takumi/internal/jst"
	"takumi/internal/progress"
	"takumi/internal/reporting"
	"takumi/views"
)

// View is the national progress page for one programme.
type View struct {
	Figures *reporting.PublicFigures
	Today   time.Time // today's date in Japan
	JSONURL string    // the same figures as open data
	CSVURL  string
}

// Methodology is the published counting method.
type Methodology struct {
	Rules []reporting.ProgrammeRule
	K     int
	// External is the section on learning done elsewhere (partner
	// issuers' credentials, views/partner), with its separate figures.
	External templ.Component
}

// num writes n with thousands separators (the same in Japanese and English).
func num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Round1 rounds a rate to one decimal place: the page, the JSON and the CSV
// all publish rates rounded this way.
func Round1(v float64) float64 { return math.Round(v*10) / 10 }

// RoundPercent rounds a percentage to three decimal places (a million-learner
// target moves by 0.001 % per ten learners).
func RoundPercent(v float64) float64 { return math.Round(v*1000) / 1000 }

// dec writes v rounded to one decimal place, with thousands separators.
func dec(v float64) string {
	v = Round1(v)
	whole := int64(math.Trunc(v))
	frac := int64(math.Round(math.Abs(v-float64(whole)) * 10))
	return num(whole) + "." + strconv.FormatInt(frac, 10)
}

// percent writes a percentage as the open data has it.
func percent(v float64) string {
	return strconv.FormatFloat(RoundPercent(v), 'f', -1, 64)
}

// cell is a protected count as shown: the number with separators, or "<k"
// / "x" when hidden.
func cell(c reporting.Cell, k int) string {
	if c.Hidden {
		return c.Text(k)
	}
	return num(c.N)
}

// per100k writes a row's rate per 100,000 people, or the hidden mark.
func per100k(r reporting.PublicRow, k int) string {
	v := r.Per100k()
	if v == nil {
		if r.Cell.Hidden {
			return r.Cell.Text(k)
		}
		return "—"
	}
	return dec(*v)
}

// date writes t's day in Japan in the page's language.
func date(p views.Page, t time.Time) string { return jst.LongDate(p.Lang(), t) }

// month writes a month in the page's language.
func month(p views.Page, t time.Time) string {
	if p.Lang() == "en" {
		return t.Format("January 2006")
	}
	return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
}

// dateTime writes an instant in Japan to the second, with the zone.
func dateTime(p views.Page, t time.Time) string {
	return date(p, t) + " " + jst.In(t).Format("15:04:05") + " JST"
}

// isoTime is t for a <time datetime> attribute (in Japan time).
func isoTime(t time.Time) string { return jst.In(t).Format(time.RFC3339) }

// programmeName is a programme's name in the page's language.
func programmeName(p views.Page, pr *progress.Programme) string { return pr.Name(p.Lang()) }

// programmeDescription is a programme's description in the page's language.
func programmeDescription(p views.Page, pr *progress.Programme) string {
	return p.L.Pick(pr.DescriptionJa, pr.DescriptionEn)
}

// rowName names a breakdown row: the reference name, a segment's name from
// the catalogue, or "not stated".
func rowName(p views.Page, dim string, r reporting.PublicRow) string {
	switch {
	case r.Code == "":
		return p.T("progress.not_stated")
	case dim == "segment" && r.NameJa == "":
		return p.T(SegmentKey(r.Code))
	}
	return r.Name(p.Lang())
}

// SegmentKey is the catalogue key naming a segment.
func SegmentKey(code string) string { return "progress.segment_" + code }

// dimHeading is a breakdown's heading ("By prefecture").
func dimHeading(p views.Page, dim string) string {
	key := "progress.by_" + dim
	return p.T(key)
}

// dimColumn is the header of a breakdown's first column ("Prefecture").
func dimColumn(p views.Page, dim string) string {
	key := "progress.col_" + dim
	return p.T(key)
}

// projection is the projected date in words.
func projection(p views.Page, pr *reporting.Progress) string {
	switch {
	case pr.Reached:
		return p.T("progress.projection_reached")
	case pr.RunRate == 0:
		return p.T("progress.projection_no_activity")
	case pr.Projected == nil:
		return p.T("progress.projection_beyond")
	case pr.Projected.After(pr.Programme.EndsOn):
		return p.T("progress.projection_late", date(p, *pr.Projected))
	}
	return p.T("progress.projection_on_time", date(p, *pr.Projected))
}

// needed writes the weekly rate needed to reach the target by the end date.
func needed(p views.Page, pr *reporting.Progress) string {
	switch {
	case pr.Reached:
		return p.T("progress.needed_none")
	case math.IsInf(pr.NeededRate, 0):
		return p.T("progress.needed_ended")
	}
	return p.T("progress.per_week", dec(pr.NeededRate))
}

// --- the cumulative chart ---

// Chart geometry (SVG user units).
const (
	cLeft, cRight            = 84.0, 700.0
	cTop, cBottom            = 24.0, 280.0
	maxChartPoints           = 400
	yTicks                   = 4
	chartTextBaselineBelowX  = 300.0
	chartLabelOffsetAboveRow = 6.0
)

// tick is one axis label.
type tick struct {
	X, Y  string // the label's position
	At    string // the grid line's position (y for a value, x for a date)
	Label string
}

// cumChart is the cumulative chart, ready to draw.
type cumChart struct {
	Actual       string // polyline points
	TargetY      string
	TargetLabelY string
	Needed       *line // from today to the target on the end date
	Projection   *line // at the recent run rate
	YTicks       []tick
	XTicks       []tick
	TodayX       string
}

type line struct{ X1, Y1, X2, Y2 string }

func f1(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// chartFor lays out the cumulative series against the target: x from the
// programme's start to its end date, y from 0 to the target (or the count,
// when it is higher).
func chartFor(pr *reporting.Progress, today time.Time) cumChart {
	prog := pr.Programme
	start, end := prog.StartsOn, prog.EndsOn
	if today.After(end) {
		end = today
	}
	span := end.Sub(start).Hours()
	if span <= 0 {
		span = 24
	}
	ymax := float64(prog.Target)
	if float64(pr.Learners) > ymax {
		ymax = niceCeil(float64(pr.Learners))
	}
	x := func(t time.Time) float64 {
		v := cLeft + t.Sub(start).Hours()/span*(cRight-cLeft)
		return math.Max(cLeft, math.Min(cRight, v))
	}
	y := func(v float64) float64 { return cBottom - v/ymax*(cBottom-cTop) }
	c := cumChart{TargetY: f1(y(float64(prog.Target))), TargetLabelY: f1(y(float64(prog.Target)) - chartLabelOffsetAboveRow)}

	// The line: a step from 0 at the start up at each day's cumulative
	// count (at most maxChartPoints steps, the last day of each bucket),
	// then level to today.
	pts := []string{f1(cLeft) + "," + f1(cBottom)}
	step := 1
	if n := len(pr.Series); n > maxChartPoints {
		step = (n + maxChartPoints - 1) / maxChartPoints
	}
	prevY := cBottom
	for i, s := range pr.Series {
		if (i+1)%step != 0 && i != len(pr.Series)-1 {
			continue
		}
		sx, sy := f1(x(s.Day)), y(float64(s.Cumulative))
		pts = append(pts, sx+","+f1(prevY), sx+","+f1(sy))
		prevY = sy
	}
	nowX, nowY := x(today), y(float64(pr.Learners))
	pts = append(pts, f1(nowX)+","+f1(nowY))
	c.Actual = strings.Join(pts, " ")
	c.TodayX = f1(nowX)

	if !pr.Reached && today.Before(prog.EndsOn) {
		c.Needed = &line{f1(nowX), f1(nowY), f1(x(prog.EndsOn)), c.TargetY}
	}
	if !pr.Reached && pr.RunRate > 0 {
		// Project at the run rate until the target or the chart's right edge.
		weeks := float64(prog.Target-pr.Learners) / pr.RunRate
		at := today.Add(time.Duration(weeks * 7 * 24 * float64(time.Hour)))
		value := float64(prog.Target)
		if weeks > 52*200 || at.After(end) {
			at = end
			value = float64(pr.Learners) + pr.RunRate*end.Sub(today).Hours()/(24*7)
		}
		c.Projection = &line{f1(nowX), f1(nowY), f1(x(at)), f1(y(value))}
	}
	for i := 0; i <= yTicks; i++ {
		v := ymax * float64(i) / yTicks
		c.YTicks = append(c.YTicks, tick{X: f1(cLeft - 8), Y: f1(y(v) + 4), At: f1(y(v)), Label: num(int64(math.Round(v)))})
	}
	for yr := start.Year(); yr <= end.Year(); yr++ {
		t := time.Date(yr, 1, 1, 0, 0, 0, 0, time.UTC)
		if t.Before(start) {
			continue
		}
		c.XTicks = append(c.XTicks, tick{X: f1(x(t)), Y: f1(chartTextBaselineBelowX), At: f1(x(t)), Label: strconv.Itoa(yr)})
	}
	return c
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// monthRow is one line of the table beside the cumulative chart.
type monthRow struct {
	Month      time.Time
	New        int64
	Cumulative int64
}

// months sums the daily series into months, from the programme's start to
// this month (or its end month, when it has ended).
func months(pr *reporting.Progress, today time.Time) []monthRow {
	start := pr.Programme.StartsOn
	last := today
	if pr.Programme.EndsOn.Before(last) {
		last = pr.Programme.EndsOn
	}
	var out []monthRow
	i := 0
	var cum int64
	for m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(last); m = m.AddDate(0, 1, 0) {
		next := m.AddDate(0, 1, 0)
		before := cum
		for i < len(pr.Series) && pr.Series[i].Day.Before(next) {
			cum = pr.Series[i].Cumulative
			i++
		}
		out = append(out, monthRow{Month: m, New: cum - before, Cumulative: cum})
	}
	return out
}

// --- the tile-grid map ---

// Tile size and the grid: 13 columns, 10 rows.
const (
	tile    = 62
	tileGap = 4
	mapCols = 13
	mapRows = 10
)

// tilePos places each prefecture (JIS code) on the grid (column, row),
// keeping neighbours next to each other where the grid allows.
var tilePos = map[string][2]int{
	"01": {12, 0},
	"02": {12, 1},
	"05": {11, 2}, "03": {12, 2},
	"15": {10, 3}, "06": {11, 3}, "04": {12, 3},
	"17": {7, 4}, "16": {8, 4}, "20": {9, 4}, "10": {10, 4}, "09": {11, 4}, "07": {12, 4},
	"32": {2, 5}, "31": {3, 5}, "28": {4, 5}, "26": {5, 5}, "25": {6, 5}, "18": {7, 5}, "21": {8, 5}, "19": {9, 5}, "11": {10, 5}, "08": {11, 5},
	"35": {1, 6}, "34": {2, 6}, "33": {3, 6}, "27": {4, 6}, "29": {5, 6}, "24": {6, 6}, "23": {7, 6}, "22": {8, 6}, "14": {9, 6}, "13": {10, 6}, "12": {11, 6},
	"41": {0, 7}, "40": {1, 7}, "44": {2, 7}, "38": {3, 7}, "37": {4, 7}, "30": {5, 7},
	"42": {0, 8}, "43": {1, 8}, "45": {2, 8}, "39": {3, 8}, "36": {4, 8},
	"47": {0, 9}, "46": {1, 9},
}

// mapTile is one prefecture on the map.
type mapTile struct {
	X, Y, NameX, NameY, ValueY string
	Class                      string // shade: pm-0 .. pm-5, or pm-hidden
	Name                       string // short name
	NameClass                  string // pm-name, smaller for long (English) names
	Value                      string // rate per 100,000 or the hidden mark
	Title                      string // full name and figures, for the tooltip
}

// mapLegend is one shade of the map's legend.
type mapLegend struct {
	Class string
	Label string
}

// shades are the map's classes for rates above zero, lightest first.
const shades = 5

// mapView lays out the prefecture breakdown as tiles shaded by learners per
// 100,000 people in up to five classes (quintiles of the published non-zero
// rates, so that neighbours with close rates still differ in shade). Hidden
// counts are hatched, never shaded: their rate is not published.
func mapView(p views.Page, b *reporting.PublicBreakdown, k int) ([]mapTile, []mapLegend) {
	var rates []float64
	for _, r := range b.Rows {
		if v := r.Per100k(); v != nil && *v > 0 {
			rates = append(rates, *v)
		}
	}
	uppers := quintiles(rates)
	var tiles []mapTile
	for _, r := range b.Rows {
		pos, ok := tilePos[r.Code]
		if !ok {
			continue
		}
		x, y := pos[0]*tile, pos[1]*tile
		t := mapTile{
			X: strconv.Itoa(x + tileGap/2), Y: strconv.Itoa(y + tileGap/2),
			NameX: strconv.Itoa(x + tile/2), NameY: strconv.Itoa(y + 27), ValueY: strconv.Itoa(y + 45),
			Name: shortName(p, r.Named),
		}
		t.NameClass = "pm-name"
		if n := len([]rune(t.Name)); n > 8 {
			t.NameClass = "pm-name pm-name-xs"
		} else if n > 6 {
			t.NameClass = "pm-name pm-name-s"
		}
		switch v := r.Per100k(); {
		case r.Cell.Hidden:
			t.Class, t.Value = "pm-hidden", r.Cell.Text(k)
			t.Title = p.T("progress.tile_hidden", r.Name(p.Lang()), r.Cell.Text(k))
		case v == nil || *v == 0:
			t.Class, t.Value = "pm-0", "0"
			t.Title = p.T("progress.tile", r.Name(p.Lang()), num(r.Cell.N), "0")
		default:
			shade := 1
			for shade < len(uppers) && *v > uppers[shade-1] {
				shade++
			}
			t.Class, t.Value = "pm-"+strconv.Itoa(shade), dec(*v)
			t.Title = p.T("progress.tile", r.Name(p.Lang()), num(r.Cell.N), dec(*v))
		}
		tiles = append(tiles, t)
	}
	legend := []mapLegend{{"pm-0", "0"}}
	for i, up := range uppers {
		low := rates[0]
		if i > 0 {
			low = uppers[i-1]
		}
		label := dec(up)
		if dec(low) != label {
			label = p.T("progress.legend_range", dec(low), dec(up))
		}
		legend = append(legend, mapLegend{"pm-" + strconv.Itoa(i+1), label})
	}
	legend = append(legend, mapLegend{"pm-hidden", p.T("progress.legend_hidden", k)})
	return tiles, legend
}

// quintiles returns the upper bounds of up to five classes of rates, each
// holding about a fifth of them (fewer classes when values repeat). rates
// is sorted in place.
func quintiles(rates []float64) []float64 {
	sort.Float64s(rates)
	var uppers []float64
	for i := 1; i <= shades && len(rates) > 0; i++ {
		up := rates[(i*len(rates)+shades-1)/shades-1]
		if len(uppers) == 0 || up > uppers[len(uppers)-1] {
			uppers = append(uppers, up)
		}
	}
	return uppers
}

// shortName is a prefecture's name as it fits on a tile: without 都, 府 or
// 県 in Japanese (北海道 stays whole).
func shortName(p views.Page, n reporting.Named) string {
	if p.Lang() == "en" && n.NameEn != "" {
		return n.NameEn
	}
	s := n.NameJa
	if s != "北海道" {
		for _, suf := range []string{"都", "府", "県"} {
			s = strings.TrimSuffix(s, suf)
		}
	}
	return s
}

func mapViewBox() string {
	return "0 0 " + strconv.Itoa(mapCols*tile) + " " + strconv.Itoa(mapRows*tile)
}

func tileSize() string { return strconv.Itoa(tile - tileGap) }

// --- bar charts ---

// bar is one row of a horizontal bar chart.
type bar struct {
	Name   string
	Class  string // width class (bw-0 .. bw-100, 2 % steps) or pb-hidden
	Value  string
	Hidden bool
}

// bars lays out a breakdown as bars relative to its largest published count.
func bars(p views.Page, b *reporting.PublicBreakdown, k int) []bar {
	var top int64
	for _, r := range b.Rows {
		if !r.Cell.Hidden && r.Cell.N > top {
			top = r.Cell.N
		}
	}
	out := make([]bar, 0, len(b.Rows))
	for _, r := range b.Rows {
		br := bar{Name: rowName(p, b.Dim, r), Value: cell(r.Cell, k), Hidden: r.Cell.Hidden}
		switch {
		case r.Cell.Hidden:
			br.Class = "pb-bar pb-hidden"
		case top == 0 || r.Cell.N == 0:
			br.Class = "pb-bar bw-0"
		default:
			w := int(math.Round(float64(r.Cell.N)/float64(top)*50)) * 2
			br.Class = "pb-bar bw-" + strconv.Itoa(max(w, 2))
		}
		out = append(out, br)
	}
	return out
}

func programmeURL(code string) string { return "/progress?programme=" + code }
