package catalog

// cmi5 course packages (issue 17, docs/xapi.md): a zip with cmi5.xml at its
// root. It is checked and stored exactly like a SCORM package (same limits,
// same storage, same content origin) with version "cmi5"; each AU becomes a
// scorm-kind lesson whose ScormRef carries the AU's activity id, moveOn and
// masteryScore. Blocks become modules; AUs outside any block go to a first
// module named after the course.

import (
	"encoding/xml"
	"net/url"
	"strconv"
	"strings"
)

// ScormCmi5 is the version of a cmi5 package and of its lessons' ScormRef.
const ScormCmi5 = "cmi5"

const cmi5Name = "cmi5.xml"

// cmi5 moveOn values.
var cmi5MoveOn = map[string]bool{"Passed": true, "Completed": true, "CompletedAndPassed": true,
	"CompletedOrPassed": true, "NotApplicable": true}

type xmlLangString struct {
	Lang string `xml:"lang,attr"`
	Text string `xml:",chardata"`
}

type xmlCmi5AU struct {
	ID           string          `xml:"id,attr"`
	MoveOn       string          `xml:"moveOn,attr"`
	MasteryScore string          `xml:"masteryScore,attr"`
	LaunchMethod string          `xml:"launchMethod,attr"`
	Title        []xmlLangString `xml:"title>langstring"`
	URL          string          `xml:"url"`
	Parameters   string          `xml:"launchParameters"`
}

type xmlCmi5Block struct {
	ID     string          `xml:"id,attr"`
	Title  []xmlLangString `xml:"title>langstring"`
	AUs    []xmlCmi5AU     `xml:"au"`
	Blocks []xmlCmi5Block  `xml:"block"`
}

type xmlCmi5 struct {
	XMLName xml.Name `xml:"courseStructure"`
	Course  struct {
		ID    string          `xml:"id,attr"`
		Title []xmlLangString `xml:"title>langstring"`
	} `xml:"course"`
	AUs    []xmlCmi5AU    `xml:"au"`
	Blocks []xmlCmi5Block `xml:"block"`
}

// pickLang chooses the Japanese title, else the first.
func pickLang(ls []xmlLangString) string {
	for _, l := range ls {
		if strings.HasPrefix(strings.ToLower(l.Lang), "ja") && strings.TrimSpace(l.Text) != "" {
			return strings.TrimSpace(l.Text)
		}
	}
	for _, l := range ls {
		if t := strings.TrimSpace(l.Text); t != "" {
			return t
		}
	}
	return ""
}

// checkCmi5 parses cmi5.xml and checks it against the package's files. An
// AU's url must be a file of the package (AUs at remote URLs are not
// supported: docs/xapi.md). Every problem is listed with its place.
func checkCmi5(raw []byte, has func(string) bool) (*scormManifest, []ScormProblem) {
	var p problems
	var x xmlCmi5
	if err := xml.Unmarshal(raw, &x); err != nil {
		p.add("cmi5.err_xml", "manifest", cmi5Name, err.Error())
		return nil, p.list
	}
	if !isAbsIRI(x.Course.ID) {
		p.add("cmi5.err_id", "manifest", "course", x.Course.ID)
	}
	m := &scormManifest{Version: ScormCmi5, Edition: "cmi5", Title: pickLang(x.Course.Title)}
	seen := map[string]bool{}
	au := func(a xmlCmi5AU) (scormSCO, bool) {
		ok := true
		if !isAbsIRI(a.ID) || seen[a.ID] {
			p.add("cmi5.err_id", "item", a.ID, a.ID)
			ok = false
		}
		seen[a.ID] = true
		moveOn := a.MoveOn
		if moveOn == "" {
			moveOn = "NotApplicable"
		}
		if !cmi5MoveOn[moveOn] {
			p.add("cmi5.err_move_on", "item", a.ID, a.MoveOn)
			ok = false
		}
		ref := ScormRef{Version: ScormCmi5, ItemID: a.ID, ActivityID: a.ID, MoveOn: moveOn, DataFromLMS: a.Parameters}
		if a.MasteryScore != "" {
			f, err := strconv.ParseFloat(a.MasteryScore, 64)
			if err != nil || f < 0 || f > 1 {
				p.add("cmi5.err_mastery", "item", a.ID, a.MasteryScore)
				ok = false
			} else {
				ref.MasteryScore = &f
			}
		}
		u := strings.TrimSpace(a.URL)
		if pu, err := url.Parse(u); err != nil || u == "" || pu.IsAbs() || !has(pu.Path) {
			p.add("cmi5.err_url", "item", a.ID, u)
			ok = false
		}
		ref.Launch = u
		title := pickLang(a.Title)
		if title == "" {
			title = a.ID
		}
		return scormSCO{Title: title, Ref: ref}, ok
	}
	top := scormModule{Title: m.Title}
	for _, a := range x.AUs {
		if s, ok := au(a); ok {
			top.SCOs = append(top.SCOs, s)
		}
	}
	if len(top.SCOs) > 0 {
		m.Modules = append(m.Modules, top)
	}
	var walk func(b xmlCmi5Block)
	walk = func(b xmlCmi5Block) {
		mod := scormModule{Title: pickLang(b.Title)}
		for _, a := range b.AUs {
			if s, ok := au(a); ok {
				mod.SCOs = append(mod.SCOs, s)
			}
		}
		if len(mod.SCOs) > 0 {
			m.Modules = append(m.Modules, mod)
		}
		for _, c := range b.Blocks {
			walk(c)
		}
	}
	for _, b := range x.Blocks {
		walk(b)
	}
	if len(seen) == 0 {
		p.add("cmi5.err_no_au", "manifest", cmi5Name)
	}
	if len(p.list) > 0 {
		return nil, p.list
	}
	return m, nil
}

func isAbsIRI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && !strings.ContainsAny(s, " \t\n")
}
