package xapi

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm"
)

// DocKey names a document (State, Activity Profile or Agent Profile); the
// parts a kind does not use are "".
type DocKey struct {
	Kind         string // "state", "activity" or "agent"
	ActivityID   string
	Agent        string // AgentKey of the agent
	Registration string
	DocID        string // stateId or profileId
}

// Document is a stored document.
type Document struct {
	ContentType string
	Content     []byte
	ETag        string // quoted, as in the ETag header
	Updated     time.Time
}

// Preconditions are the If-Match and If-None-Match headers of a request.
type Preconditions struct {
	IfMatch     string
	IfNoneMatch string
}

func (p Preconditions) any() bool { return p.IfMatch != "" || p.IfNoneMatch != "" }

// check applies the preconditions to the current document (nil: none).
func (p Preconditions) check(cur *Document) error {
	if p.IfMatch != "" {
		if cur == nil || !etagMatches(p.IfMatch, cur.ETag) {
			return errOf(KindPrecondition, "If-Match %s does not match the document's ETag", p.IfMatch)
		}
	}
	if p.IfNoneMatch != "" && cur != nil {
		if strings.TrimSpace(p.IfNoneMatch) == "*" || etagMatches(p.IfNoneMatch, cur.ETag) {
			return errOf(KindPrecondition, "If-None-Match %s: the document exists", p.IfNoneMatch)
		}
	}
	return nil
}

func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/"))
		if t == "*" || t == etag || `"`+strings.Trim(t, `"`)+`"` == etag {
			return true
		}
	}
	return false
}

