package xapi

import (
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// Version is the xAPI version of a request: "1.0.3" or "2.0.0".
type Version string

// The versions the LRS speaks.
const (
	V103 Version = "1.0.3"
	V200 Version = "2.0.0"
)

// v2 reports whether v is xAPI 2.0.
func (v Version) v2() bool { return v == V200 }

// ParseVersion maps an X-Experience-API-Version header to the version it
// asks for; 1.0.0 to 1.0.3 are answered as 1.0.3. Errors: invalid.
func ParseVersion(h string) (Version, error) {
	switch strings.TrimSpace(h) {
	case "1.0", "1.0.0", "1.0.1", "1.0.2", "1.0.3":
		return V103, nil
	case "2.0", "2.0.0":
		return V200, nil
	case "":
		return "", Invalidf("the X-Experience-API-Version header is missing")
	}
	return "", Invalidf("X-Experience-API-Version %q is not supported (1.0.3 or 2.0.0)", h)
}

// Decode parses JSON keeping numbers exact, and refuses trailing data.
// Errors: invalid.
func Decode(b []byte) (any, error) {
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, Invalidf("the body is not valid JSON: %v", err)
	}
	if d.More() {
		return nil, Invalidf("the body has data after its JSON value")
	}
	return v, nil
}

var (
	reUUID     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	reScheme   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.\-]*:\S+$`)
	reSHA1     = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)
	reLangTag  = regexp.MustCompile(`^(?i)(([a-z]{2,3}(-[a-z]{3}){0,3})|[a-z]{4}|[a-z]{5,8})(-[a-z]{4})?(-([a-z]{2}|[0-9]{3}))?(-([a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*(-[0-9a-wy-z](-[a-z0-9]{2,8})+)*(-x(-[a-z0-9]{1,8})+)?$|^(?i)x(-[a-z0-9]{1,8})+$|^(?i)i-[a-z]+$`)
	reDuration = regexp.MustCompile(`^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)
	reStamp    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$`)
)

// IsUUID reports whether s is a UUID in its canonical text form.
func IsUUID(s string) bool { return reUUID.MatchString(s) }

// validator walks a statement and stops at the first broken rule.
type validator struct {
	v Version
}

type obj = map[string]any

func (c *validator) allowed(path string, o obj, keys ...string) error {
	for k := range o {
		ok := false
		for _, a := range keys {
			if k == a {
				ok = true
				break
			}
		}
		if !ok {
			return Invalidf("%s: the property %q is not allowed here", path, k)
		}
	}
	return nil
}

func (c *validator) object(path string, v any) (obj, error) {
	o, ok := v.(obj)
	if !ok {
		return nil, Invalidf("%s: must be a JSON object", path)
	}
	for k, x := range o {
		if x == nil {
			return nil, Invalidf("%s.%s: must not be null", path, k)
		}
	}
	return o, nil
}

func (c *validator) str(path string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", Invalidf("%s: must be a string", path)
	}
	return s, nil
}

func (c *validator) iri(path string, v any) (string, error) {
	s, err := c.str(path, v)
	if err != nil {
		return "", err
	}
	if !reScheme.MatchString(s) {
		return "", Invalidf("%s: %q is not an absolute IRI", path, s)
	}
	return s, nil
}

func (c *validator) uuid(path string, v any) (string, error) {
	s, err := c.str(path, v)
	if err != nil {
		return "", err
	}
	if !IsUUID(s) {
		return "", Invalidf("%s: %q is not a UUID", path, s)
	}
	return strings.ToLower(s), nil
}

func (c *validator) boolean(path string, v any) error {
	if _, ok := v.(bool); !ok {
		return Invalidf("%s: must be true or false", path)
	}
	return nil
}

func (c *validator) number(path string, v any) (float64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, Invalidf("%s: must be a number", path)
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) {
		return 0, Invalidf("%s: must be a number", path)
	}
	return f, nil
}

func (c *validator) langMap(path string, v any) error {
	o, err := c.object(path, v)
	if err != nil {
		return err
	}
	for k, x := range o {
		if !reLangTag.MatchString(k) {
			return Invalidf("%s: %q is not a language tag (RFC 5646)", path, k)
		}
		if _, ok := x.(string); !ok {
			return Invalidf("%s.%s: must be a string", path, k)
		}
	}
	return nil
}

func (c *validator) extensions(path string, v any) error {
	o, ok := v.(obj)
	if !ok {
		return Invalidf("%s: must be a JSON object", path)
	}
	for k := range o {
		if !reScheme.MatchString(k) {
			return Invalidf("%s: the key %q is not an absolute IRI", path, k)
		}
	}
	return nil
}

// ValidDuration reports whether s is an ISO 8601 duration: PnYnMnDTnHnMnS
// (any part may be left out, not all) or PnW alone.
func ValidDuration(s string) bool {
	if !reDuration.MatchString(s) || s == "P" || strings.HasSuffix(s, "T") {
		return false
	}
	if strings.Contains(s, "W") && !reWeeks.MatchString(s) {
		return false
	}
	return true
}

var reWeeks = regexp.MustCompile(`^P\d+(\.\d+)?W$`)

// ValidTimestamp reports whether s is an ISO 8601 date and time the LRS
// accepts, and parses it.
func ValidTimestamp(s string) (time.Time, bool) {
	if !reStamp.MatchString(s) {
		return time.Time{}, false
	}
	// SECURITY of meaning: -00:00 is "offset unknown" in RFC 3339, which
	// xAPI forbids.
	if strings.HasSuffix(s, "-00:00") || strings.HasSuffix(s, "-0000") || strings.HasSuffix(s, "-00") {
		return time.Time{}, false
	}
	t, err := parseStamp(s)
	return t, err == nil
}

func parseStamp(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999Z07",
		"2006-01-02T15:04:05.999999999", "2006-01-02T15:04Z07:00", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q", s)
}

func (c *validator) timestamp(path string, v any) error {
	s, err := c.str(path, v)
	if err != nil {
		return err
	}
	if _, ok := ValidTimestamp(s); !ok {
		return Invalidf("%s: %q is not an ISO 8601 timestamp", path, s)
	}
	return nil
}

var ifiKeys = []string{"mbox", "mbox_sha1sum", "openid", "account"}

// ifis checks the inverse functional identifiers of an agent or group and
// returns how many it has.
func (c *validator) ifis(path string, o obj) (int, error) {
	n := 0
	for _, k := range ifiKeys {
		x, ok := o[k]
		if !ok {
			continue
		}
		n++
		p := path + "." + k
		switch k {
		case "mbox":
			s, err := c.str(p, x)
			if err != nil {
				return 0, err
			}
			if !strings.HasPrefix(s, "mailto:") {
				return 0, Invalidf("%s: must be a mailto: IRI", p)
			}
			if a, err := mail.ParseAddress(strings.TrimPrefix(s, "mailto:")); err != nil || a.Name != "" || a.Address != strings.TrimPrefix(s, "mailto:") {
				return 0, Invalidf("%s: %q is not an email address", p, s)
			}
		case "mbox_sha1sum":
			s, err := c.str(p, x)
			if err != nil {
				return 0, err
			}
			if !reSHA1.MatchString(s) {
				return 0, Invalidf("%s: must be the hex SHA-1 of a mailto IRI", p)
			}
		case "openid":
			if _, err := c.iri(p, x); err != nil {
				return 0, err
			}
		case "account":
			a, err := c.object(p, x)
			if err != nil {
				return 0, err
			}
			if err := c.allowed(p, a, "homePage", "name"); err != nil {
				return 0, err
			}
			if _, ok := a["homePage"]; !ok {
				return 0, Invalidf("%s.homePage: is required", p)
			}
			if _, err := c.iri(p+".homePage", a["homePage"]); err != nil {
				return 0, err
			}
			if _, ok := a["name"]; !ok {
				return 0, Invalidf("%s.name: is required", p)
			}
			if _, err := c.str(p+".name", a["name"]); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

// agent checks an Agent (objectType optional unless required).
func (c *validator) agent(path string, v any) error {
	o, err := c.object(path, v)
	if err != nil {
		return err
	}
	if err := c.allowed(path, o, "objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"); err != nil {
		return err
	}
	if t, ok := o["objectType"]; ok && t != "Agent" {
		return Invalidf("%s.objectType: must be \"Agent\"", path)
	}
	if n, ok := o["name"]; ok {
		if _, err := c.str(path+".name", n); err != nil {
			return err
		}
	}
	n, err := c.ifis(path, o)
	if err != nil {
		return err
	}
	if n != 1 {
		return Invalidf("%s: an Agent must have exactly one of mbox, mbox_sha1sum, openid, account (has %d)", path, n)
	}
	return nil
}

func (c *validator) group(path string, o obj) error {
	if err := c.allowed(path, o, "objectType", "name", "mbox", "mbox_sha1sum", "openid", "account", "member"); err != nil {
		return err
	}
	if n, ok := o["name"]; ok {
		if _, err := c.str(path+".name", n); err != nil {
			return err
		}
	}
	n, err := c.ifis(path, o)
	if err != nil {
		return err
	}
	if n > 1 {
		return Invalidf("%s: a Group must have at most one of mbox, mbox_sha1sum, openid, account", path)
	}
	m, hasMembers := o["member"]
	if n == 0 && !hasMembers {
		return Invalidf("%s: an anonymous Group must have a member list", path)
	}
	if hasMembers {
		list, ok := m.([]any)
		if !ok {
			return Invalidf("%s.member: must be an array of Agents", path)
		}
		if n == 0 && len(list) == 0 {
			return Invalidf("%s.member: an anonymous Group must have at least one member", path)
		}
		for i, x := range list {
			p := fmt.Sprintf("%s.member[%d]", path, i)
			if xo, ok := x.(obj); ok && xo["objectType"] == "Group" {
				return Invalidf("%s: a Group's members must be Agents, not Groups", p)
			}
			if err := c.agent(p, x); err != nil {
				return err
			}
		}
	}
	return nil
}

// actor checks an Agent or a Group.
func (c *validator) actor(path string, v any) error {
	o, err := c.object(path, v)
	if err != nil {
		return err
	}
	if t, ok := o["objectType"]; ok {
		switch t {
		case "Group":
			return c.group(path, o)
		case "Agent":
		default:
			return Invalidf("%s.objectType: must be \"Agent\" or \"Group\"", path)
		}
	}
	return c.agent(path, o)
}

func (c *validator) verb(path string, v any) (string, error) {
	o, err := c.object(path, v)
	if err != nil {
		return "", err
	}
	if err := c.allowed(path, o, "id", "display"); err != nil {
		return "", err
	}
	id, ok := o["id"]
	if !ok {
		return "", Invalidf("%s.id: is required", path)
	}
	s, err := c.iri(path+".id", id)
	if err != nil {
		return "", err
	}
	if d, ok := o["display"]; ok {
		if err := c.langMap(path+".display", d); err != nil {
			return "", err
		}
	}
	return s, nil
}

var interactionTypes = map[string]bool{"true-false": true, "choice": true, "fill-in": true, "long-fill-in": true, "matching": true,
	"performance": true, "sequencing": true, "likert": true, "numeric": true, "other": true}

func (c *validator) activity(path string, o obj) error {
	if err := c.allowed(path, o, "objectType", "id", "definition"); err != nil {
		return err
	}
	id, ok := o["id"]
	if !ok {
		return Invalidf("%s.id: is required", path)
	}
	if _, err := c.iri(path+".id", id); err != nil {
		return err
	}
	d, ok := o["definition"]
	if !ok {
		return nil
	}
	p := path + ".definition"
	def, err := c.object(p, d)
	if err != nil {
		return err
	}
	if err := c.allowed(p, def, "name", "description", "type", "moreInfo", "extensions", "interactionType",
		"correctResponsesPattern", "choices", "scale", "source", "target", "steps"); err != nil {
		return err
	}
	for _, k := range []string{"name", "description"} {
		if x, ok := def[k]; ok {
			if err := c.langMap(p+"."+k, x); err != nil {
				return err
			}
		}
	}
	for _, k := range []string{"type", "moreInfo"} {
		if x, ok := def[k]; ok {
			if _, err := c.iri(p+"."+k, x); err != nil {
				return err
			}
		}
	}
	if x, ok := def["extensions"]; ok {
		if err := c.extensions(p+".extensions", x); err != nil {
			return err
		}
	}
	it := ""
	if x, ok := def["interactionType"]; ok {
		s, err := c.str(p+".interactionType", x)
		if err != nil {
			return err
		}
		if !interactionTypes[s] {
			return Invalidf("%s.interactionType: %q is not an interaction type", p, s)
		}
		it = s
	}
	if x, ok := def["correctResponsesPattern"]; ok {
		if it == "" {
			return Invalidf("%s.correctResponsesPattern: needs an interactionType", p)
		}
		list, ok := x.([]any)
		if !ok {
			return Invalidf("%s.correctResponsesPattern: must be an array of strings", p)
		}
		for i, y := range list {
			if _, err := c.str(fmt.Sprintf("%s.correctResponsesPattern[%d]", p, i), y); err != nil {
				return err
			}
		}
	}
	components := map[string][]string{"choice": {"choices"}, "sequencing": {"choices"}, "likert": {"scale"},
		"matching": {"source", "target"}, "performance": {"steps"}}
	for _, k := range []string{"choices", "scale", "source", "target", "steps"} {
		x, ok := def[k]
		if !ok {
			continue
		}
		if it == "" {
			return Invalidf("%s.%s: needs an interactionType", p, k)
		}
		fits := false
		for _, a := range components[it] {
			if a == k {
				fits = true
			}
		}
		if !fits {
			return Invalidf("%s.%s: is not used with interactionType %q", p, k, it)
		}
		list, ok := x.([]any)
		if !ok {
			return Invalidf("%s.%s: must be an array of interaction components", p, k)
		}
		seen := map[string]bool{}
		for i, y := range list {
			q := fmt.Sprintf("%s.%s[%d]", p, k, i)
			comp, err := c.object(q, y)
			if err != nil {
				return err
			}
			if err := c.allowed(q, comp, "id", "description"); err != nil {
				return err
			}
			idv, ok := comp["id"]
			if !ok {
				return Invalidf("%s.id: is required", q)
			}
			s, err := c.str(q+".id", idv)
			if err != nil {
				return err
			}
			if seen[s] {
				return Invalidf("%s.id: %q is not unique", q, s)
			}
			seen[s] = true
			if dsc, ok := comp["description"]; ok {
				if err := c.langMap(q+".description", dsc); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (c *validator) statementRef(path string, o obj) error {
	if err := c.allowed(path, o, "objectType", "id"); err != nil {
		return err
	}
	id, ok := o["id"]
	if !ok {
		return Invalidf("%s.id: is required", path)
	}
	_, err := c.uuid(path+".id", id)
	return err
}

// object checks a statement's object; sub is true inside a SubStatement.
func (c *validator) object_(path string, v any, sub bool) (kind string, err error) {
	o, err := c.object(path, v)
	if err != nil {
		return "", err
	}
	t := "Activity"
	if x, ok := o["objectType"]; ok {
		s, err := c.str(path+".objectType", x)
		if err != nil {
			return "", err
		}
		t = s
	}
	switch t {
	case "Activity":
		return t, c.activity(path, o)
	case "Agent":
		return t, c.agent(path, o)
	case "Group":
		return t, c.group(path, o)
	case "StatementRef":
		return t, c.statementRef(path, o)
	case "SubStatement":
		if sub {
			return "", Invalidf("%s: a SubStatement must not contain a SubStatement", path)
		}
		return t, c.statement(path, o, true)
	}
	return "", Invalidf("%s.objectType: %q is not an object type", path, t)
}

func (c *validator) result(path string, v any) error {
	o, err := c.object(path, v)
	if err != nil {
		return err
	}
	if err := c.allowed(path, o, "score", "success", "completion", "response", "duration", "extensions"); err != nil {
		return err
	}
	if x, ok := o["score"]; ok {
		p := path + ".score"
		s, err := c.object(p, x)
		if err != nil {
			return err
		}
		if err := c.allowed(p, s, "scaled", "raw", "min", "max"); err != nil {
			return err
		}
		nums := map[string]float64{}
		for _, k := range []string{"scaled", "raw", "min", "max"} {
			if y, ok := s[k]; ok {
				f, err := c.number(p+"."+k, y)
				if err != nil {
					return err
				}
				nums[k] = f
			}
		}
		if f, ok := nums["scaled"]; ok && (f < -1 || f > 1) {
			return Invalidf("%s.scaled: must be between -1 and 1", p)
		}
		mn, hasMin := nums["min"]
		mx, hasMax := nums["max"]
		if hasMin && hasMax && mn >= mx {
			return Invalidf("%s: min must be less than max", p)
		}
		if r, ok := nums["raw"]; ok {
			if hasMin && r < mn {
				return Invalidf("%s.raw: must not be below min", p)
			}
			if hasMax && r > mx {
				return Invalidf("%s.raw: must not be above max", p)
			}
		}
	}
	for _, k := range []string{"success", "completion"} {
		if x, ok := o[k]; ok {
			if err := c.boolean(path+"."+k, x); err != nil {
				return err
			}
		}
	}
	if x, ok := o["response"]; ok {
		if _, err := c.str(path+".response", x); err != nil {
			return err
		}
	}
	if x, ok := o["duration"]; ok {
		s, err := c.str(path+".duration", x)
		if err != nil {
			return err
		}
		if !ValidDuration(s) {
			return Invalidf("%s.duration: %q is not an ISO 8601 duration", path, s)
		}
	}
	if x, ok := o["extensions"]; ok {
		return c.extensions(path+".extensions", x)
	}
	return nil
}

func (c *validator) context(path string, v any, objectKind string) error {
	o, err := c.object(path, v)
	if err != nil {
		return err
	}
	keys := []string{"registration", "instructor", "team", "contextActivities", "revision", "platform", "language", "statement", "extensions"}
	if c.v.v2() {
		keys = append(keys, "contextAgents", "contextGroups")
	}
	if err := c.allowed(path, o, keys...); err != nil {
		return err
	}
	if x, ok := o["registration"]; ok {
		if _, err := c.uuid(path+".registration", x); err != nil {
			return err
		}
	}
	if x, ok := o["instructor"]; ok {
		if err := c.actor(path+".instructor", x); err != nil {
			return err
		}
	}
	if x, ok := o["team"]; ok {
		t, err := c.object(path+".team", x)
		if err != nil {
			return err
		}
		if t["objectType"] != "Group" {
			return Invalidf("%s.team: must be a Group (objectType \"Group\")", path)
		}
		if err := c.group(path+".team", t); err != nil {
			return err
		}
	}
	if x, ok := o["contextActivities"]; ok {
		p := path + ".contextActivities"
		ca, err := c.object(p, x)
		if err != nil {
			return err
		}
		if err := c.allowed(p, ca, "parent", "grouping", "category", "other"); err != nil {
			return err
		}
		for k, y := range ca {
			list, isList := y.([]any)
			if !isList {
				list = []any{y}
			}
			for i, a := range list {
				q := fmt.Sprintf("%s.%s[%d]", p, k, i)
				ao, err := c.object(q, a)
				if err != nil {
					return err
				}
				if t, ok := ao["objectType"]; ok && t != "Activity" {
					return Invalidf("%s.objectType: context activities must be Activities", q)
				}
				if err := c.activity(q, ao); err != nil {
					return err
				}
			}
		}
	}
	for _, k := range []string{"revision", "platform"} {
		if x, ok := o[k]; ok {
			if _, err := c.str(path+"."+k, x); err != nil {
				return err
			}
			if objectKind != "Activity" {
				return Invalidf("%s.%s: must not be used when the object is not an Activity", path, k)
			}
		}
	}
	if x, ok := o["language"]; ok {
		s, err := c.str(path+".language", x)
		if err != nil {
			return err
		}
		if !reLangTag.MatchString(s) {
			return Invalidf("%s.language: %q is not a language tag (RFC 5646)", path, s)
		}
	}
	if x, ok := o["statement"]; ok {
		so, err := c.object(path+".statement", x)
		if err != nil {
			return err
		}
		if so["objectType"] != "StatementRef" {
			return Invalidf("%s.statement: must be a StatementRef", path)
		}
		if err := c.statementRef(path+".statement", so); err != nil {
			return err
		}
	}
	if x, ok := o["extensions"]; ok {
		if err := c.extensions(path+".extensions", x); err != nil {
			return err
		}
	}
	if err := c.contextMembers(path, o, "contextAgents", "contextAgent", "agent", c.agent); err != nil {
		return err
	}
	if err := c.contextMembers(path, o, "contextGroups", "contextGroup", "group", func(q string, g any) error {
		gobj, err := c.object(q, g)
		if err != nil {
			return err
		}
		if gobj["objectType"] != "Group" {
			return Invalidf("%s: must be a Group", q)
		}
		return c.group(q, gobj)
	}); err != nil {
		return err
	}
	return nil
}

// contextMembers checks context.contextAgents or context.contextGroups
// (xAPI 2.0): when present, o[key] is an array of objects of objectType
// kind, each with a required member ("agent" or "group") that check
// validates, and optional relevantTypes.
func (c *validator) contextMembers(path string, o obj, key, kind, member string, check func(path string, v any) error) error {
	x, ok := o[key]
	if !ok {
		return nil
	}
	list, ok := x.([]any)
	if !ok {
		return Invalidf("%s.%s: must be an array", path, key)
	}
	for i, y := range list {
		q := fmt.Sprintf("%s.%s[%d]", path, key, i)
		m, err := c.object(q, y)
		if err != nil {
			return err
		}
		if err := c.allowed(q, m, "objectType", member, "relevantTypes"); err != nil {
			return err
		}
		if m["objectType"] != kind {
			return Invalidf("%s.objectType: must be %q", q, kind)
		}
		v, ok := m[member]
		if !ok {
			return Invalidf("%s.%s: is required", q, member)
		}
		if err := check(q+"."+member, v); err != nil {
			return err
		}
		if err := c.relevantTypes(q, m); err != nil {
			return err
		}
	}
	return nil
}

func (c *validator) relevantTypes(path string, o obj) error {
	x, ok := o["relevantTypes"]
	if !ok {
		return nil
	}
	list, ok := x.([]any)
	if !ok || len(list) == 0 {
		return Invalidf("%s.relevantTypes: must be a non-empty array of IRIs", path)
	}
	for i, y := range list {
		if _, err := c.iri(fmt.Sprintf("%s.relevantTypes[%d]", path, i), y); err != nil {
			return err
		}
	}
	return nil
}

func (c *validator) attachments(path string, v any) error {
	list, ok := v.([]any)
	if !ok {
		return Invalidf("%s: must be an array", path)
	}
	for i, x := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		a, err := c.object(p, x)
		if err != nil {
			return err
		}
		if err := c.allowed(p, a, "usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"); err != nil {
			return err
		}
		for _, k := range []string{"usageType", "display", "contentType", "length", "sha2"} {
			if _, ok := a[k]; !ok {
				return Invalidf("%s.%s: is required", p, k)
			}
		}
		if _, err := c.iri(p+".usageType", a["usageType"]); err != nil {
			return err
		}
		if err := c.langMap(p+".display", a["display"]); err != nil {
			return err
		}
		if x, ok := a["description"]; ok {
			if err := c.langMap(p+".description", x); err != nil {
				return err
			}
		}
		ct, err := c.str(p+".contentType", a["contentType"])
		if err != nil {
			return err
		}
		if !strings.Contains(ct, "/") {
			return Invalidf("%s.contentType: %q is not an Internet Media Type", p, ct)
		}
		n, err := c.number(p+".length", a["length"])
		if err != nil {
			return err
		}
		if n != math.Trunc(n) || n < 0 {
			return Invalidf("%s.length: must be a whole number of octets", p)
		}
		if _, err := c.str(p+".sha2", a["sha2"]); err != nil {
			return err
		}
		if x, ok := a["fileUrl"]; ok {
			if _, err := c.iri(p+".fileUrl", x); err != nil {
				return err
			}
		}
	}
	return nil
}

// statement checks a statement or (sub) a SubStatement.
func (c *validator) statement(path string, o obj, sub bool) error {
	for k, x := range o {
		if x == nil {
			return Invalidf("%s.%s: must not be null", path, k)
		}
	}
	if sub {
		if err := c.allowed(path, o, "objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"); err != nil {
			return err
		}
	} else if err := c.allowed(path, o, "id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version", "attachments"); err != nil {
		return err
	}
	if x, ok := o["id"]; ok {
		if _, err := c.uuid(path+".id", x); err != nil {
			return err
		}
	}
	for _, k := range []string{"actor", "verb", "object"} {
		if _, ok := o[k]; !ok {
			return Invalidf("%s.%s: is required", path, k)
		}
	}
	if err := c.actor(path+".actor", o["actor"]); err != nil {
		return err
	}
	verb, err := c.verb(path+".verb", o["verb"])
	if err != nil {
		return err
	}
	kind, err := c.object_(path+".object", o["object"], sub)
	if err != nil {
		return err
	}
	if verb == VerbVoided && kind != "StatementRef" {
		return Invalidf("%s.object: a voiding statement's object must be a StatementRef", path)
	}
	if x, ok := o["result"]; ok {
		if err := c.result(path+".result", x); err != nil {
			return err
		}
	}
	if x, ok := o["context"]; ok {
		if err := c.context(path+".context", x, kind); err != nil {
			return err
		}
	}
	if x, ok := o["timestamp"]; ok {
		if err := c.timestamp(path+".timestamp", x); err != nil {
			return err
		}
	}
	if x, ok := o["stored"]; ok {
		if err := c.timestamp(path+".stored", x); err != nil {
			return err
		}
	}
	if x, ok := o["authority"]; ok {
		if err := c.authority(path+".authority", x); err != nil {
			return err
		}
	}
	if x, ok := o["version"]; ok {
		s, err := c.str(path+".version", x)
		if err != nil {
			return err
		}
		if !reVersion.MatchString(s) {
			return Invalidf("%s.version: %q is not an xAPI version (1.0.x or 2.0.x)", path, s)
		}
	}
	if x, ok := o["attachments"]; ok {
		if err := c.attachments(path+".attachments", x); err != nil {
			return err
		}
	}
	return nil
}

var reVersion = regexp.MustCompile(`^(1\.0(\.\d+)?|2\.0(\.\d+)?)$`)

func (c *validator) authority(path string, v any) error {
	o, err := c.object(path, v)
	if err != nil {
		return err
	}
	if o["objectType"] == "Group" {
		if err := c.group(path, o); err != nil {
			return err
		}
		// An authority Group is the OAuth pair: two Agents, no identity of its own.
		if AgentKey(o) != "" {
			return Invalidf("%s: an authority Group must be anonymous (the OAuth consumer and user)", path)
		}
		if m, _ := o["member"].([]any); len(m) != 2 {
			return Invalidf("%s: an authority Group must have exactly two members", path)
		}
		return nil
	}
	return c.agent(path, o)
}

// VerbVoided is the verb of a voiding statement.
const VerbVoided = "http://adlnet.gov/expapi/verbs/voided"

// ValidateStatement checks one statement against the xAPI data rules of
// version v. Errors: invalid, with a message naming the property.
func ValidateStatement(v Version, s any) error {
	c := &validator{v: v}
	o, ok := s.(obj)
	if !ok {
		return Invalidf("statement: must be a JSON object")
	}
	return c.statement("statement", o, false)
}

// ValidateAgent checks an Agent or Group given as a query parameter.
func ValidateAgent(v Version, a any) error {
	c := &validator{v: v}
	return c.actor("agent", a)
}
