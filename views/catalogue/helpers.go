// Package catalogue holds the public course catalogue's pages (/courses):
// the search and filter page, its results fragment (for htmx), and the
// course page.
package catalogue

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"takumi/internal/catalog"
	"takumi/internal/markdown"
	"takumi/views"
)

// coursePath is the public URL of a course.
func coursePath(l *catalog.Listing) string {
	return "/courses/" + url.PathEscape(l.ProviderRef()) + "/" + url.PathEscape(l.Code)
}

// filterValues are f's non-empty filters as URL query values (page excluded).
func filterValues(f catalog.Filter) url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if strings.TrimSpace(val) != "" {
			v.Set(k, val)
		}
	}
	set("q", f.Q)
	set("skill", f.Skill)
	set("level", f.Level)
	set("mode", f.Mode)
	set("lang", f.Language)
	set("provider", f.Provider)
	set("hours", f.Hours)
	if f.Sort != "" && f.Sort != catalog.CatalogueSorts[0] {
		v.Set("sort", f.Sort)
	}
	return v
}

// pageURL is the catalogue with every filter of f, at page n.
func pageURL(f catalog.Filter, n int) string {
	v := filterValues(f)
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	if len(v) == 0 {
		return "/courses"
	}
	return "/courses?" + v.Encode()
}

// withCount labels an option with its number of matching courses.
func withCount(p views.Page, label string, counts map[string]int, value string) string {
	return p.T("catalogue.option_count", label, counts[value])
}

// skillOptions and the functions below are the choices of each filter
// select, labelled with their counts.
func skillOptions(p views.Page, r *catalog.Results) []views.Option {
	out := make([]views.Option, 0, len(r.SkillAreas))
	for _, a := range r.SkillAreas {
		out = append(out, views.Option{Value: a.Code, Label: withCount(p, a.Name.In(p.Lang()), r.Facets["skill"], a.Code)})
	}
	return out
}

func levelOptions(p views.Page, r *catalog.Results) []views.Option {
	out := make([]views.Option, 0, len(catalog.Levels))
	for _, l := range catalog.Levels {
		out = append(out, views.Option{Value: l, Label: withCount(p, p.T(levelKey(l)), r.Facets["level"], l)})
	}
	return out
}

func modeOptions(p views.Page, r *catalog.Results) []views.Option {
	out := make([]views.Option, 0, len(catalog.DeliveryModes))
	for _, m := range catalog.DeliveryModes {
		out = append(out, views.Option{Value: m, Label: withCount(p, p.T(deliveryKey(m)), r.Facets["mode"], m)})
	}
	return out
}

func languageOptions(p views.Page, r *catalog.Results) []views.Option {
	out := make([]views.Option, 0, len(catalog.Languages))
	for _, l := range catalog.Languages {
		out = append(out, views.Option{Value: l, Label: withCount(p, p.T(languageKey(l)), r.Facets["lang"], l)})
	}
	return out
}

func hoursOptions(p views.Page, r *catalog.Results) []views.Option {
	out := make([]views.Option, 0, len(catalog.HoursBuckets))
	for _, h := range catalog.HoursBuckets {
		out = append(out, views.Option{Value: h, Label: withCount(p, p.T(hoursKey(h)), r.Facets["hours"], h)})
	}
	return out
}

func providerOptions(p views.Page, r *catalog.Results) []views.Option {
	out := make([]views.Option, 0, len(r.Providers))
	for _, pr := range r.Providers {
		out = append(out, views.Option{Value: pr.Ref(), Label: withCount(p, pr.Name.In(p.Lang()), r.Facets["provider"], pr.ID)})
	}
	return out
}

func sortOptions(p views.Page) []views.Option {
	out := make([]views.Option, 0, len(catalog.CatalogueSorts))
	for _, s := range catalog.CatalogueSorts {
		out = append(out, views.Option{Value: s, Label: p.T(sortKey(s))})
	}
	return out
}

func sortKey(s string) string     { return "catalogue.sort_" + s }
func paramKey(k string) string    { return "catalogue.param_" + k }
func levelKey(l string) string    { return "catalog.level_" + l }
func deliveryKey(m string) string { return "catalog.delivery_" + m }
func languageKey(l string) string { return "catalog.language_" + l }
func kindKey(k string) string     { return "catalog.kind_" + k }

func hoursKey(h string) string {
	switch h {
	case "0-5":
		return "catalogue.hours_0_5"
	case "5-20":
		return "catalogue.hours_5_20"
	}
	return "catalogue.hours_20"
}

// ignoredNames lists the ignored URL parameters as the reader sees them.
func ignoredNames(p views.Page, params []string) string {
	names := make([]string, len(params))
	for i, k := range params {
		names[i] = p.T(paramKey(k))
	}
	return strings.Join(names, p.T("catalogue.list_separator"))
}

