// Package ministry renders the ministry dashboard: aggregates only, never a
// person, and no link to anyone's record.
package ministry

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"takumi/internal/progress"
	"takumi/internal/reporting"
	"takumi/views"
)

// Props is what the dashboard page shows.
type Props struct {
	Page       views.Page
	Form       views.Form // the filter as typed (or as applied)
	ErrKey     string     // catalogue key of a refused filter; the page then shows no figures
	Programmes []progress.Programme
	Choices    *reporting.Choices
	Regions    reporting.Regions
	K          int
	// The period lists of the form (newest first): fiscal quarters and
	// years, and the months of a month range.
	Quarters, Years []reporting.Period
	Months          []time.Time
	// Dashboard is nil when the filter was refused.
	Dashboard *reporting.Dashboard
}

// Query is the applied filter as URL parameters, for export links.
func Query(f reporting.Filter, c reporting.Compare) url.Values {
	q := url.Values{}
	if f.Programme != nil {
		q.Set("programme", f.Programme.Code)
	}
	if f.Term != "" {
		q.Set("term", f.Term)
	} else {
		q.Set("from", f.From.Format("2006-01"))
		q.Set("to", f.To.Format("2006-01"))
	}
	if f.Dim != "" {
		q.Set(f.Dim, f.Value)
	}
	if f.Dim2 != "" {
		q.Set(f.Dim2, f.Value2)
	}
	if c.Chosen() {
		q.Set("compare_a", c.Dim+":"+c.A)
		q.Set("compare_b", c.Dim+":"+c.B)
	}
	return q
}

// FormOf is the applied filter as form values.
func FormOf(f reporting.Filter, c reporting.Compare) views.Form {
	form := views.NewForm()
	for k, v := range Query(f, c) {
		form.Values[k] = v[0]
	}
	for _, dv := range [][2]string{{f.Dim, f.Value}, {f.Dim2, f.Value2}} {
		switch {
		case slices.Contains(reporting.PlaceDims, dv[0]):
			form.Values["place"] = dv[0] + ":" + dv[1]
		case slices.Contains(reporting.SecondDims, dv[0]):
			form.Values["by"] = dv[0] + ":" + dv[1]
		}
	}
	return form
}

// PeriodLabel names a fiscal year or quarter in the page's language.
func PeriodLabel(p views.Page, per reporting.Period) string {
	if per.Quarter == 0 {
		return p.T("ministry.fy_label", per.FY, per.FY, per.FY+1)
	}
	if p.Lang() == "en" {
		return p.T("ministry.quarter_label", per.FY, per.Quarter, per.From.Format("Jan 2006"), per.To.Format("Jan 2006"))
	}
	return p.T("ministry.quarter_label", per.FY, per.Quarter, per.From.Year(), int(per.From.Month()), int(per.To.Month()))
}

// MonthLabel names a month in the page's language.
func MonthLabel(p views.Page, m time.Time) string {
	if p.Lang() == "en" {
		return p.T("ministry.month_label", m.Format("January 2006"))
	}
	return p.T("ministry.month_label", m.Year(), int(m.Month()))
}

// ExportURL is the link to one table's export in format.
func ExportURL(d *reporting.Dashboard, table, format string) string {
	q := Query(d.Filter, d.Compare)
	q.Set("table", table)
	q.Set("format", format)
	return "/ministry/export?" + q.Encode()
}

// PageRows is how many rows a long table shows on the page; its export has
// them all.
const PageRows = 50

// dimLabel names a dimension.
func dimLabel(p views.Page, dim string) string { return p.T(catKey("ministry.dim_", dim)) }

// ValueLabel names a value of a dimension in the page's language.
func ValueLabel(p views.Page, c *reporting.Choices, dim, value string) string {
	if value == "" {
		return p.T("ministry.not_stated")
	}
	switch dim {
	case "region":
		return p.T(catKey("ministry.region_", regionKey(value)))
	case "segment":
		return p.T(catKey("ministry.segment_", value))
	}
	if c != nil {
		if ch, ok := c.Lookup(dim, value); ok {
			return ch.Name(p.Lang())
		}
	}
	return value
}

// catKey joins a catalogue key prefix and a code ("ministry.dim_" +
// "prefecture").
func catKey(prefix, code string) string { return prefix + code }

