package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/jst"
	"takumi/internal/reporting"
	"takumi/views"
	"takumi/views/ministry"
)

// The ministry dashboard: aggregates only, for ministry analysts (and
// platform admins). SECURITY: requireAnalyst guards both routes; every
// number comes from the reporting read models through disclosure control,
// and the page links to no person's record.

// ministryRequest is a parsed dashboard request: the page's props, and the
// query for the reporting service when the filter was accepted.
type ministryRequest struct {
	props ministry.Props
	query reporting.DashboardQuery
	ok    bool
}

// parseMinistry reads the filter and the comparison, with the reference
// data (programmes, choices, regions) of the dashboard's state st. A
// refused filter is not an error: the page says why above the form, kept as
// typed.
func (s *Server) parseMinistry(c echo.Context, st reporting.DashboardState) (*ministryRequest, error) {
	refs, err := s.Reporting.References(c.Request().Context(), st)
	if err != nil {
		return nil, err
	}
	programmes, choices, regions := refs.Programmes, refs.Choices, refs.Regions
	r := &ministryRequest{props: ministry.Props{
		Page: s.page(c, "ministry.title"), Programmes: programmes, Choices: choices, Regions: regions, K: s.Reporting.K(),
	}}
	q := c.QueryParams()
	if len(programmes) == 0 { // nothing to report on yet: say so, no figures
		r.props.Form = typedForm(q)
		return r, nil
	}
	refuse := func(err error) (*ministryRequest, error) {
		e, ok := apperr.As(err)
		if !ok || (e.Code != apperr.Invalid && e.Code != apperr.NotFound) {
			return nil, err
		}
		r.props.ErrKey = e.Key
		r.props.Form = typedForm(q)
		return r, nil
	}
	f, err := s.Reporting.ParseFilterAmong(q, programmes, choices.Valid)
	if err != nil {
		return refuse(err)
	}
	cmp, err := reporting.ParseCompare(q, choices.Valid)
	if err != nil {
		return refuse(err)
	}
	r.query = reporting.DashboardQuery{Filter: f, Compare: cmp, Regions: regions}
	r.props.Form = ministry.FormOf(f, cmp)
	r.ok = true
	return r, nil
}

// withPeriods fills the form's period lists of r: from the earliest
// programme's start to today (Tokyo's date). Only a page whose content is
// rendered needs them (not a view of a kept content, nor an export).
func (r *ministryRequest) withPeriods() *ministryRequest {
	programmes := r.props.Programmes
	if len(programmes) == 0 || r.props.Months != nil {
		return r
	}
	since := programmes[0].StartsOn
	for _, p := range programmes {
		if p.StartsOn.Before(since) {
			since = p.StartsOn
		}
	}
	now := time.Now().In(jst.Location)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	r.props.Quarters, r.props.Years = reporting.Periods(since, today)
	r.props.Months = reporting.Months(since, today)
	return r
}

// typedForm keeps the filter fields as typed; a filter given by its own
// parameter (prefecture=27, as in an export link) is shown in the place
// or "by" select.
func typedForm(q url.Values) views.Form {
	f := views.NewForm()
	for _, name := range []string{"programme", "term", "from", "to", "place", "by", "compare_a", "compare_b"} {
		f.Values[name] = strings.TrimSpace(q.Get(name))
	}
	for _, dims := range []struct {
		field string
		dims  []string
	}{{"place", reporting.PlaceDims}, {"by", reporting.SecondDims}} {
		for _, d := range dims.dims {
			if v := strings.TrimSpace(q.Get(d)); v != "" && f.Values[dims.field] == "" {
				f.Values[dims.field] = d + ":" + v
			}
		}
	}
	return f
}

// canonicalQuery is q with the place and "by" selects written as their
// filters' own parameters, and empty fields left out.
func canonicalQuery(q url.Values, f reporting.Filter) url.Values {
	out := url.Values{}
	for k, v := range q {
		if k != "place" && k != "by" && len(v) > 0 && strings.TrimSpace(v[0]) != "" {
			out.Set(k, strings.TrimSpace(v[0]))
		}
	}
	for _, dv := range [][2]string{{f.Dim, f.Value}, {f.Dim2, f.Value2}} {
		if dv[0] != "" {
			out.Set(dv[0], dv[1])
		}
	}
	return out
}

