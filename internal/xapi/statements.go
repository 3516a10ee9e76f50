package xapi

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"takumi/internal/database"
)

// Attachment is the content of one attachment part of a request, by its
// SHA-256 (hex), as the X-Experience-API-Hash header named it.
type Attachment struct {
	ContentType string
	Content     []byte
}

// Signature attachments carry a JWS of the statement.
const usageSignature = "http://adlnet.gov/expapi/attachments/signature"

// stampLayout is how the LRS writes stored (and a missing timestamp).
const stampLayout = "2006-01-02T15:04:05.000Z07:00"

// prepared is a valid statement with what the filters need.
type prepared struct {
	id            string
	o             obj
	verb          string
	actor         string  // AgentKey of the actor ("" for an anonymous group)
	objectAgent   *string // AgentKey of an Agent or Group object
	relAgents     []string
	activity      string
	relActivities []string
	registration  *string
	target        *string // the id of a StatementRef object
	sent          obj     // as the client sent it, for the duplicate check
}

// authority is the Agent that stands for client c in the statements it stores.
func (s *Service) authority(c *Client) obj {
	return obj{"objectType": "Agent", "name": c.Name, "account": obj{"homePage": s.HomePage, "name": c.Key}}
}

// StoreStatements validates and stores statements for client c, all or
// none. putID is the statementId of a PUT ("" for POST). attachments are the
// parts of a multipart request (nil for a JSON body). It returns the ids in
// order. Errors: invalid (a broken rule, named), conflict (a different
// statement already has one of the ids).
func (s *Service) StoreStatements(ctx context.Context, c *Client, v Version, stmts []any, attachments map[string]Attachment, putID string) ([]string, error) {
	if len(stmts) == 0 {
		return nil, Invalidf("no statements in the request")
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	stored := now.Format(stampLayout)
	seen := map[string]bool{}
	used := map[string]bool{}
	ps := make([]prepared, 0, len(stmts))
	for i, x := range stmts {
		if err := ValidateStatement(v, x); err != nil {
			if len(stmts) > 1 {
				return nil, Invalidf("statement %d: %v", i, err)
			}
			return nil, err
		}
		o := x.(obj)
		sent := copyObj(o)
		if putID != "" {
			if id, ok := o["id"].(string); ok && !strings.EqualFold(id, putID) {
				return nil, Invalidf("the statement's id %q differs from the statementId parameter %q", id, putID)
			}
			o["id"] = strings.ToLower(putID)
		}
		if _, ok := o["id"]; !ok {
			o["id"] = uuid.NewString()
		}
		id := strings.ToLower(o["id"].(string))
		o["id"] = id
		if seen[id] {
			return nil, Invalidf("statement id %s appears twice in the batch", id)
		}
		seen[id] = true
		if err := checkAttachments(o, attachments, used); err != nil {
			return nil, err
		}
		normaliseContextActivities(o)
		if sub, ok := o["object"].(obj); ok && sub["objectType"] == "SubStatement" {
			normaliseContextActivities(sub)
		}
		o["stored"] = stored
		if _, ok := o["timestamp"]; !ok {
			o["timestamp"] = stored
		}
		o["authority"] = s.authority(c)
		if _, ok := o["version"]; !ok {
			if v.v2() {
				o["version"] = "2.0.0"
			} else {
				o["version"] = "1.0.0"
			}
		}
		ps = append(ps, index(id, o, sent))
	}
	for h := range attachments {
		if !used[h] {
			return nil, Invalidf("the attachment part with hash %s belongs to no statement's attachments", h)
		}
	}
	ids := make([]string, len(ps))
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		all := make([]string, len(ps))
		for i, p := range ps {
			all[i] = p.id
			ids[i] = p.id
		}
		var existing []struct {
			ID        string
			Statement []byte
		}
		if err := tx.Raw(`SELECT id, statement FROM xapi_statements WHERE org_id = ? AND id = ANY(?)`, c.OrgID, database.Array(all)).
			Scan(&existing).Error; err != nil {
			return err
		}
		have := map[string]obj{}
		for _, e := range existing {
			st, err := Decode(e.Statement)
			if err != nil {
				return err
			}
			have[e.ID] = st.(obj)
		}
		for _, p := range ps {
			if old, ok := have[p.id]; ok {
				if !sameStatement(old, p.sent) {
					return errOf(KindConflict, "a different statement with id %s is already stored; statements cannot be changed", p.id)
				}
			}
		}
		// Voiding: the target must not itself be a voiding statement.
		var targets []string
		for _, p := range ps {
			if p.target != nil && p.verb == VerbVoided {
				targets = append(targets, *p.target)
			}
		}
		if len(targets) > 0 {
			var bad []string
			if err := tx.Raw(`SELECT id FROM xapi_statements WHERE org_id = ? AND id = ANY(?) AND verb_id = ?`,
				c.OrgID, database.Array(targets), VerbVoided).Scan(&bad).Error; err != nil {
				return err
			}
			if len(bad) > 0 {
				return Invalidf("statement %s is a voiding statement and cannot be voided", bad[0])
			}
			for _, p := range ps {
				for _, q := range ps {
					if p.target != nil && p.verb == VerbVoided && q.id == *p.target && q.verb == VerbVoided {
						return Invalidf("statement %s is a voiding statement and cannot be voided", q.id)
					}
				}
			}
		}
		if err := insertStatements(tx, c, now, ps, have); err != nil {
			return err
		}
		var fresh []string
		for _, p := range ps {
			if _, ok := have[p.id]; !ok {
				fresh = append(fresh, p.id)
			}
		}
		if err := s.queueForward(ctx, tx, c.OrgID, fresh); err != nil {
			return err
		}
		if len(targets) > 0 {
			if err := tx.Exec(`UPDATE xapi_statements SET voided = true WHERE org_id = ? AND id = ANY(?) AND verb_id <> ?`,
				c.OrgID, database.Array(targets), VerbVoided).Error; err != nil {
				return err
			}
		}
		for h, a := range attachments {
			if err := tx.Exec(`INSERT INTO xapi_attachments (org_id, sha2, content_type, content) VALUES (?, ?, ?, ?)
				ON CONFLICT (org_id, sha2) DO NOTHING`, c.OrgID, h, a.ContentType, a.Content).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// row is one statement as insertStatements hands it to PostgreSQL.
type row struct {
	Seq               int64    `json:"seq"`
	ID                string   `json:"id"`
	VerbID            string   `json:"verb_id"`
	Actor             string   `json:"actor"`
	ObjectAgent       *string  `json:"object_agent"`
	RelatedAgents     []string `json:"related_agents"`
	Activity          string   `json:"activity"`
	RelatedActivities []string `json:"related_activities"`
	Registration      *string  `json:"registration"`
	Target            *string  `json:"target"`
	Statement         obj      `json:"statement"`
}

// insertStatements inserts the new statements of ps (not those in have,
// already stored) in one INSERT, in order, and keeps the definitions of
// their activities (one upsert per activity, definitions merged in order).
func insertStatements(tx *gorm.DB, c *Client, now time.Time, ps []prepared, have map[string]obj) error {
	var rows []row
	defs := map[string]obj{}
	for _, p := range ps {
		if _, ok := have[p.id]; ok {
			continue // the same statement again: nothing to do
		}
		rows = append(rows, row{ID: p.id, VerbID: p.verb, Actor: p.actor, ObjectAgent: p.objectAgent, RelatedAgents: p.relAgents,
			Activity: p.activity, RelatedActivities: p.relActivities, Registration: p.registration, Target: p.target, Statement: p.o})
		if id, def, ok := activityOf(p.o); ok {
			defs[id] = mergeDefinition(defs[id], def)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	// Seqs in the order of the request, so a batch reads back in order.
	var seqs []int64
	if err := tx.Raw(`SELECT nextval('xapi_statement_seq') FROM generate_series(1, ?)`, len(rows)).Scan(&seqs).Error; err != nil {
		return err
	}
	for i := range rows {
		rows[i].Seq = seqs[i]
	}
	body, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	if err := tx.Exec(`INSERT INTO xapi_statements (org_id, id, seq, stored, verb_id, actor, object_agent, related_agents, activity,
		related_activities, registration, target, client_id, statement)
		SELECT ?, r.id, r.seq, ?, r.verb_id, r.actor, r.object_agent, r.related_agents, r.activity,
			r.related_activities, r.registration, r.target, NULLIF(?, '')::uuid, r.statement
		FROM jsonb_to_recordset(?::jsonb) AS r(seq bigint, id uuid, verb_id text, actor text, object_agent text, related_agents text[],
			activity text, related_activities text[], registration uuid, target uuid, statement jsonb)`,
		c.OrgID, now, c.ID, string(body)).Error; err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" {
			// Another request stored one of these ids since the check above.
			return errOf(KindConflict, "a statement with one of these ids was stored at the same time; send the batch again")
		}
		return err
	}
	ids := make([]string, 0, len(defs))
	for id := range defs {
		ids = append(ids, id)
	}
	sort.Strings(ids) // one lock order for concurrent batches
	for _, id := range ids {
		def, _ := json.Marshal(defs[id])
		if err := tx.Exec(`INSERT INTO xapi_activities (org_id, id, definition) VALUES (?, ?, ?)
			ON CONFLICT (org_id, id) DO UPDATE SET definition = xapi_activities.definition || EXCLUDED.definition
				|| jsonb_strip_nulls(jsonb_build_object(
					'name', (xapi_activities.definition->'name') || (EXCLUDED.definition->'name'),
					'description', (xapi_activities.definition->'description') || (EXCLUDED.definition->'description')))`,
			c.OrgID, id, string(def)).Error; err != nil {
			return err
		}
	}
	return nil
}

// mergeDefinition merges a later definition of an activity into an
// earlier one: its properties win, and the languages of name and
// description add up.
func mergeDefinition(cur, next obj) obj {
	if cur == nil {
		return next
	}
	out := obj{}
	for k, v := range cur {
		out[k] = v
	}
	for k, v := range next {
		if k == "name" || k == "description" {
			if a, ok := out[k].(obj); ok {
				if b, ok := v.(obj); ok {
					m := obj{}
					for l, x := range a {
						m[l] = x
					}
					for l, x := range b {
						m[l] = x
					}
					out[k] = m
					continue
				}
			}
		}
		out[k] = v
	}
	return out
}

// normaliseContextActivities stores each context activity list as an
// array, as the LRS must return it, even when one activity was sent bare.
func normaliseContextActivities(o obj) {
	ctx, _ := o["context"].(obj)
	ca, _ := ctx["contextActivities"].(obj)
	for k, v := range ca {
		if _, ok := v.([]any); !ok {
			ca[k] = []any{v}
		}
	}
}

// checkAttachments checks that each attachment of o without a fileUrl has
// its content among parts, and each signature is a JWS of o.
func checkAttachments(o obj, parts map[string]Attachment, used map[string]bool) error {
	list, _ := o["attachments"].([]any)
	for i, x := range list {
		a := x.(obj)
		h, _ := a["sha2"].(string)
		p, ok := parts[h]
		if ok {
			used[h] = true
		}
		if a["usageType"] == usageSignature {
			if a["contentType"] != "application/octet-stream" {
				return Invalidf("statement.attachments[%d].contentType: a signature's content type must be application/octet-stream", i)
			}
			if !ok {
				return Invalidf("statement.attachments[%d]: the signature's content (hash %s) is not in the request", i, h)
			}
			if err := checkSignature(o, p.Content); err != nil {
				return Invalidf("statement.attachments[%d]: %v", i, err)
			}
			continue
		}
		if _, hasURL := a["fileUrl"]; !hasURL && !ok {
			return Invalidf("statement.attachments[%d]: no part of the request has its content (sha2 %s) and it has no fileUrl", i, h)
		}
	}
	return nil
}

// checkSignature checks that jws is a compact JWS (RS256, RS384 or RS512)
// whose payload is the statement o, and verifies it with the certificate
// of its x5c header when there is one.
func checkSignature(o obj, jws []byte) error {
	parts := strings.Split(strings.TrimSpace(string(jws)), ".")
	if len(parts) != 3 {
		return fmt.Errorf("the signature is not a compact JWS")
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[0], "="))
	pb, err2 := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	sig, err3 := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[2], "="))
	if err1 != nil || err2 != nil || err3 != nil {
		return fmt.Errorf("the signature is not valid base64url")
	}
	var hdr struct {
		Alg string   `json:"alg"`
		X5c []string `json:"x5c"`
	}
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return fmt.Errorf("the signature's header is not JSON")
	}
	var hash crypto.Hash
	switch hdr.Alg {
	case "RS256":
		hash = crypto.SHA256
	case "RS384":
		hash = crypto.SHA384
	case "RS512":
		hash = crypto.SHA512
	default:
		return fmt.Errorf("the signature's algorithm %q is not RS256, RS384 or RS512", hdr.Alg)
	}
	payload, err := Decode(pb)
	if err != nil {
		return fmt.Errorf("the signature's payload is not JSON")
	}
	po, ok := payload.(obj)
	if !ok || !signedMatches(po, o) {
		return fmt.Errorf("the signature's payload is not this statement")
	}
	if len(hdr.X5c) > 0 {
		der, err := base64.StdEncoding.DecodeString(hdr.X5c[0])
		if err != nil {
			return fmt.Errorf("the signature's x5c certificate is not base64")
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return fmt.Errorf("the signature's x5c certificate does not parse")
		}
		pub, ok := cert.PublicKey.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("the signature's certificate has no RSA key")
		}
		signed := []byte(parts[0] + "." + parts[1])
		var digest []byte
		switch hash {
		case crypto.SHA256:
			d := sha256.Sum256(signed)
			digest = d[:]
		case crypto.SHA384:
			d := sha512.Sum384(signed)
			digest = d[:]
		default:
			d := sha512.Sum512(signed)
			digest = d[:]
		}
		if err := rsa.VerifyPKCS1v15(pub, hash, digest, sig); err != nil {
			return fmt.Errorf("the signature does not verify with its certificate")
		}
	}
	return nil
}