// regionKey is a region's catalogue key suffix ("Kyushu-Okinawa" →
// "kyushu_okinawa").
func regionKey(region string) string {
	return strings.ReplaceAll(strings.ToLower(region), "-", "_")
}

// FilterSummary describes the applied filter in words.
func FilterSummary(p views.Page, c *reporting.Choices, f reporting.Filter) string {
	if f.Dim == "" {
		return p.T("ministry.filter_none")
	}
	s := dimLabel(p, f.Dim) + ": " + ValueLabel(p, c, f.Dim, f.Value)
	if f.Dim2 != "" {
		s += " × " + dimLabel(p, f.Dim2) + ": " + ValueLabel(p, c, f.Dim2, f.Value2)
	}
	return s
}

// monthRange is "2026-01 – 2026-12".
func monthRange(f reporting.Filter) string {
	return f.From.Format("2006-01") + " – " + f.To.Format("2006-01")
}

// Metadata is what every export states about its table.
func Metadata(p views.Page, props Props, t reporting.Table) reporting.Metadata {
	d := props.Dashboard
	m := reporting.Metadata{
		{p.T("ministry.meta_table"), t.Title},
		{p.T("ministry.meta_programme"), d.Filter.Programme.Name(p.Lang()) + " (" + d.Filter.Programme.Code + ")"},
		{p.T("ministry.meta_filter"), FilterSummary(p, props.Choices, d.Filter)},
		{p.T("ministry.meta_months"), monthRange(d.Filter)},
		{p.T("ministry.meta_as_of"), asOf(p, d.AsOf)},
	}
	if d.Compare.Chosen() && t.Name == reporting.TableCompare {
		m = append(m, [2]string{p.T("ministry.meta_compare"), compareSummary(p, props.Choices, d.Compare)})
	}
	m = append(m, [2]string{p.T("ministry.meta_rule"), p.T("ministry.rule", props.K, props.K)})
	for _, n := range t.Notes {
		m = append(m, [2]string{p.T("ministry.meta_note"), n})
	}
	return m
}

func compareSummary(p views.Page, c *reporting.Choices, cmp reporting.Compare) string {
	return ValueLabel(p, c, cmp.Dim, cmp.A) + " / " + ValueLabel(p, c, cmp.Dim, cmp.B)
}

// asOf formats a time in Japan's time zone.
func asOf(p views.Page, t time.Time) string {
	if t.IsZero() {
		return p.T("ministry.never")
	}
	return t.In(jst).Format("2006-01-02 15:04 JST")
}

var jst = time.FixedZone("JST", 9*3600)

// dash is shown for a rate or median that is not published.
func dash(p views.Page) reporting.Value { return reporting.TextValue(p.T("ministry.withheld")) }

func rateValue(p views.Page, r *float64) reporting.Value {
	if r == nil {
		return dash(p)
	}
	return reporting.NumberValue(*r*100, 1)
}

func medianValue(p views.Page, sec *float64) reporting.Value {
	if sec == nil {
		return dash(p)
	}
	return reporting.NumberValue(*sec/86400, 1)
}