// handleMinistry shows the dashboard, or the form with the reason a filter
// was refused (422). The dashboard's content (everything inside the layout)
// is kept per state of the read models, filter, language and day
// (ministryContentKey): a view whose state was seen renders only the
// layout around it.
func (s *Server) handleMinistry(c echo.Context) error {
	ctx := c.Request().Context()
	st, err := s.Reporting.DashboardState(ctx)
	if err != nil {
		return err
	}
	// The day is read before anything the page computes from it (the
	// period lists, the default month range), like the state.
	now := time.Now()
	r, err := s.parseMinistry(c, st)
	if err != nil {
		return err
	}
	if !r.ok {
		status := http.StatusUnprocessableEntity
		if len(r.props.Programmes) == 0 {
			status = http.StatusOK
		}
		return render(c, status, ministry.Page(r.withPeriods().props))
	}
	// The form's place and "by" selects ("prefecture:27") go to the
	// dashboard's own address (prefecture=27&industry=E), which export
	// links and bookmarks use too.
	if q := c.QueryParams(); q.Has("place") || q.Has("by") {
		return redirect(c, "/ministry?"+canonicalQuery(q, r.query.Filter).Encode())
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	p := r.props.Page
	key := ministryContentKey{state: st, filter: ministry.Query(r.query.Filter, r.query.Compare).Encode(),
		lang: p.Lang(), title: p.Title, day: now.In(jst.Location).Format(time.DateOnly), utcDay: now.UTC().Format(time.DateOnly)}
	if st.Cacheable() {
		if content, ok := s.ministryContents.get(key); ok {
			return render(c, http.StatusOK, ministry.PageWith(p, templ.Raw(content)))
		}
	}
	if r.props.Dashboard, err = s.Reporting.Dashboard(ctx, r.query); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := ministry.Content(r.withPeriods().props).Render(ctx, &buf); err != nil {
		return err
	}
	content := buf.String()
	if st.Cacheable() {
		s.ministryContents.put(key, content)
	}
	return render(c, http.StatusOK, ministry.PageWith(p, templ.Raw(content)))
}

// ministryContentKey names one rendering of the dashboard's content: the
// state of the read models it was computed from (read before them, so the
// content is at least as new as its key; with the catalogue change
// signal's generation while it listens, so the filter form's provider
// choices are those of the next view after a change), the applied filter and
// comparison (as the export links write them), the language and title, and
// the day in Japan (the period lists) and in UTC (the default month range).
// Nothing of the person viewing is in the content: it holds aggregates only,
// shown alike to every analyst.
type ministryContentKey struct {
	state                    reporting.DashboardState
	filter                   string
	lang, title, day, utcDay string
}

// ministryContentCache keeps rendered dashboard contents for one state of
// the read models: a new state empties it (contents of an older state are
// never asked for again), and past ministryContentLimit entries it starts
// again empty.
type ministryContentCache struct {
	mu      sync.Mutex
	state   reporting.DashboardState
	entries map[ministryContentKey]string
}

// ministryContentLimit bounds the cache (a content is some 50 kB at national
// scale, 200 courses; analysts look at a few dozen filters between two
// learner-statistics refreshes).
const ministryContentLimit = 64

func (c *ministryContentCache) get(k ministryContentKey) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.entries[k]
	return v, ok
}

func (c *ministryContentCache) put(k ministryContentKey, v string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || c.state != k.state || len(c.entries) >= ministryContentLimit {
		c.state, c.entries = k.state, map[ministryContentKey]string{}
	}
	c.entries[k] = v
}

// ministryFormats are the export formats and their media types.
var ministryFormats = map[string]string{
	"csv":  "text/csv; charset=utf-8",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// handleMinistryExport sends one dashboard table as CSV (UTF-8 with a BOM)
// or XLSX, with the same protected cells as the page and a metadata block,
// and records the export in the audit log. A refused filter, table or
// format shows the dashboard form with the reason (422).
func (s *Server) handleMinistryExport(c echo.Context) error {
	ctx := c.Request().Context()
	st, err := s.Reporting.DashboardState(ctx)
	if err != nil {
		return err
	}
	r, err := s.parseMinistry(c, st)
	if err != nil {
		return err
	}
	if !r.ok {
		return render(c, http.StatusUnprocessableEntity, ministry.Page(r.withPeriods().props))
	}
	format := c.QueryParam("format")
	table := c.QueryParam("table")
	if table == "series" { // series&period=week|month names the two series tables
		table = "series_" + c.QueryParam("period")
	}
	refuse := func(key string) error {
		r.props.ErrKey = key
		return render(c, http.StatusUnprocessableEntity, ministry.Page(r.withPeriods().props))
	}
	if _, ok := ministryFormats[format]; !ok {
		return refuse("ministry.err_unknown_format")
	}
	r.query.Only = table
	dash, err := s.Reporting.Dashboard(ctx, r.query)
	if apperr.Is(err, apperr.Invalid) {
		return refuse("ministry.err_unknown_table")
	} else if err != nil {
		return err
	}
	r.props.Dashboard = dash
	t, ok := ministry.TableByName(ministry.Tables(r.props), table)
	if !ok {
		return refuse("ministry.err_unknown_table")
	}
	p := r.props.Page
	meta := ministry.Metadata(p, r.withPeriods().props, t)
	var buf bytes.Buffer
	if format == "csv" {
		err = reporting.WriteCSV(&buf, t, meta)
	} else {
		err = reporting.WriteXLSX(&buf, t, meta, p.T("ministry.sheet_data"), p.T("ministry.sheet_about"))
	}
	if err != nil {
		return err
	}
	if err := s.Reporting.RecordExport(ctx, reporting.ExportRecord{ActorID: currentAuth(c).User.ID, IP: clientIP(c),
		Table: table, Format: format, Filter: r.query.Filter, Compare: r.query.Compare}); err != nil {
		return err
	}
	name := "takumi-" + dash.Filter.Programme.Code + "-" + table + "-" + dash.Filter.From.Format("200601") + "-" + dash.Filter.To.Format("200601") + "." + format
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, ministryFormats[format], buf.Bytes())
}