// signedMatches compares a JWS payload with the statement, leaving out
// what the LRS adds and the attachments (the signature was added after).
func signedMatches(payload, o obj) bool {
	for _, k := range []string{"actor", "verb", "object", "result", "context", "timestamp"} {
		pv, pok := payload[k]
		ov, ook := o[k]
		if k == "result" {
			pv, ov = hundredths(pv), hundredths(ov)
		}
		if pok != ook || (pok && !reflect.DeepEqual(normal(pv), normal(ov))) {
			return false
		}
	}
	if id, ok := payload["id"]; ok && !strings.EqualFold(fmt.Sprint(id), fmt.Sprint(o["id"])) {
		return false
	}
	return true
}

// sameStatement reports whether a stored statement and a sent one are the
// same statement (ignoring what the LRS adds).
func sameStatement(stored, sent obj) bool {
	for _, k := range []string{"actor", "verb", "object", "result", "context", "attachments"} {
		a, aok := stored[k]
		b, bok := sent[k]
		if k == "result" {
			a, b = hundredths(a), hundredths(b)
		}
		if aok != bok || (aok && !reflect.DeepEqual(normal(a), normal(b))) {
			return false
		}
	}
	if t, ok := sent["timestamp"]; ok {
		ts, _ := ValidTimestamp(fmt.Sprint(t))
		os, _ := ValidTimestamp(fmt.Sprint(stored["timestamp"]))
		if !ts.Equal(os) {
			return false
		}
	}
	return true
}

