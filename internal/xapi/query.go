package xapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strings"
	"time"
)

// Query is a statement query: the filters of GET /statements, the page
// size and format, and the cursor of a "more" page.
type Query struct {
	Agent             string     `json:"ag,omitempty"` // AgentKey of the agent parameter
	Verb              string     `json:"v,omitempty"`
	Activity          string     `json:"ac,omitempty"`
	Registration      string     `json:"r,omitempty"`
	RelatedActivities bool       `json:"ra,omitempty"`
	RelatedAgents     bool       `json:"rg,omitempty"`
	Since             *time.Time `json:"s,omitempty"`
	Until             *time.Time `json:"u,omitempty"`
	Limit             int        `json:"l,omitempty"`
	Ascending         bool       `json:"asc,omitempty"`
	Format            string     `json:"f,omitempty"` // ids, exact (default) or canonical
	Attachments       bool       `json:"at,omitempty"`
	Languages         []string   `json:"lang,omitempty"` // canonical format: preferred languages
	After             int64      `json:"a,omitempty"`    // cursor: the last seq of the page before
	Bound             int64      `json:"b,omitempty"`    // the highest seq when the first page was read
}

// MaxLimit is the most statements one page returns.
const MaxLimit = 500

// Cursor is the opaque "more" token of q.
func (q Query) Cursor() string {
	b, _ := json.Marshal(q)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseCursor reads a "more" token. Errors: invalid.
func ParseCursor(s string) (Query, error) {
	var q Query
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &q) != nil || q.After == 0 {
		return Query{}, Invalidf("the more parameter is not a link this LRS gave")
	}
	return q, nil
}

// Page is one page of a statement query.
type Page struct {
	Statements []obj
	More       *Query // the next page, nil when there is none
}

// Statement returns statement id of orgID: a voided statement only when
// voided is true, and otherwise only a statement that is not voided.
// Errors: not_found.
func (s *Service) Statement(ctx context.Context, orgID, id string, voided bool) (obj, error) {
	if !IsUUID(id) {
		return nil, Invalidf("statementId: %q is not a UUID", id)
	}
	var raw []byte
	err := s.DB.WithContext(ctx).Raw(`SELECT statement FROM xapi_statements WHERE org_id = ? AND id = ? AND voided = ?`,
		orgID, strings.ToLower(id), voided).Row().Scan(&raw)
	if err != nil {
		return nil, errOf(KindNotFound, "no statement %s", id)
	}
	v, err := Decode(raw)
	if err != nil {
		return nil, err
	}
	return v.(obj), nil
}