// ETagOf is the ETag of content: its SHA-1, quoted.
func ETagOf(content []byte) string {
	sum := sha1.Sum(content)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// Document returns one document. Errors: not_found.
func (s *Service) Document(ctx context.Context, orgID string, k DocKey) (*Document, error) {
	return s.document(s.DB.WithContext(ctx), orgID, k, false)
}

func (s *Service) document(db *gorm.DB, orgID string, k DocKey, lock bool) (*Document, error) {
	sql := `SELECT content_type, content, etag, updated FROM xapi_documents
		WHERE org_id = ? AND kind = ? AND activity_id = ? AND agent = ? AND registration = ? AND doc_id = ?`
	if lock {
		sql += ` FOR UPDATE`
	}
	var d Document
	err := db.Raw(sql, orgID, k.Kind, k.ActivityID, k.Agent, k.Registration, k.DocID).Row().
		Scan(&d.ContentType, &d.Content, &d.ETag, &d.Updated)
	if err != nil {
		return nil, errOf(KindNotFound, "no such document")
	}
	return &d, nil
}

// DocumentIDs lists the ids of the documents under k (its DocID unused),
// updated after since when it is set.
func (s *Service) DocumentIDs(ctx context.Context, orgID string, k DocKey, since *time.Time) ([]string, error) {
	sql := `SELECT doc_id FROM xapi_documents WHERE org_id = ? AND kind = ? AND activity_id = ? AND agent = ? AND registration = ?`
	args := []any{orgID, k.Kind, k.ActivityID, k.Agent, k.Registration}
	if since != nil {
		sql += ` AND updated > ?`
		args = append(args, *since)
	}
	ids := []string{}
	err := s.DB.WithContext(ctx).Raw(sql+` ORDER BY doc_id`, args...).Scan(&ids).Error
	return ids, err
}

// SaveDocument stores a document. With merge (POST) an existing JSON
// document and a JSON body are merged (the body's top-level properties
// win); otherwise (PUT) the body replaces the document. requirePrecondition
// makes a PUT over an existing document without If-Match or If-None-Match a
// conflict; preconditionToCreate makes it invalid for a new document too
// (xAPI 1.0.3's profile resources). Errors: invalid, conflict, precondition.
func (s *Service) SaveDocument(ctx context.Context, orgID string, k DocKey, contentType string, body []byte, merge, requirePrecondition, preconditionToCreate bool, pre Preconditions) (*Document, error) {
	var out *Document
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := s.document(tx, orgID, k, true)
		if err != nil && KindOf(err) != KindNotFound {
			return err
		}
		if err := pre.check(cur); err != nil {
			return err
		}
		if !merge && requirePrecondition && !pre.any() {
			if cur != nil {
				return errOf(KindConflict, "the document exists: send If-Match (or If-None-Match) to change it")
			}
			if preconditionToCreate {
				return Invalidf("a PUT of a profile document needs If-Match or If-None-Match (If-None-Match: * to create it)")
			}
		}
		if merge {
			if !isJSONType(contentType) {
				return Invalidf("POST merges JSON documents: the Content-Type must be application/json")
			}
			nv, err := Decode(body)
			if err != nil {
				return err
			}
			no, ok := nv.(obj)
			if !ok {
				return Invalidf("POST merges JSON objects: the body is not a JSON object")
			}
			if cur != nil {
				if !isJSONType(cur.ContentType) {
					return Invalidf("the stored document is not JSON, so it cannot be merged: use PUT")
				}
				ov, err := Decode(cur.Content)
				if err != nil {
					return Invalidf("the stored document is not JSON, so it cannot be merged: use PUT")
				}
				oo, ok := ov.(obj)
				if !ok {
					return Invalidf("the stored document is not a JSON object, so it cannot be merged: use PUT")
				}
				for key, val := range no {
					oo[key] = val
				}
				if body, err = json.Marshal(oo); err != nil {
					return err
				}
			}
			contentType = "application/json"
		}
		d := Document{ContentType: contentType, Content: body, ETag: ETagOf(body), Updated: time.Now().UTC().Truncate(time.Millisecond)}
		// A document that did not exist may have been created since the
		// read (no row to lock): then a request that needed it absent
		// (If-None-Match, or none existing at all with If-Match) fails
		// instead of overwriting it.
		onConflict := `DO UPDATE SET content_type = EXCLUDED.content_type, content = EXCLUDED.content, etag = EXCLUDED.etag, updated = EXCLUDED.updated`
		if cur == nil && (pre.IfNoneMatch != "" || (!merge && requirePrecondition)) {
			onConflict = `DO NOTHING`
		}
		res := tx.Exec(`INSERT INTO xapi_documents (org_id, kind, activity_id, agent, registration, doc_id, content_type, content, etag, updated)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id, kind, activity_id, agent, registration, doc_id) `+onConflict,
			orgID, k.Kind, k.ActivityID, k.Agent, k.Registration, k.DocID, d.ContentType, d.Content, d.ETag, d.Updated)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if pre.IfNoneMatch != "" {
				return errOf(KindPrecondition, "If-None-Match %s: the document was created by another request meanwhile", pre.IfNoneMatch)
			}
			return errOf(KindConflict, "the document was created by another request meanwhile: send If-Match to change it")
		}
		out = &d
		return nil
	})
	return out, err
}

// DeleteDocument deletes one document, or with k.DocID "" every document
// under k (State only). Deleting what is not there is not an error.
// Errors: precondition.
func (s *Service) DeleteDocument(ctx context.Context, orgID string, k DocKey, pre Preconditions) error {
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sql := `DELETE FROM xapi_documents WHERE org_id = ? AND kind = ? AND activity_id = ? AND agent = ? AND registration = ?`
		args := []any{orgID, k.Kind, k.ActivityID, k.Agent, k.Registration}
		if k.DocID != "" || k.Kind != "state" {
			cur, err := s.document(tx, orgID, k, true)
			if err != nil && KindOf(err) != KindNotFound {
				return err
			}
			if err := pre.check(cur); err != nil {
				return err
			}
			sql += ` AND doc_id = ?`
			args = append(args, k.DocID)
		}
		return tx.Exec(sql, args...).Error
	})
}

func isJSONType(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	return ct == "application/json"
}