var reSeconds = regexp.MustCompile(`(\d+(?:\.\d+)?)S$`)

// hundredths returns a copy of a result whose duration keeps 0.01 s
// precision: xAPI compares durations no finer than that.
func hundredths(v any) any {
	r, ok := v.(obj)
	if !ok {
		return v
	}
	d, ok := r["duration"].(string)
	if !ok {
		return v
	}
	out := obj{}
	for k, x := range r {
		out[k] = x
	}
	out["duration"] = reSeconds.ReplaceAllStringFunc(d, func(m string) string {
		f, err := strconv.ParseFloat(strings.TrimSuffix(m, "S"), 64)
		if err != nil {
			return m
		}
		return strconv.FormatFloat(math.Floor(f*100+1e-9)/100, 'f', 2, 64) + "S"
	})
	return out
}

// normal turns json.Numbers into float64 so 1.0 and 1 compare equal.
func normal(v any) any {
	switch x := v.(type) {
	case obj:
		out := obj{}
		for k, y := range x {
			out[k] = normal(y)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			out[i] = normal(y)
		}
		return out
	case json.Number:
		f, _ := x.Float64()
		return f
	}
	return v
}

func copyObj(o obj) obj {
	b, _ := json.Marshal(o)
	v, _ := Decode(b)
	return v.(obj)
}