// Tables are every table of the dashboard, in page order, translated. The
// page and the exports both render these, so they agree cell for cell.
func Tables(props Props) []reporting.Table {
	p, d, k := props.Page, props.Dashboard, props.K
	if d == nil {
		return nil
	}
	var out []reporting.Table
	if tw := d.TwoWay; tw != nil {
		f := d.Filter
		place, value := ValueLabel(p, props.Choices, f.Dim, f.Value), ValueLabel(p, props.Choices, f.Dim2, f.Value2)
		t := reporting.Table{Name: reporting.TableAnswer, Title: p.T("ministry.answer_title", place, value),
			Columns: []string{dimLabel(p, f.Dim) + " × " + dimLabel(p, f.Dim2), p.T("ministry.col_learners")},
			Notes:   []string{p.T("ministry.answer_note"), p.T("ministry.series_note", f.Programme.Name(p.Lang()))}}
		t.Add("cell", reporting.TextValue(p.T("ministry.answer_cell", place, value)), reporting.CellValue(tw.Cell, k))
		t.Add("place", reporting.TextValue(p.T("ministry.answer_place_total", place)), reporting.CellValue(tw.PlaceTotal, k))
		t.Add("value", reporting.TextValue(p.T("ministry.answer_value_total", value)), reporting.CellValue(tw.ValueTotal, k))
		out = append(out, t)
	}
	if d.Funnel != nil {
		t := reporting.Table{Name: reporting.TableFunnel, Title: p.T("ministry.funnel_title"),
			Columns: []string{p.T("ministry.col_stage"), p.T("ministry.col_people")}}
		for _, st := range d.Funnel.Stages {
			v := reporting.TextValue(p.T("ministry.not_available"))
			if st.Available {
				v = reporting.CellValue(st.Cell, k)
			}
			t.Add(st.Stage, reporting.TextValue(p.T(catKey("ministry.stage_", st.Stage))), v)
		}
		t.Notes = append(t.Notes, p.T("ministry.funnel_note", reporting.ActiveDays))
		if d.Funnel.FirstInDimension {
			t.Notes = append(t.Notes, p.T("ministry.funnel_note_first", dimLabel(p, d.Filter.Dim)))
			t.Notes = append(t.Notes, p.T("ministry.funnel_not_available", dimLabel(p, d.Filter.Dim)))
		}
		t.Notes = append(t.Notes, p.T("ministry.funnel_refresh"))
		out = append(out, t)
	}
	if cs := d.Courses; cs != nil {
		scopeNote := p.T(catKey("ministry.courses_scope_", cs.Scope))
		if cs.Scope == reporting.ScopeNational {
			scopeNote = p.T("ministry.courses_scope_national", dimLabel(p, d.Filter.Dim))
		}
		// The refreshes' times are in Dashboard.AsOf, the one as-of time.
		refreshed := p.T("ministry.courses_refresh")
		t := reporting.Table{Name: reporting.TableCourses, Title: p.T("ministry.courses_title"),
			Columns: []string{p.T("ministry.col_course"), p.T("ministry.col_provider"), p.T("ministry.dim_skill_area"),
				p.T("ministry.col_enrolments"), p.T("ministry.col_completions"), p.T("ministry.col_rate"), p.T("ministry.col_median")},
			Notes: []string{scopeNote, p.T("ministry.courses_note", k), refreshed}}
		for _, c := range cs.Courses {
			t.Add(c.CourseID,
				reporting.TextValue(c.Title(p.Lang())),
				reporting.TextValue(ValueLabel(p, props.Choices, "provider", c.ProviderID)),
				reporting.TextValue(ValueLabel(p, props.Choices, "skill_area", c.SkillArea)),
				reporting.CellValue(c.Enrolments, k), reporting.CellValue(c.Completions, k),
				rateValue(p, c.Rate), medianValue(p, c.MedianSeconds),
			)
		}
		out = append(out, t)
		if cs.Scope != reporting.ScopeSkillArea {
			t := reporting.Table{Name: reporting.TableProviders, Title: p.T("ministry.providers_title"),
				Columns: []string{p.T("ministry.col_provider"), p.T("ministry.col_courses"), p.T("ministry.col_enrolments"),
					p.T("ministry.col_completions"), p.T("ministry.col_rate"), p.T("ministry.col_median"), p.T("ministry.col_flagged")},
				Notes: []string{scopeNote, p.T("ministry.providers_note", k), refreshed}}
			row := func(name string, ps reporting.ProviderStat, courses reporting.Value) []reporting.Value {
				return []reporting.Value{reporting.TextValue(name), courses,
					reporting.CellValue(ps.Enrolments, k), reporting.CellValue(ps.Completions, k),
					rateValue(p, ps.Rate), medianValue(p, ps.MedianSeconds), reporting.CellValue(ps.Flagged, k)}
			}
			for _, ps := range cs.Providers {
				t.Add(ps.ProviderID, row(ps.Name(p.Lang()), ps, reporting.NumberValue(float64(ps.Courses), 0))...)
			}
			if cs.Scope == reporting.ScopeAll || cs.Scope == reporting.ScopeNational {
				t.Add("total", row(p.T("ministry.all_providers"), cs.Total, reporting.TextValue(""))...)
			}
			out = append(out, t)
		}
	}
	series := func(name string, l *reporting.SeriesLine) {
		if l == nil {
			return
		}
		t := reporting.Table{Name: name, Title: p.T(catKey("ministry.series_title_", l.Period)),
			Columns: []string{p.T(catKey("ministry.col_", l.Period)), p.T("ministry.col_learners")},
			Notes:   []string{p.T("ministry.series_note", d.Filter.Programme.Name(p.Lang()))}}
		for _, pt := range l.Points {
			t.Add(pt.Period.Format(time.DateOnly), reporting.TextValue(periodLabel(p, l.Period, pt.Period)), reporting.CellValue(pt.Cell, k))
		}
		t.Add("total", reporting.TextValue(p.T("ministry.total")), reporting.CellValue(l.Total, k))
		out = append(out, t)
	}
	series(reporting.TableSeriesMonth, d.Month)
	series(reporting.TableSeriesWeek, d.Week)
	if cmp := d.Comparison; cmp != nil {
		t := reporting.Table{Name: reporting.TableCompare, Title: p.T("ministry.compare_title", compareSummary(p, props.Choices, cmp.Compare)),
			Columns: []string{p.T("ministry.col_month"), ValueLabel(p, props.Choices, cmp.Dim, cmp.A), ValueLabel(p, props.Choices, cmp.Dim, cmp.B)},
			Notes:   []string{p.T("ministry.compare_note")}}
		for i, per := range cmp.Periods {
			t.Add(per.Format(time.DateOnly), reporting.TextValue(periodLabel(p, "month", per)),
				reporting.CellValue(cmp.CellsA[i], k), reporting.CellValue(cmp.CellsB[i], k))
		}
		t.Add("total", reporting.TextValue(p.T("ministry.total")), reporting.CellValue(cmp.TotalA, k), reporting.CellValue(cmp.TotalB, k))
		out = append(out, t)
	}
	for _, b := range d.Breakdowns {
		t := reporting.Table{Name: reporting.TableBreakdownPrefix + b.Dim, Title: p.T("ministry.breakdown_title", dimLabel(p, b.Dim)),
			Columns: []string{dimLabel(p, b.Dim), p.T("ministry.col_learners")},
			Notes:   []string{p.T("ministry.series_note", d.Filter.Programme.Name(p.Lang()))}}
		if d.Filter.TwoFilters() {
			f := d.Filter
			if b.Dim == "prefecture" {
				f.Dim, f.Value = f.Dim2, f.Value2
			}
			f.Dim2, f.Value2 = "", ""
			t.Notes = append(t.Notes, p.T("ministry.breakdown_under", FilterSummary(p, props.Choices, f)))
		}
		for _, r := range b.Rows {
			t.Add("v:"+r.Value, reporting.TextValue(ValueLabel(p, props.Choices, b.Dim, r.Value)), reporting.CellValue(r.Cell, k))
		}
		t.Add("total", reporting.TextValue(p.T("ministry.total")), reporting.CellValue(b.Total, k))
		out = append(out, t)
	}
	return out
}

