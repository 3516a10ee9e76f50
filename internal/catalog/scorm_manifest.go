package catalog

// SCORM manifests (imsmanifest.xml): parsing and checking, without writing
// anything. SCORM 1.2 and SCORM 2004 (2nd "CAM 1.3", 3rd and 4th editions)
// are read by local element names, so the many namespace prefixes found in
// real packages all work. docs/scorm.md lists what is supported.

import (
	"encoding/xml"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// SCORM versions as stored on a ScormRef and a package.
const (
	ScormV12   = "1.2"
	ScormV2004 = "2004"
)

// ScormRef is what a scorm lesson plays: one SCO of a stored package.
type ScormRef struct {
	PackageID string `json:"package_id"`
	Version   string `json:"version"` // ScormV12 or ScormV2004
	ItemID    string `json:"item_id"` // the manifest item's identifier
	// Launch is the SCO's start page: a path inside the package with the
	// item's parameters, resolved against every xml:base.
	Launch string `json:"launch"`
	// MasteryScore is SCORM 1.2 adlcp:masteryscore (0–100), when given.
	MasteryScore *float64 `json:"mastery_score,omitempty"`
	// ScaledPassingScore is SCORM 2004's primary objective
	// imsss:minNormalizedMeasure (-1..1) when it is satisfied by measure.
	ScaledPassingScore *float64 `json:"scaled_passing_score,omitempty"`
	// DataFromLMS is adlcp:datafromlms / adlcp:dataFromLMS (launch_data).
	DataFromLMS string `json:"data_from_lms,omitempty"`
	// cmi5 (Version ScormCmi5, issue 17): the AU's activity id and moveOn;
	// MasteryScore is then the AU's masteryScore (0–1).
	ActivityID string `json:"activity_id,omitempty"`
	MoveOn     string `json:"move_on,omitempty"`
}

// ScormProblem is one reason a package is refused, with its place: Where
// is a place kind ("zip", "manifest", "metadata", "organization", "item",
// "resource", "file", "dependency") and At the name or identifier there.
type ScormProblem struct {
	Key   string
	Where string
	At    string
	Args  []any
}

// ScormRefusal lists every problem found in a refused package. Import
// returns it wrapped in an invalid *apperr.Error for the "file" field.
type ScormRefusal struct{ Problems []ScormProblem }

func (e *ScormRefusal) Error() string {
	return "scorm package refused: " + strconv.Itoa(len(e.Problems)) + " problems"
}

// maxScormProblems bounds the list shown for one package.
const maxScormProblems = 50

type problems struct{ list []ScormProblem }

func (p *problems) add(key, where, at string, args ...any) {
	if len(p.list) < maxScormProblems {
		p.list = append(p.list, ScormProblem{Key: key, Where: where, At: displayName(at), Args: args})
	}
}

// The manifest, by local names.
type xmlManifest struct {
	Identifier    string           `xml:"identifier,attr"`
	Base          string           `xml:"http://www.w3.org/XML/1998/namespace base,attr"`
	Metadata      xmlMetadata      `xml:"metadata"`
	Organizations xmlOrganizations `xml:"organizations"`
	Resources     xmlResources     `xml:"resources"`
	SeqCollection *struct{}        `xml:"sequencingCollection"`
}

type xmlMetadata struct {
	Schema        string `xml:"schema"`
	SchemaVersion string `xml:"schemaversion"`
}

type xmlOrganizations struct {
	Default string            `xml:"default,attr"`
	List    []xmlOrganization `xml:"organization"`
}

type xmlOrganization struct {
	Identifier string         `xml:"identifier,attr"`
	Title      string         `xml:"title"`
	Items      []xmlItem      `xml:"item"`
	Sequencing *xmlSequencing `xml:"sequencing"`
}

type xmlItem struct {
	Identifier    string         `xml:"identifier,attr"`
	IdentifierRef string         `xml:"identifierref,attr"`
	Parameters    string         `xml:"parameters,attr"`
	IsVisible     string         `xml:"isvisible,attr"`
	Title         string         `xml:"title"`
	Items         []xmlItem      `xml:"item"`
	MasteryScore  string         `xml:"masteryscore"`
	DataFromLMS12 string         `xml:"datafromlms"`
	DataFromLMS   string         `xml:"dataFromLMS"`
	Sequencing    *xmlSequencing `xml:"sequencing"`
}

type xmlSequencing struct {
	IDRef            string    `xml:"IDRef,attr"`
	ControlMode      *struct{} `xml:"controlMode"`
	SequencingRules  *struct{} `xml:"sequencingRules"`
	LimitConditions  *struct{} `xml:"limitConditions"`
	RollupRules      *struct{} `xml:"rollupRules"`
	Randomization    *struct{} `xml:"randomizationControls"`
	DeliveryControls *struct{} `xml:"deliveryControls"`
	Objectives       *struct {
		Primary *struct {
			SatisfiedByMeasure string     `xml:"satisfiedByMeasure,attr"`
			MinNormalized      string     `xml:"minNormalizedMeasure"`
			MapInfo            []struct{} `xml:"mapInfo"`
		} `xml:"primaryObjective"`
		Others []struct{} `xml:"objective"`
	} `xml:"objectives"`
}

type xmlResources struct {
	Base string        `xml:"http://www.w3.org/XML/1998/namespace base,attr"`
	List []xmlResource `xml:"resource"`
}

type xmlResource struct {
	Identifier  string `xml:"identifier,attr"`
	Type        string `xml:"type,attr"`
	Href        string `xml:"href,attr"`
	Base        string `xml:"http://www.w3.org/XML/1998/namespace base,attr"`
	ScormType12 string `xml:"scormtype,attr"`
	ScormType   string `xml:"scormType,attr"`
	Files       []struct {
		Href string `xml:"href,attr"`
	} `xml:"file"`
	Dependencies []struct {
		IDRef string `xml:"identifierref,attr"`
	} `xml:"dependency"`
}

func (r *xmlResource) scormType() string {
	t := r.ScormType
	if t == "" {
		t = r.ScormType12
	}
	return strings.ToLower(strings.TrimSpace(t))
}

// scormManifest is a checked manifest: the version, the default
// organization's title and its SCOs grouped into modules, and the
// sequencing features it uses that Takumi does not apply (warnings).
type scormManifest struct {
	Version  string
	Edition  string
	Title    string
	Modules  []scormModule
	Warnings []string
}

type scormModule struct {
	Title string
	SCOs  []scormSCO
}

type scormSCO struct {
	Title string
	Ref   ScormRef
}

// scormVersion reads metadata/schemaversion: "1.2" is SCORM 1.2; "CAM 1.3",
// "2004 3rd Edition" and "2004 4th Edition" are SCORM 2004.
func scormVersion(v string) (version, edition string, ok bool) {
	switch strings.ToLower(strings.Join(strings.Fields(v), " ")) {
	case "1.2":
		return ScormV12, "1.2", true
	case "cam 1.3":
		return ScormV2004, "2nd", true
	case "2004 3rd edition":
		return ScormV2004, "3rd", true
	case "2004 4th edition":
		return ScormV2004, "4th", true
	}
	return "", "", false
}

// checkManifest parses raw and checks it against the package's files
// (has reports whether a path is a file of the zip). It returns the
// manifest and every problem found.
func checkManifest(raw []byte, has func(string) bool) (*scormManifest, []ScormProblem) {
	var p problems
	var m xmlManifest
	if err := xml.Unmarshal(raw, &m); err != nil {
		line := 0
		if se, ok := err.(*xml.SyntaxError); ok {
			line = se.Line
		}
		p.add("scorm.err_manifest_xml", "manifest", scormManifestName, line)
		return nil, p.list
	}
	out := &scormManifest{}
	schema := strings.TrimSpace(m.Metadata.Schema)
	if schema != "" && !strings.EqualFold(schema, "ADL SCORM") {
		p.add("scorm.err_schema", "metadata", "schema", displayName(schema))
	}
	sv := strings.TrimSpace(m.Metadata.SchemaVersion)
	var ok bool
	out.Version, out.Edition, ok = scormVersion(sv)
	if sv == "" {
		p.add("scorm.err_schemaversion_missing", "metadata", "schemaversion")
	} else if !ok {
		p.add("scorm.err_schemaversion", "metadata", "schemaversion", displayName(sv))
	}

	// Identifiers are unique across organizations, items and resources.
	ids := map[string]string{}
	claim := func(where, id string) {
		if id == "" {
			p.add("scorm.err_identifier_missing", where, "")
			return
		}
		if prev, dup := ids[id]; dup {
			_ = prev
			p.add("scorm.err_identifier_duplicate", where, id)
			return
		}
		ids[id] = where
	}
	resources := map[string]*xmlResource{}
	for i := range m.Resources.List {
		r := &m.Resources.List[i]
		claim("resource", r.Identifier)
		if r.Identifier != "" && resources[r.Identifier] == nil {
			resources[r.Identifier] = r
		}
	}
	var walkIDs func(items []xmlItem)
	walkIDs = func(items []xmlItem) {
		for i := range items {
			claim("item", items[i].Identifier)
			walkIDs(items[i].Items)
		}
	}
	for _, o := range m.Organizations.List {
		claim("organization", o.Identifier)
		walkIDs(o.Items)
	}

	// Every file a resource names is in the zip, and a SCO has a launch
	// page that is.
	base := joinBase(m.Base, m.Resources.Base)
	for _, r := range m.Resources.List {
		rb := joinBase(base, r.Base)
		for _, f := range r.Files {
			fp, err := resolveHref(rb, f.Href)
			switch {
			case err != "":
				p.add(err, "file", r.Identifier+" › "+f.Href)
			case !has(fp):
				p.add("scorm.err_file_missing", "file", r.Identifier+" › "+f.Href, displayName(fp))
			}
		}
		for _, d := range r.Dependencies {
			if resources[d.IDRef] == nil {
				p.add("scorm.err_dependency", "dependency", r.Identifier+" › "+d.IDRef)
			}
		}
		if r.scormType() == "sco" && strings.TrimSpace(r.Href) == "" {
			p.add("scorm.err_launch_missing", "resource", r.Identifier)
			continue
		}
		if r.Href != "" {
			lp, err := resolveHref(rb, r.Href)
			switch {
			case err != "":
				p.add(err, "resource", r.Identifier+" › "+r.Href)
			case !has(lp):
				p.add("scorm.err_launch_file", "resource", r.Identifier, displayName(lp))
			}
		}
	}

	// The default organization (or the first) becomes the course.
	if len(m.Organizations.List) == 0 {
		p.add("scorm.err_no_organization", "manifest", "organizations")
		return out, p.list
	}
	org := &m.Organizations.List[0]
	if d := m.Organizations.Default; d != "" {
		org = nil
		for i := range m.Organizations.List {
			if m.Organizations.List[i].Identifier == d {
				org = &m.Organizations.List[i]
			}
		}
		if org == nil {
			p.add("scorm.err_default_organization", "organization", d)
			return out, p.list
		}
	}
	out.Title = strings.TrimSpace(org.Title)
	warn := map[string]bool{}
	noteSeq := func(s *xmlSequencing) {
		if s == nil {
			return
		}
		for name, used := range map[string]bool{
			"sequencingRules": s.SequencingRules != nil, "limitConditions": s.LimitConditions != nil,
			"rollupRules": s.RollupRules != nil, "randomizationControls": s.Randomization != nil,
			"deliveryControls": s.DeliveryControls != nil, "IDRef": s.IDRef != "",
		} {
			if used {
				warn[name] = true
			}
		}
		if s.Objectives != nil && (len(s.Objectives.Others) > 0 || (s.Objectives.Primary != nil && len(s.Objectives.Primary.MapInfo) > 0)) {
			warn["objectives mapInfo"] = true
		}
	}
	if m.SeqCollection != nil {
		warn["sequencingCollection"] = true
	}
	noteSeq(org.Sequencing)

	var scos func(items []xmlItem, into *scormModule)
	scos = func(items []xmlItem, into *scormModule) {
		for _, it := range items {
			noteSeq(it.Sequencing)
			if len(it.Items) > 0 {
				if it.IdentifierRef != "" {
					p.add("scorm.err_item_parent_ref", "item", it.Identifier)
				}
				scos(it.Items, into)
				continue
			}
			if sco, ok := p.sco(it, resources, base, out.Version); ok {
				into.SCOs = append(into.SCOs, sco)
			}
		}
	}
	// A top-level item with children is a module; consecutive top-level
	// SCOs share one module titled after the organization.
	lastLoose := false
	for _, it := range org.Items {
		if len(it.Items) == 0 {
			noteSeq(it.Sequencing)
			sco, ok := p.sco(it, resources, base, out.Version)
			if !ok {
				continue
			}
			if !lastLoose {
				out.Modules = append(out.Modules, scormModule{Title: out.Title})
				lastLoose = true
			}
			last := &out.Modules[len(out.Modules)-1]
			last.SCOs = append(last.SCOs, sco)
			continue
		}
		noteSeq(it.Sequencing)
		mod := scormModule{Title: strings.TrimSpace(it.Title)}
		if mod.Title == "" {
			mod.Title = it.Identifier
		}
		scos(it.Items, &mod)
		if len(mod.SCOs) > 0 {
			out.Modules = append(out.Modules, mod)
			lastLoose = false
		}
	}
	n := 0
	for _, mod := range out.Modules {
		n += len(mod.SCOs)
	}
	if n == 0 {
		p.add("scorm.err_no_sco", "organization", org.Identifier)
	}
	if n > maxLessons || len(out.Modules) > maxModules {
		p.add("scorm.err_too_many_scos", "organization", org.Identifier, maxLessons)
	}
	for w := range warn {
		out.Warnings = append(out.Warnings, w)
	}
	sortStrings(out.Warnings)
	return out, p.list
}

// sco turns a leaf item into a lesson: false for an item without a
// resource or whose resource is an asset (assets are not lessons).
func (p *problems) sco(it xmlItem, resources map[string]*xmlResource, base, version string) (scormSCO, bool) {
	if it.IdentifierRef == "" {
		return scormSCO{}, false
	}
	r := resources[it.IdentifierRef]
	if r == nil {
		p.add("scorm.err_item_ref", "item", it.Identifier, displayName(it.IdentifierRef))
		return scormSCO{}, false
	}
	if r.scormType() != "sco" {
		return scormSCO{}, false
	}
	lp, bad := resolveHref(joinBase(base, r.Base), r.Href)
	if bad != "" {
		return scormSCO{}, false // reported with the resource
	}
	sco := scormSCO{Title: strings.TrimSpace(it.Title), Ref: ScormRef{Version: version, ItemID: it.Identifier,
		Launch: withParameters(lp, r.Href, it.Parameters)}}
	if sco.Title == "" {
		sco.Title = it.Identifier
	}
	if ms := strings.TrimSpace(it.MasteryScore); ms != "" {
		f, err := strconv.ParseFloat(ms, 64)
		if err != nil || f < 0 || f > 100 {
			p.add("scorm.err_mastery_score", "item", it.Identifier, displayName(ms))
			return scormSCO{}, false
		}
		sco.Ref.MasteryScore = &f
	}
	sco.Ref.DataFromLMS = strings.TrimSpace(it.DataFromLMS12 + it.DataFromLMS)
	if s := it.Sequencing; s != nil && s.Objectives != nil && s.Objectives.Primary != nil &&
		strings.EqualFold(s.Objectives.Primary.SatisfiedByMeasure, "true") {
		v := 1.0
		if t := strings.TrimSpace(s.Objectives.Primary.MinNormalized); t != "" {
			f, err := strconv.ParseFloat(t, 64)
			if err != nil || f < -1 || f > 1 {
				p.add("scorm.err_min_normalized", "item", it.Identifier, displayName(t))
				return scormSCO{}, false
			}
			v = f
		}
		sco.Ref.ScaledPassingScore = &v
	}
	return sco, true
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// joinBase joins xml:base values (each a folder, relative to the last).
func joinBase(a, b string) string {
	b = strings.TrimSpace(b)
	if b == "" {
		return a
	}
	if a == "" {
		return b
	}
	return strings.TrimSuffix(a, "/") + "/" + b
}

// resolveHref turns a manifest href into a path inside the package (query
// and fragment dropped, percent-escapes decoded). SECURITY: an href that
// leaves the package (../, an absolute path, another site) is a problem,
// never a path: it returns a message key instead.
func resolveHref(base, href string) (string, string) {
	href = strings.TrimSpace(href)
	if href == "" {
		return "", "scorm.err_href_empty"
	}
	if i := strings.IndexAny(href, "?#"); i >= 0 {
		href = href[:i]
	}
	full := href
	if base != "" {
		full = strings.TrimSuffix(base, "/") + "/" + href
	}
	if u, err := url.Parse(full); err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(full, "//") {
		return "", "scorm.err_href_external"
	}
	dec, err := url.PathUnescape(full)
	if err != nil {
		dec = full
	}
	if strings.Contains(dec, "\\") || strings.HasPrefix(dec, "/") {
		return "", "scorm.err_href_traversal"
	}
	clean := path.Clean(dec)
	if clean == ".." || strings.HasPrefix(clean, "../") || clean == "." {
		return "", "scorm.err_href_traversal"
	}
	return clean, ""
}

// withParameters is the launch address: the resolved path (re-escaped),
// the href's own query, and the item's parameters (SCORM CAM 3.4.1.9).
func withParameters(resolved, href, params string) string {
	u := (&url.URL{Path: resolved}).EscapedPath()
	q := ""
	if i := strings.IndexAny(href, "?#"); i >= 0 {
		q = href[i:]
	}
	params = strings.TrimSpace(params)
	if params != "" {
		switch {
		case strings.HasPrefix(params, "#"):
			if !strings.Contains(q, "#") {
				q += params
			}
		case strings.Contains(q, "?"):
			q += "&" + strings.TrimPrefix(params, "?")
		default:
			q += "?" + strings.TrimPrefix(params, "?")
		}
	}
	return u + q
}