// AgentKey is the identity of an Agent or identified Group for filters:
// its one inverse functional identifier, as text. "" when it has none.
func AgentKey(v any) string {
	o, ok := v.(obj)
	if !ok {
		return ""
	}
	if s, ok := o["mbox"].(string); ok {
		return "mbox:" + s
	}
	if s, ok := o["mbox_sha1sum"].(string); ok {
		return "sha1:" + strings.ToLower(s)
	}
	if s, ok := o["openid"].(string); ok {
		return "openid:" + s
	}
	if a, ok := o["account"].(obj); ok {
		return fmt.Sprintf("account:%v|%v", a["homePage"], a["name"])
	}
	return ""
}

// index works out the filter columns of statement o.
func index(id string, o obj, sent obj) prepared {
	p := prepared{id: id, o: o, sent: sent}
	p.verb, _ = o["verb"].(obj)["id"].(string)
	rel := map[string]bool{}
	relAct := map[string]bool{}
	addAgent := func(v any, direct bool) {
		if k := AgentKey(v); k != "" {
			rel[k] = true
		}
		if g, ok := v.(obj); ok {
			if ms, ok := g["member"].([]any); ok {
				for _, m := range ms {
					if k := AgentKey(m); k != "" {
						rel[k] = true
					}
				}
			}
		}
	}
	var walk func(st obj, top bool)
	walk = func(st obj, top bool) {
		addAgent(st["actor"], top)
		ob, _ := st["object"].(obj)
		switch ob["objectType"] {
		case "Agent", "Group":
			addAgent(ob, top)
		case "SubStatement":
			walk(ob, false)
		case "StatementRef":
			if top {
				id := strings.ToLower(fmt.Sprint(ob["id"]))
				p.target = &id
			}
		default:
			if aid, ok := ob["id"].(string); ok {
				if top {
					p.activity = aid
				}
				relAct[aid] = true
			}
		}
		if ctx, ok := st["context"].(obj); ok {
			if x, ok := ctx["instructor"]; ok {
				addAgent(x, false)
			}
			if x, ok := ctx["team"]; ok {
				addAgent(x, false)
			}
			if ca, ok := ctx["contextActivities"].(obj); ok {
				for _, y := range ca {
					list, isList := y.([]any)
					if !isList {
						list = []any{y}
					}
					for _, a := range list {
						if ao, ok := a.(obj); ok {
							if aid, ok := ao["id"].(string); ok {
								relAct[aid] = true
							}
						}
					}
				}
			}
			if cas, ok := ctx["contextAgents"].([]any); ok {
				for _, x := range cas {
					if xo, ok := x.(obj); ok {
						addAgent(xo["agent"], false)
					}
				}
			}
			if cgs, ok := ctx["contextGroups"].([]any); ok {
				for _, x := range cgs {
					if xo, ok := x.(obj); ok {
						addAgent(xo["group"], false)
					}
				}
			}
			if top {
				if r, ok := ctx["registration"].(string); ok {
					r = strings.ToLower(r)
					p.registration = &r
				}
			}
		}
	}
	walk(o, true)
	p.actor = AgentKey(o["actor"])
	if ob, _ := o["object"].(obj); ob["objectType"] == "Agent" || ob["objectType"] == "Group" {
		if k := AgentKey(ob); k != "" {
			p.objectAgent = &k
		}
	}
	addAgent(o["authority"], false)
	p.relAgents = keys(rel)
	p.relActivities = keys(relAct)
	return p
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// activityOf returns the object activity of o and its definition, to keep
// as the Activities resource's answer.
func activityOf(o obj) (string, obj, bool) {
	ob, _ := o["object"].(obj)
	if t, ok := ob["objectType"]; ok && t != "Activity" {
		return "", nil, false
	}
	id, _ := ob["id"].(string)
	def, ok := ob["definition"].(obj)
	if !ok {
		def = obj{}
	}
	return id, def, true
}