// Statements runs q over orgID's statements. Voided statements are left
// out; the statements that void them are not.
func (s *Service) Statements(ctx context.Context, orgID string, q Query) (Page, error) {
	if q.Limit <= 0 || q.Limit > MaxLimit {
		q.Limit = MaxLimit
	}
	db := s.DB.WithContext(ctx)
	if q.Bound == 0 {
		if err := db.Raw(`SELECT coalesce(max(seq), 0) FROM xapi_statements WHERE org_id = ?`, orgID).Row().Scan(&q.Bound); err != nil {
			return Page{}, err
		}
	}
	// SELECT seq, statement FROM xapi_statements WHERE org_id = ? AND NOT voided
	//   AND <filters> AND seq <= bound AND seq >/< after ORDER BY seq LIMIT n+1
	// The filters apply to a statement, or to the statement its
	// StatementRef object targets (xAPI: a voided statement's voiding
	// statement, and other references to it, match the voided one's filters).
	// Two index-friendly halves joined by UNION (the second unlimited: an
	// ORDER BY seq LIMIT there lets the planner walk every statement by seq
	// looking for the few with a target):
	//   direct: SELECT seq FROM xapi_statements s WHERE <filter on s> ...
	//   refs:   SELECT s.seq FROM xapi_statements s JOIN xapi_statements t ON t.id = s.target WHERE <filter on t> ...
	order, cmp := "DESC", "<"
	if q.Ascending {
		order, cmp = "ASC", ">"
	}
	bounds := ` AND s.org_id = ? AND NOT s.voided AND s.seq <= ?`
	bargs := []any{orgID, q.Bound}
	if q.Since != nil {
		bounds += ` AND s.stored > ?`
		bargs = append(bargs, *q.Since)
	}
	if q.Until != nil {
		bounds += ` AND s.stored <= ?`
		bargs = append(bargs, *q.Until)
	}
	if q.After != 0 {
		bounds += ` AND s.seq ` + cmp + ` ?`
		bargs = append(bargs, q.After)
	}
	limit := q.Limit + 1
	var sql string
	var args []any
	filter, fargs := q.filterSQL("s")
	if filter == "" {
		sql = `SELECT s.seq, s.statement FROM xapi_statements s WHERE true` + bounds + ` ORDER BY s.seq ` + order + ` LIMIT ?`
		args = append(append(args, bargs...), limit)
	} else {
		tfilter, targs := q.filterSQL("t")
		sql = `WITH direct AS (SELECT s.seq FROM xapi_statements s WHERE ` + filter + bounds + ` ORDER BY s.seq ` + order + ` LIMIT ?),
			refs AS (SELECT s.seq FROM xapi_statements s JOIN xapi_statements t ON t.org_id = s.org_id AND t.id = s.target
				WHERE s.target IS NOT NULL AND ` + tfilter + bounds + `),
			seqs AS (SELECT seq FROM direct UNION SELECT seq FROM refs)
			SELECT s.seq, s.statement FROM xapi_statements s WHERE s.org_id = ? AND s.seq IN (SELECT seq FROM seqs)
			ORDER BY s.seq ` + order + ` LIMIT ?`
		args = append(args, fargs...)
		args = append(args, bargs...)
		args = append(args, limit)
		args = append(args, targs...)
		args = append(args, bargs...)
		args = append(args, orgID, limit)
	}
	rows, err := db.Raw(sql, args...).Rows()
	if err != nil {
		return Page{}, err
	}
	defer rows.Close()
	var page Page
	var last int64
	n := 0
	for rows.Next() {
		var seq int64
		var raw []byte
		if err := rows.Scan(&seq, &raw); err != nil {
			return Page{}, err
		}
		n++
		if n > q.Limit {
			next := q
			next.After = last
			page.More = &next
			break
		}
		v, err := Decode(raw)
		if err != nil {
			return Page{}, err
		}
		page.Statements = append(page.Statements, v.(obj))
		last = seq
	}
	if page.Statements == nil {
		page.Statements = []obj{}
	}
	return page, rows.Err()
}

// filterSQL is the condition of q's agent, verb, activity and registration
// filters on the statement aliased a, with its arguments ("" for none).
func (q Query) filterSQL(a string) (string, []any) {
	var conds []string
	var args []any
	if q.Verb != "" {
		conds = append(conds, a+`.verb_id = ?`)
		args = append(args, q.Verb)
	}
	if q.Activity != "" {
		if q.RelatedActivities {
			conds = append(conds, a+`.related_activities @> ARRAY[?]::text[]`)
		} else {
			conds = append(conds, a+`.activity = ?`)
		}
		args = append(args, q.Activity)
	}
	if q.Agent != "" {
		if q.RelatedAgents {
			conds = append(conds, a+`.related_agents @> ARRAY[?]::text[]`)
		} else {
			conds = append(conds, `(`+a+`.actor = ? OR `+a+`.object_agent = ?)`)
			args = append(args, q.Agent)
		}
		args = append(args, q.Agent)
	}
	if q.Registration != "" {
		conds = append(conds, a+`.registration = ?`)
		args = append(args, strings.ToLower(q.Registration))
	}
	return strings.Join(conds, " AND "), args
}

// AttachmentsOf returns the stored contents of the attachments of
// statements, by hash, in the order first met.
func (s *Service) AttachmentsOf(ctx context.Context, orgID string, statements []obj) ([]string, map[string]Attachment, error) {
	var order []string
	seen := map[string]bool{}
	var collect func(o obj)
	collect = func(o obj) {
		list, _ := o["attachments"].([]any)
		for _, x := range list {
			a, _ := x.(obj)
			if h, ok := a["sha2"].(string); ok && !seen[h] {
				seen[h] = true
				order = append(order, h)
			}
		}
		if sub, ok := o["object"].(obj); ok && sub["objectType"] == "SubStatement" {
			collect(sub)
		}
	}
	for _, st := range statements {
		collect(st)
	}
	out := map[string]Attachment{}
	if len(order) == 0 {
		return nil, out, nil
	}
	var rows []struct {
		Sha2        string
		ContentType string
		Content     []byte
	}
	if err := s.DB.WithContext(ctx).Raw(`SELECT sha2, content_type, content FROM xapi_attachments WHERE org_id = ? AND sha2 IN ?`,
		orgID, order).Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	var have []string
	for _, r := range rows {
		out[r.Sha2] = Attachment{ContentType: r.ContentType, Content: r.Content}
	}
	for _, h := range order {
		if _, ok := out[h]; ok {
			have = append(have, h)
		}
	}
	return have, out, nil
}