func itoa(n int) string { return strconv.Itoa(n) }

// rangeFrom and rangeTo are the positions of the first and last course
// shown ("21–40" on page 2).
func rangeFrom(r *catalog.Results) int { return (r.Filter.Page-1)*catalog.PageSize + 1 }

func rangeTo(r *catalog.Results) int { return rangeFrom(r) + len(r.Items) - 1 }

var headingTag = regexp.MustCompile(`<(/?)h([1-6])(\s[^>]*)?>`)

// demoteHeadings moves the headings of rendered (already sanitised)
// Markdown down so that the highest becomes an h3: a description's own
// headings then sit under the page's h1 and the section's h2 instead of
// competing with them.
func demoteHeadings(html string) string {
	return markdown.Memo("catalogue-demote", html, demoteHeadingsOnce)
}

func demoteHeadingsOnce(html string) string {
	top := 7
	for _, m := range headingTag.FindAllStringSubmatch(html, -1) {
		top = min(top, int(m[2][0]-'0'))
	}
	if top >= 3 {
		return html
	}
	return headingTag.ReplaceAllStringFunc(html, func(tag string) string {
		m := headingTag.FindStringSubmatch(tag)
		level := min(int(m[2][0]-'0')+3-top, 6)
		return "<" + m[1] + "h" + strconv.Itoa(level) + m[3] + ">"
	})
}

// activeFilter is one filter that narrows the results, shown as a chip that
// removes it.
type activeFilter struct {
	Name      string // the filter's name ("レベル")
	Value     string // its value as the reader sees it ("中級")
	RemoveURL string // the catalogue without this filter
	// Without is how many courses match once this filter is removed (from
	// the facet counts, which apply every other filter); -1 for the
	// keyword, which has no facet.
	Without int
}

// filterLabelKeys are the catalogue keys of the filters' labels in the form.
var filterLabelKeys = map[string]string{
	"q": "catalogue.q_label", "skill": "catalogue.filter_skill", "level": "catalogue.filter_level",
	"mode": "catalogue.filter_mode", "lang": "catalogue.filter_lang", "provider": "catalogue.filter_provider",
	"hours": "catalogue.filter_hours",
}

// activeFilters lists r's filters in the order of the form.
func activeFilters(p views.Page, r *catalog.Results) []activeFilter {
	f := r.Filter
	var out []activeFilter
	add := func(key, value string, clear func(*catalog.Filter)) {
		g := f
		clear(&g)
		without := -1
		if key != "q" {
			without = 0
			for _, n := range r.Facets[key] {
				without += n
			}
		}
		out = append(out, activeFilter{Name: p.T(filterLabelKeys[key]), Value: value, RemoveURL: pageURL(g, 1), Without: without})
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		add("q", p.T("catalogue.chip_q", q), func(g *catalog.Filter) { g.Q = "" })
	}
	if f.Skill != "" {
		name := f.Skill
		for _, a := range r.SkillAreas {
			if a.Code == f.Skill {
				name = a.Name.In(p.Lang())
			}
		}
		add("skill", name, func(g *catalog.Filter) { g.Skill = "" })
	}
	if f.Level != "" {
		add("level", p.T(levelKey(f.Level)), func(g *catalog.Filter) { g.Level = "" })
	}
	if f.Mode != "" {
		add("mode", p.T(deliveryKey(f.Mode)), func(g *catalog.Filter) { g.Mode = "" })
	}
	if f.Language != "" {
		add("lang", p.T(languageKey(f.Language)), func(g *catalog.Filter) { g.Language = "" })
	}
	if f.Provider != "" {
		name := f.Provider
		for i := range r.Providers {
			if r.Providers[i].Ref() == f.Provider || r.Providers[i].ID == f.Provider {
				name = r.Providers[i].Name.In(p.Lang())
			}
		}
		add("provider", name, func(g *catalog.Filter) { g.Provider = "" })
	}
	if f.Hours != "" {
		add("hours", p.T(hoursKey(f.Hours)), func(g *catalog.Filter) { g.Hours = "" })
	}
	return out
}

// activeFilterNames is the active filters in one line ("レベル: 中級、…").
func activeFilterNames(p views.Page, fs []activeFilter) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = p.T("catalogue.chip_label", f.Name, f.Value)
	}
	return strings.Join(names, p.T("catalogue.list_separator"))
}

// filterCount is the number of filters (the keyword excluded) in use, for
// the collapsed panel's summary.
func filterCount(f catalog.Filter) int {
	n := 0
	for _, v := range []string{f.Skill, f.Level, f.Mode, f.Language, f.Provider, f.Hours} {
		if v != "" {
			n++
		}
	}
	return n
}