// periodLabel names a week (by its Monday) or a month.
func periodLabel(p views.Page, period string, t time.Time) string {
	if period == "week" {
		return p.T("ministry.week_of", t.Format("2006-01-02"))
	}
	return t.Format("2006-01")
}

// TableByName picks one of tables.
func TableByName(tables []reporting.Table, name string) (reporting.Table, bool) {
	for _, t := range tables {
		if t.Name == name {
			return t, true
		}
	}
	return reporting.Table{}, false
}

// knownPeriod, knownMonth and knownPair report whether a typed value is
// one of the form's choices (a value that is not is kept, as typed, as an
// extra choice, so the refused form shows what was asked).
func knownPeriod(v Props, value string) bool {
	for _, per := range append(slices.Clone(v.Quarters), v.Years...) {
		if per.Value == value {
			return true
		}
	}
	return false
}

func knownMonth(v Props, value string) bool {
	for _, m := range v.Months {
		if m.Format("2006-01") == value {
			return true
		}
	}
	return false
}

func knownPair(v Props, value string) bool {
	dim, val, _ := strings.Cut(value, ":")
	return v.Choices != nil && v.Choices.Valid(dim, val)
}

// appliedPeriod is the applied period: a fiscal year or quarter by its
// name, else the months.
func appliedPeriod(v Props) string {
	f := v.Dashboard.Filter
	for _, per := range append(slices.Clone(v.Quarters), v.Years...) {
		if per.Value == f.Term {
			return PeriodLabel(v.Page, per)
		}
	}
	return monthRange(f)
}