// Format rewrites statement o for the format parameter: "ids" keeps only
// identifiers of agents, groups, activities and verbs; "canonical" keeps one
// language of each language map (the first of langs present, else any).
func Format(o obj, format string, langs []string) obj {
	switch format {
	case "ids":
		return idsOnly(o)
	case "canonical":
		return canonical(o, langs).(obj)
	}
	return o
}

func idsAgent(v any) any {
	a, ok := v.(obj)
	if !ok {
		return v
	}
	out := obj{}
	if t, ok := a["objectType"]; ok {
		out["objectType"] = t
	}
	for _, k := range ifiKeys {
		if x, ok := a[k]; ok {
			out[k] = x
		}
	}
	if ms, ok := a["member"].([]any); ok && AgentKey(a) == "" {
		list := make([]any, len(ms))
		for i, m := range ms {
			list[i] = idsAgent(m)
		}
		out["member"] = list
	}
	return out
}

func idsOnly(o obj) obj {
	out := obj{}
	for k, v := range o {
		out[k] = v
	}
	if x, ok := o["actor"]; ok {
		out["actor"] = idsAgent(x)
	}
	if x, ok := o["authority"]; ok {
		out["authority"] = idsAgent(x)
	}
	if v, ok := o["verb"].(obj); ok {
		out["verb"] = obj{"id": v["id"]}
	}
	if ob, ok := o["object"].(obj); ok {
		switch ob["objectType"] {
		case "Agent", "Group":
			out["object"] = idsAgent(ob)
		case "SubStatement":
			out["object"] = idsOnly(ob)
		case "StatementRef":
		default:
			out["object"] = obj{"id": ob["id"]}
		}
	}
	if c, ok := o["context"].(obj); ok {
		nc := obj{}
		for k, v := range c {
			nc[k] = v
		}
		for _, k := range []string{"instructor", "team"} {
			if x, ok := c[k]; ok {
				nc[k] = idsAgent(x)
			}
		}
		if ca, ok := c["contextActivities"].(obj); ok {
			nca := obj{}
			for k, v := range ca {
				list, isList := v.([]any)
				if !isList {
					list = []any{v}
				}
				ids := make([]any, len(list))
				for i, a := range list {
					ao, _ := a.(obj)
					ids[i] = obj{"id": ao["id"]}
				}
				nca[k] = ids
			}
			nc["contextActivities"] = nca
		}
		out["context"] = nc
	}
	return out
}

var langMapKeys = map[string]bool{"display": true, "name": true, "description": true}

func canonical(v any, langs []string) any {
	switch x := v.(type) {
	case obj:
		out := obj{}
		for k, y := range x {
			if m, ok := y.(obj); ok && langMapKeys[k] && isLangMap(m) {
				out[k] = pickLanguage(m, langs)
				continue
			}
			out[k] = canonical(y, langs)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			out[i] = canonical(y, langs)
		}
		return out
	}
	return v
}

func isLangMap(m obj) bool {
	for k, v := range m {
		if _, ok := v.(string); !ok || !reLangTag.MatchString(k) {
			return false
		}
	}
	return true
}

func pickLanguage(m obj, langs []string) obj {
	for _, l := range langs {
		for k, v := range m {
			if strings.EqualFold(k, l) {
				return obj{k: v}
			}
		}
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	if len(ks) == 0 {
		return m
	}
	sort.Strings(ks)
	return obj{ks[0]: m[ks[0]]}
}

// Activity returns the Activity object of id as the LRS knows it: its
// latest definition, or the bare id when no statement gave one.
func (s *Service) Activity(ctx context.Context, orgID, id string) (obj, error) {
	var raw []byte
	_ = s.DB.WithContext(ctx).Raw(`SELECT definition FROM xapi_activities WHERE org_id = ? AND id = ?`, orgID, id).Row().Scan(&raw)
	out := obj{"objectType": "Activity", "id": id}
	if len(raw) > 0 {
		if d, err := Decode(raw); err == nil {
			if dm, ok := d.(obj); ok && len(dm) > 0 {
				out["definition"] = dm
			}
		}
	}
	return out, nil
}

// Person returns the Person object of an agent: every identifier and name
// the LRS knows for it (here, those of the agent given).
func Person(agent obj) obj {
	p := obj{"objectType": "Person"}
	if n, ok := agent["name"]; ok {
		p["name"] = []any{n}
	}
	for _, k := range ifiKeys {
		if x, ok := agent[k]; ok {
			p[k] = []any{x}
		}
	}
	return p
}
