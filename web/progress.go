package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"takumi/internal/csvexport"
	"takumi/internal/jst"
	"takumi/internal/memo"
	"takumi/internal/reporting"
	"takumi/views"
	partnerviews "takumi/views/partner"
	progressviews "takumi/views/progress"
)

// handleProgress renders the national progress page for ?programme=code
// (the flagship when absent): headline, trajectory and protected
// breakdowns, each chart with its data table. The figures are cached by
// the reporting service until they change; the page's content rendered
// from them is kept too (progressContent), so a view renders only the
// layout around it.
func (s *Server) handleProgress(c echo.Context) error {
	f, err := s.Reporting.Public(c.Request().Context(), strings.TrimSpace(c.QueryParam("programme")))
	if err != nil {
		return s.progressError(c, err)
	}
	p := s.page(c, "progress.title")
	today := todayInJapan()
	key := progressContentKey{figures: f, lang: p.Lang(), title: p.Title, today: today}
	content, ok := progressContents.Get(key)
	if !ok {
		v := progressviews.View{
			Figures: f,
			Today:   today,
			JSONURL: openDataURL("json", f.Programme.Code),
			CSVURL:  openDataURL("csv", f.Programme.Code),
		}
		var buf bytes.Buffer
		if err := progressviews.Content(p, v).Render(c.Request().Context(), &buf); err != nil {
			return err
		}
		content = buf.String()
		progressContents.Put(key, content)
	}
	return render(c, http.StatusOK, progressviews.PageWith(p, templ.Raw(content)))
}

// progressContentKey names one rendering of the progress page's content:
// the figures (the reporting service's cached value: a new pointer
// whenever the figures were computed again), the language, the title and
// Japan's date (the trajectory and the rate needed count from it).
type progressContentKey struct {
	figures     *reporting.PublicFigures
	lang, title string
	today       time.Time
}

// progressContents keeps the rendered content of the progress page by
// progressContentKey. Past progressContentLimit entries it starts again
// empty (figures replaced by newer ones are never asked for again). It is
// shared by every server of the process: keys hold the figures' pointer,
// which no two services share.
var progressContents = memo.Cache[progressContentKey, string]{Limit: progressContentLimit}

const progressContentLimit = 32

// handleMethodology publishes the counting method and every programme's
// qualifying rule.
func (s *Server) handleMethodology(c echo.Context) error {
	rules, err := s.Reporting.ProgrammeRules(c.Request().Context())
	if err != nil {
		return err
	}
	m := progressviews.Methodology{Rules: rules, K: s.Reporting.K()}
	rows := make([]partnerviews.SourceRow, 0, len(rules))
	for _, r := range rules {
		src, err := s.Partners.ProgrammeSources(c.Request().Context(), r.ID)
		if err != nil {
			return err
		}
		cells, _ := reporting.Protect([]int64{src.Takumi, src.Partner}, m.K)
		rows = append(rows, partnerviews.SourceRow{Code: r.Code, NameJa: r.NameJa, NameEn: r.NameEn, Takumi: cells[0], Partner: cells[1]})
	}
	m.External = partnerviews.Methodology(s.page(c, "progress.method_title"), rows, m.K)
	return render(c, http.StatusOK, progressviews.MethodologyPage(s.page(c, "progress.method_title"), m))
}

// progressError shows an unknown programme plainly (404 with its own
// message); other errors go to the error handler.
func (s *Server) progressError(c echo.Context, err error) error {
	if !isNotFound(err) {
		return err
	}
	return render(c, http.StatusNotFound, views.ErrorPage(s.page(c, "error.title_not_found"), http.StatusNotFound, "reporting.err_unknown_programme"))
}

// todayInJapan is today's date in Japan, as a date (midnight UTC), the way
// the rollups store days.
func todayInJapan() time.Time {
	t := jst.In(time.Now())
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func openDataURL(ext, code string) string {
	return "/progress/data." + ext + "?programme=" + url.QueryEscape(code)
}

// --- open data ---

// OpenDataFormat names the open data's layout; it changes only if a field
// is removed or changes meaning (see docs/reporting.md).
const OpenDataFormat = "takumi-progress/1"

type openData struct {
	Format      string         `json:"format"`
	Programme   openProgramme  `json:"programme"`
	AsOf        string         `json:"as_of"`
	DisclosureK int            `json:"disclosure_k"`
	Headline    openHeadline   `json:"headline"`
	Cumulative  []openPoint    `json:"cumulative"`
	Breakdowns  openBreakdowns `json:"breakdowns"`
	Methodology string         `json:"methodology"`
	// Sources splits the headline's learners by where the credential
	// that counts them came from (issue 19: partner issuers), with the
	// same disclosure control.
	Sources openSources `json:"sources"`
}

type openSources struct {
	Takumi  openCount `json:"takumi"`
	Partner openCount `json:"partner"`
}

type openProgramme struct {
	Code     string `json:"code"`
	NameJa   string `json:"name_ja"`
	NameEn   string `json:"name_en"`
	Target   int64  `json:"target"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
	Flagship bool   `json:"flagship"`
}

type openHeadline struct {
	Learners          int64    `json:"learners"`
	Target            int64    `json:"target"`
	Percent           float64  `json:"percent"`
	RunRatePerWeek    float64  `json:"run_rate_per_week"`
	NeededRatePerWeek *float64 `json:"needed_rate_per_week"`
	ProjectedOn       *string  `json:"projected_on"`
	TargetReached     bool     `json:"target_reached"`
}

type openPoint struct {
	Date     string `json:"date"`
	Learners int64  `json:"learners"`
}

type openBreakdowns struct {
	Prefecture openBreakdown `json:"prefecture"`
	Industry   openBreakdown `json:"industry"`
	SkillArea  openBreakdown `json:"skill_area"`
	Segment    openBreakdown `json:"segment"`
}

type openBreakdown struct {
	Published bool      `json:"published"` // false while fewer than k learners count: no rows
	Total     openCount `json:"total"`
	Rows      []openRow `json:"rows"`
}

type openCount struct {
	Learners   *int64  `json:"learners"`
	Suppressed *string `json:"suppressed"`
}

type openRow struct {
	Code   string `json:"code"`
	NameJa string `json:"name_ja"`
	NameEn string `json:"name_en"`
	openCount
	PopulationThousands *int64   `json:"population_thousands"`
	Per100k             *float64 `json:"per_100k"`
}

// protectedCount is a cell as open data: the number, or null and the mark.
// SECURITY: a hidden count's number is never written (Cell.Value is nil).
func protectedCount(c reporting.Cell, k int) openCount {
	out := openCount{Learners: c.Value()}
	if c.Hidden {
		mark := c.Text(k)
		out.Suppressed = &mark
	}
	return out
}

// openDataOf turns the published figures into open data. Segment names and
// "not stated" come from the message catalogue, in both languages.
func (s *Server) openDataOf(f *reporting.PublicFigures, baseURL string) openData {
	pr, p := f.Progress, f.Programme
	ja, en := s.Catalog.For("ja"), s.Catalog.For("en")
	out := openData{
		Format: OpenDataFormat,
		Programme: openProgramme{Code: p.Code, NameJa: p.NameJa, NameEn: p.NameEn, Target: p.Target,
			StartsOn: p.StartsOn.Format(time.DateOnly), EndsOn: p.EndsOn.Format(time.DateOnly), Flagship: p.Flagship},
		AsOf:        jst.In(pr.AsOf).Format(time.RFC3339),
		DisclosureK: f.K,
		Headline: openHeadline{Learners: pr.Learners, Target: p.Target, Percent: progressviews.RoundPercent(pr.Percent),
			RunRatePerWeek: progressviews.Round1(pr.RunRate), TargetReached: pr.Reached},
		Cumulative:  make([]openPoint, 0, len(pr.Series)),
		Methodology: baseURL + "/progress/methodology",
	}
	if !math.IsInf(pr.NeededRate, 0) {
		v := progressviews.Round1(pr.NeededRate)
		out.Headline.NeededRatePerWeek = &v
	}
	if pr.Projected != nil {
		d := pr.Projected.Format(time.DateOnly)
		out.Headline.ProjectedOn = &d
	}
	if src, err := s.Partners.ProgrammeSources(context.Background(), p.ID); err == nil {
		cells, _ := reporting.Protect([]int64{src.Takumi, src.Partner}, f.K)
		out.Sources = openSources{Takumi: protectedCount(cells[0], f.K), Partner: protectedCount(cells[1], f.K)}
	}
	for _, pt := range pr.Series {
		out.Cumulative = append(out.Cumulative, openPoint{Date: pt.Day.Format(time.DateOnly), Learners: pt.Cumulative})
	}
	slot := map[string]*openBreakdown{"prefecture": &out.Breakdowns.Prefecture, "industry": &out.Breakdowns.Industry,
		"skill_area": &out.Breakdowns.SkillArea, "segment": &out.Breakdowns.Segment}
	for _, b := range f.Breakdowns {
		ob := slot[b.Dim]
		*ob = openBreakdown{Published: !b.Withheld, Total: protectedCount(b.Total, f.K), Rows: []openRow{}}
		for _, r := range b.Rows {
			row := openRow{Code: r.Code, NameJa: r.NameJa, NameEn: r.NameEn, openCount: protectedCount(r.Cell, f.K), Per100k: r.Per100k()}
			switch {
			case r.Code == "":
				row.NameJa, row.NameEn = ja.T("progress.not_stated"), en.T("progress.not_stated")
			case b.Dim == "segment" && r.NameJa == "":
				key := progressviews.SegmentKey(r.Code)
				row.NameJa, row.NameEn = ja.T(key), en.T(key)
			}
			if b.Dim == "prefecture" && r.PopulationThousands > 0 {
				pop := r.PopulationThousands
				row.PopulationThousands = &pop
			}
			ob.Rows = append(ob.Rows, row)
		}
	}
	return out
}

// openDataFigures reads the figures for ?programme=code; an unknown code is
// answered here with 404 and a plain message in the body's format.
func (s *Server) openDataFigures(c echo.Context) (*reporting.PublicFigures, error) {
	return s.Reporting.Public(c.Request().Context(), strings.TrimSpace(c.QueryParam("programme")))
}

// handleProgressJSON publishes the national progress page's figures as
// JSON (format takumi-progress/1, documented in docs/reporting.md).
func (s *Server) handleProgressJSON(c echo.Context) error {
	f, err := s.openDataFigures(c)
	if err != nil {
		if isNotFound(err) {
			openDataHeaders(c, "")
			return c.JSON(http.StatusNotFound, map[string]string{"error": s.localizer(c).T("reporting.err_unknown_programme")})
		}
		return err
	}
	// "<10" stays "<10" (not \u003c10): the answer is application/json
	// with nosniff, never HTML.
	body, err := openDataBodyOf(openDataKey{figures: f, format: "json", baseURL: s.Config.BaseURL}, func() ([]byte, error) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", " ")
		err := enc.Encode(s.openDataOf(f, s.Config.BaseURL))
		return buf.Bytes(), err
	})
	if err != nil {
		return err
	}
	return serveOpenDataBody(c, "application/json; charset=UTF-8", "", body) // as published since the start
}

// openDataKey names one open-data answer: the reporting service's cached
// figures (a new pointer whenever they are computed again), the format and
// the base URL its links are written with.
type openDataKey struct {
	figures         *reporting.PublicFigures
	format, baseURL string
}

// openDataBody is an encoded open-data answer with its ETag.
type openDataBody struct {
	body []byte
	etag string
}

// openDataBodies keeps the encoded answers by openDataKey (the figures
// are cached until they change, so their encoding can be too); past
// progressContentLimit entries it starts again empty. It is shared by
// every server of the process: keys hold the figures' pointer, which no
// two services share.
var openDataBodies = memo.Cache[openDataKey, openDataBody]{Limit: progressContentLimit}

// openDataBodyOf returns the answer for k, encoding it with encode when
// missing.
func openDataBodyOf(k openDataKey, encode func() ([]byte, error)) (openDataBody, error) {
	if b, ok := openDataBodies.Get(k); ok {
		return b, nil
	}
	body, err := encode()
	if err != nil {
		return openDataBody{}, err
	}
	b := openDataBody{body: body, etag: etagOf(body)}
	openDataBodies.Put(k, b)
	return b, nil
}

// csvColumns are the CSV's columns, in order (documented in docs/reporting.md).
var csvColumns = []string{"section", "code", "name_ja", "name_en", "value", "suppressed", "population_thousands", "per_100k"}

// handleProgressCSV publishes the same figures as one CSV table, UTF-8 with
// a byte order mark so that Excel (in Japan, too) reads it as UTF-8.
func (s *Server) handleProgressCSV(c echo.Context) error {
	f, err := s.openDataFigures(c)
	if err != nil {
		if isNotFound(err) {
			openDataHeaders(c, "")
			return c.String(http.StatusNotFound, s.localizer(c).T("reporting.err_unknown_programme"))
		}
		return err
	}
	d := s.openDataOf(f, s.Config.BaseURL)
	var buf bytes.Buffer
	w := csvexport.NewWriter(&buf)
	w.UseCRLF(true)
	rec := func(section, code, nameJa, nameEn, value, suppressed, population, per100k string) {
		_ = w.Write([]string{section, code, nameJa, nameEn, value, suppressed, population, per100k})
	}
	_ = w.Write(csvColumns)
	h := d.Headline
	rec("programme", d.Programme.Code, d.Programme.NameJa, d.Programme.NameEn, "", "", "", "")
	for _, kv := range [][2]string{
		{"as_of", d.AsOf},
		{"learners", strconv.FormatInt(h.Learners, 10)},
		{"target", strconv.FormatInt(h.Target, 10)},
		{"percent", fmtFloat(&h.Percent)},
		{"run_rate_per_week", fmtFloat(&h.RunRatePerWeek)},
		{"needed_rate_per_week", fmtFloat(h.NeededRatePerWeek)},
		{"projected_on", deref(h.ProjectedOn)},
		{"target_reached", strconv.FormatBool(h.TargetReached)},
		{"starts_on", d.Programme.StartsOn},
		{"ends_on", d.Programme.EndsOn},
		{"disclosure_k", strconv.Itoa(d.DisclosureK)},
	} {
		rec("headline", kv[0], "", "", kv[1], "", "", "")
	}
	for _, pt := range d.Cumulative {
		rec("cumulative", pt.Date, "", "", strconv.FormatInt(pt.Learners, 10), "", "", "")
	}
	ja, en := s.Catalog.For("ja"), s.Catalog.For("en")
	for _, b := range []struct {
		dim string
		ob  openBreakdown
	}{{"prefecture", d.Breakdowns.Prefecture}, {"industry", d.Breakdowns.Industry}, {"skill_area", d.Breakdowns.SkillArea}, {"segment", d.Breakdowns.Segment}} {
		for _, r := range b.ob.Rows {
			rec(b.dim, r.Code, r.NameJa, r.NameEn, fmtInt(r.Learners), deref(r.Suppressed), fmtInt(r.PopulationThousands), fmtFloat(r.Per100k))
		}
		rec(b.dim, "_total", ja.T("progress.total"), en.T("progress.total"), fmtInt(b.ob.Total.Learners), deref(b.ob.Total.Suppressed), "", "")
	}
	if err := w.Flush(); err != nil {
		return err
	}
	name := "takumi-progress-" + d.Programme.Code + ".csv" // the code is [a-z0-9-] (schema check)
	return serveOpenData(c, "text/csv; charset=utf-8", name, buf.Bytes())
}

// openDataHeaders makes an open-data answer public and cacheable for 60
// seconds. SECURITY: the answer is the same for everyone and reads no
// cookie, so any origin may read it (CORS *), and the CSRF cookie and
// "Vary: Cookie" the middleware adds are dropped, so that a shared cache
// never stores one visitor's token and hands it to others.
func openDataHeaders(c echo.Context, filename string) {
	h := c.Response().Header()
	h.Del(echo.HeaderSetCookie)
	h.Del(echo.HeaderVary)
	h.Set("Cache-Control", "public, max-age=60")
	h.Set(echo.HeaderAccessControlAllowOrigin, "*")
	if filename != "" {
		h.Set(echo.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	}
}

// serveOpenData writes body with its ETag, answering If-None-Match with 304.
func serveOpenData(c echo.Context, contentType, filename string, body []byte) error {
	return serveOpenDataBody(c, contentType, filename, openDataBody{body: body, etag: etagOf(body)})
}

// serveOpenDataBody is serveOpenData with the ETag already computed.
func serveOpenDataBody(c echo.Context, contentType, filename string, b openDataBody) error {
	openDataHeaders(c, filename)
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Set("ETag", b.etag)
	http.ServeContent(c.Response(), c.Request(), "", time.Time{}, bytes.NewReader(b.body))
	return nil
}

// etagOf is an open-data answer's ETag: the first half of its SHA-256.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

func fmtInt(v *int64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatInt(*v, 10)
}

func fmtFloat(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
