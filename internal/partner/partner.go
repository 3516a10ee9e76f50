// Package partner counts learning done elsewhere (issue 19): partner
// issuers (universities, vendors' programmes, other providers) registered
// by platform admins with their DID document stored, their achievements
// mapped to skill areas, and their Open Badges 3.0 credentials, which
// learners add to their wallet and partners push through the API. Each is
// verified against the stored DID document (never fetched at request
// time), matched to the learner, held once, and, when its achievement is
// mapped to a skill area, counted by the progress engine through the
// learning-event log (partner_credential_counted, and
// partner_credential_revoked when it stops counting), written in the same
// transaction as the change. It owns partner_issuers,
// partner_achievements, partner_status_lists and partner_credentials.
package partner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/credential"
	"takumi/internal/learning"
	"takumi/internal/outbound"
)

// Kinds of partner issuer.
var Kinds = []string{"university", "vendor", "provider", "other"}

// Issuer is a registered partner issuer.
type Issuer struct {
	ID             string `gorm:"primaryKey;default:gen_random_uuid()"`
	DID            string `gorm:"column:did"`
	NameJa         string
	NameEn         string
	Kind           string
	DIDDocument    string `gorm:"column:did_document;type:jsonb"`
	DocumentSource string
	DocumentAt     time.Time
	OrgID          *string
	CreatedBy      *string
	CreatedAt      time.Time

	// Read with the list, never written.
	Achievements int64 `gorm:"->;-:migration"`
	Held         int64 `gorm:"->;-:migration"`
	Counted      int64 `gorm:"->;-:migration"`
}

// TableName maps Issuer to its table.
func (Issuer) TableName() string { return "partner_issuers" }

// Name is the issuer's name in lang.
func (i Issuer) Name(lang string) string {
	if lang == "en" {
		return i.NameEn
	}
	return i.NameJa
}

// foreign is the issuer as credential.VerifyForeign takes it.
func (i Issuer) foreign() (credential.ForeignIssuer, error) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(i.DIDDocument), &doc); err != nil {
		return credential.ForeignIssuer{}, err
	}
	return credential.ForeignIssuer{DID: i.DID, Document: doc}, nil
}

// Mapping is a partner achievement mapped to a skill area.
type Mapping struct {
	IssuerID      string
	AchievementID string
	SkillArea     string
	CreatedAt     time.Time
	// Read with the list.
	SkillNameJa, SkillNameEn string `gorm:"->;-:migration"`
	Held                     int64  `gorm:"->;-:migration"`
}

// TableName maps Mapping to its table.
func (Mapping) TableName() string { return "partner_achievements" }

// Credential is a partner's credential a learner holds.
type Credential struct {
	ID               string `gorm:"primaryKey;default:gen_random_uuid()"`
	IssuerID         string
	CredentialID     string
	UserID           string
	AchievementID    string
	AchievementName  string
	Document         string
	ValidFrom        time.Time
	ValidUntil       *time.Time
	StatusListURL    *string `gorm:"column:status_list_url"`
	StatusIndex      *int
	Source           string
	MatchedBy        string
	AddedAt          time.Time
	RevokedAt        *time.Time
	RevocationReason string
	CountID          *string
	CountedSkillArea *string
}

// TableName maps Credential to its table.
func (Credential) TableName() string { return "partner_credentials" }

// Counted reports whether the credential counts toward programmes now.
func (c Credential) Counted() bool { return c.CountID != nil }

// Sources of a partner credential.
const (
	SourceWallet = "wallet"
	SourceAPI    = "api"
)

// Actor is who acts: a platform admin, a learner, or an API client.
type Actor struct {
	UserID   string
	IP       string
	ClientID string // an API client (push)
	OrgID    string // the API client's organisation
}

func (a Actor) auditEntry(action, targetType, targetID string, details map[string]any) audit.Entry {
	if a.ClientID != "" {
		if details == nil {
			details = map[string]any{}
		}
		details["api_client_id"] = a.ClientID
	}
	return audit.Entry{ActorID: a.UserID, Action: action, TargetType: targetType, TargetID: targetID,
		OrgID: a.OrgID, IP: a.IP, Details: details}
}

// Service is the partner domain.
type Service struct {
	db         *gorm.DB
	production bool
	client     *http.Client
	now        func() time.Time
}

// NewService returns the service. production refuses fetching DID
// documents from inside the operator's network (internal/outbound) and
// over plain http.
func NewService(db *gorm.DB, production bool) *Service {
	return &Service{db: db, production: production, client: outbound.Client(production, 10*time.Second), now: time.Now}
}

// SetClock replaces the service's clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func requirePlatformAdmin(ctx context.Context, tx *gorm.DB, userID string) error {
	if _, err := uuid.Parse(userID); err != nil {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	var ok bool
	if err := tx.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM users
		WHERE id = ? AND is_platform_admin AND disabled_at IS NULL)`, userID).Row().Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return nil
}

func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// --- issuers -----------------------------------------------------------

// IssuerInput is the registration form.
type IssuerInput struct {
	DID      string
	NameJa   string
	NameEn   string
	Kind     string
	Org      string // organisation id or code whose API clients may push; "" for none
	Document string // a pasted DID document (did:web); "" to fetch or derive
	Fetch    bool   // fetch the did:web document now (the admin's action)
}

var didRe = regexp.MustCompile(`^did:(web|key):[A-Za-z0-9._:%-]+$`)

// MaxDocumentBytes bounds a DID document, pasted or fetched.
const MaxDocumentBytes = 256 << 10

// issuerDocument returns the DID document to store for in, and its source.
// Fetching happens only here: on a platform admin's action.
func (s *Service) issuerDocument(ctx context.Context, did, pasted string, fetch bool) (string, string, string) {
	var doc map[string]any
	source := ""
	switch {
	case strings.HasPrefix(did, "did:key:"):
		d, err := credential.DIDKeyDocument(did)
		if err != nil {
			return "", "", "partner.err_did_key"
		}
		doc, source = d, "derived"
	case strings.TrimSpace(pasted) != "":
		if len(pasted) > MaxDocumentBytes {
			return "", "", "partner.err_document_large"
		}
		if err := json.Unmarshal([]byte(pasted), &doc); err != nil || doc == nil {
			return "", "", "partner.err_document_json"
		}
		source = "pasted"
	case fetch:
		d, key := s.fetchDIDDocument(ctx, did)
		if key != "" {
			return "", "", key
		}
		doc, source = d, "fetched"
	default:
		return "", "", "partner.err_document_required"
	}
	if _, err := credential.CheckDIDDocument(did, doc); err != nil {
		return "", "", "partner.err_document_keys"
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", "", "partner.err_document_json"
	}
	return string(b), source, ""
}

// fetchDIDDocument reads a did:web document once, through the outbound
// client (SECURITY: no redirects; in production no address inside the
// operator's network and https only).
func (s *Service) fetchDIDDocument(ctx context.Context, did string) (map[string]any, string) {
	u, err := credential.DIDWebURL(did, !s.production)
	if err != nil {
		return nil, "partner.err_did_format"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "partner.err_did_format"
	}
	req.Header.Set("Accept", "application/did+json, application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, "partner.err_fetch"
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "partner.err_fetch"
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxDocumentBytes+1))
	if err != nil || len(body) > MaxDocumentBytes {
		return nil, "partner.err_document_large"
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil || doc == nil {
		return nil, "partner.err_document_json"
	}
	return doc, ""
}

// resolveOrg finds an organisation by id or code ("" for none).
func resolveOrg(ctx context.Context, tx *gorm.DB, ref string) (*string, bool) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, true
	}
	var id string
	q := `SELECT id::text FROM organisations WHERE code = ?`
	if _, err := uuid.Parse(ref); err == nil {
		q = `SELECT id::text FROM organisations WHERE id = ?`
	}
	if err := tx.WithContext(ctx).Raw(q, ref).Scan(&id).Error; err != nil || id == "" {
		return nil, false
	}
	return &id, true
}

// RegisterIssuer registers a partner issuer with its DID document: derived
// for a did:key, pasted or fetched once (in.Fetch) for a did:web. Only
// platform admins may; audits "partner.issuer_registered". Errors: invalid
// (fields did, name_ja, name_en, kind, org, document), forbidden.
func (s *Service) RegisterIssuer(ctx context.Context, a Actor, in IssuerInput) (*Issuer, error) {
	in.DID = strings.TrimSpace(in.DID)
	errs := map[string]string{}
	if !didRe.MatchString(in.DID) || len(in.DID) > 300 {
		errs["did"] = "partner.err_did_format"
	}
	in.NameJa, in.NameEn = strings.TrimSpace(in.NameJa), strings.TrimSpace(in.NameEn)
	if in.NameJa == "" || len([]rune(in.NameJa)) > 200 {
		errs["name_ja"] = "partner.err_name"
	}
	if in.NameEn == "" || len([]rune(in.NameEn)) > 200 {
		errs["name_en"] = "partner.err_name"
	}
	kindOK := false
	for _, k := range Kinds {
		kindOK = kindOK || k == in.Kind
	}
	if !kindOK {
		errs["kind"] = "partner.err_kind"
	}
	var iss *Issuer
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requirePlatformAdmin(ctx, tx, a.UserID); err != nil {
			return err
		}
		orgID, ok := resolveOrg(ctx, tx, in.Org)
		if !ok {
			errs["org"] = "partner.err_org"
		}
		if errs["did"] == "" {
			var n int64
			if err := tx.Model(&Issuer{}).Where("did = ?", in.DID).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				errs["did"] = "partner.err_did_taken"
			}
		}
		if len(errs) > 0 {
			return apperr.FieldErrors(errs)
		}
		doc, source, key := s.issuerDocument(ctx, in.DID, in.Document, in.Fetch)
		if key != "" {
			return apperr.FieldErrors(map[string]string{"document": key})
		}
		now := s.now()
		row := Issuer{DID: in.DID, NameJa: in.NameJa, NameEn: in.NameEn, Kind: in.Kind, DIDDocument: doc,
			DocumentSource: source, DocumentAt: now, OrgID: orgID, CreatedBy: &a.UserID, CreatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			if isUnique(err) {
				return apperr.FieldErrors(map[string]string{"did": "partner.err_did_taken"})
			}
			return err
		}
		iss = &row
		return audit.Record(ctx, tx, a.auditEntry("partner.issuer_registered", "partner_issuer", row.ID,
			map[string]any{"did": row.DID, "name_ja": row.NameJa, "name_en": row.NameEn, "kind": row.Kind, "document_source": source}))
	})
	return iss, apperr.Coded(err)
}

// RefreshDocument replaces a did:web issuer's stored DID document with a
// pasted one or one fetched now (the admin's action; a did:key's is
// derived again). Only platform admins may; audits
// "partner.document_refreshed". Errors: invalid (document), not_found,
// forbidden.
func (s *Service) RefreshDocument(ctx context.Context, a Actor, issuerID, pasted string, fetch bool) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requirePlatformAdmin(ctx, tx, a.UserID); err != nil {
			return err
		}
		iss, err := lockIssuer(ctx, tx, issuerID)
		if err != nil {
			return err
		}
		doc, source, key := s.issuerDocument(ctx, iss.DID, pasted, fetch)
		if key != "" {
			return apperr.FieldErrors(map[string]string{"document": key})
		}
		if err := tx.Model(&Issuer{}).Where("id = ?", iss.ID).Updates(map[string]any{
			"did_document": doc, "document_source": source, "document_at": s.now()}).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, a.auditEntry("partner.document_refreshed", "partner_issuer", iss.ID,
			map[string]any{"did": iss.DID, "document_source": source}))
	})
	return apperr.Coded(err)
}

// lockRow reads the row of T with this id FOR UPDATE; not_found when the
// id is malformed or there is no such row.
func lockRow[T any](ctx context.Context, tx *gorm.DB, id string) (*T, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var row T
	err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return &row, err
}

func lockIssuer(ctx context.Context, tx *gorm.DB, id string) (*Issuer, error) {
	return lockRow[Issuer](ctx, tx, id)
}

// Issuers lists the registered partner issuers with what they hold.
func (s *Service) Issuers(ctx context.Context) ([]Issuer, error) {
	var out []Issuer
	err := s.db.WithContext(ctx).Raw(`SELECT i.*,
		(SELECT count(*) FROM partner_achievements m WHERE m.issuer_id = i.id) AS achievements,
		(SELECT count(*) FROM partner_credentials c WHERE c.issuer_id = i.id AND c.revoked_at IS NULL) AS held,
		(SELECT count(*) FROM partner_credentials c WHERE c.issuer_id = i.id AND c.count_id IS NOT NULL) AS counted
		FROM partner_issuers i ORDER BY i.created_at, i.id`).Scan(&out).Error
	return out, apperr.Coded(err)
}

// Issuer returns one registered issuer. Errors: not_found.
func (s *Service) Issuer(ctx context.Context, id string) (*Issuer, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var iss Issuer
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&iss).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return &iss, apperr.Coded(err)
}

// IssuerByDID returns the registered issuer of did. Errors: not_found.
func (s *Service) IssuerByDID(ctx context.Context, did string) (*Issuer, error) {
	var iss Issuer
	err := s.db.WithContext(ctx).Where("did = ?", did).Take(&iss).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "partner.err_issuer_unregistered")
	}
	return &iss, apperr.Coded(err)
}

// Mappings lists an issuer's mapped achievements.
func (s *Service) Mappings(ctx context.Context, issuerID string) ([]Mapping, error) {
	var out []Mapping
	err := s.db.WithContext(ctx).Raw(`SELECT m.*, sa.name_ja AS skill_name_ja, sa.name_en AS skill_name_en,
		(SELECT count(*) FROM partner_credentials c WHERE c.issuer_id = m.issuer_id AND c.achievement_id = m.achievement_id
		   AND c.revoked_at IS NULL) AS held
		FROM partner_achievements m JOIN skill_areas sa ON sa.code = m.skill_area
		WHERE m.issuer_id = ? ORDER BY m.achievement_id`, issuerID).Scan(&out).Error
	return out, apperr.Coded(err)
}

// MapAchievement maps (or re-maps) a partner achievement to a skill area,
// so programmes counting that area count it; every credential already held
// for it is counted (or moved) in the same transaction. Only platform
// admins may; audits "partner.achievement_mapped". Errors: invalid (fields
// achievement_id, skill_area), not_found, forbidden.
func (s *Service) MapAchievement(ctx context.Context, a Actor, issuerID, achievementID, skillArea string) error {
	achievementID, skillArea = strings.TrimSpace(achievementID), strings.TrimSpace(skillArea)
	errs := map[string]string{}
	if achievementID == "" || len(achievementID) > 500 {
		errs["achievement_id"] = "partner.err_achievement_id"
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requirePlatformAdmin(ctx, tx, a.UserID); err != nil {
			return err
		}
		iss, err := lockIssuer(ctx, tx, issuerID)
		if err != nil {
			return err
		}
		var known int64
		if err := tx.Raw(`SELECT count(*) FROM skill_areas WHERE code = ?`, skillArea).Scan(&known).Error; err != nil {
			return err
		}
		if known == 0 {
			errs["skill_area"] = "partner.err_skill_area"
		}
		if len(errs) > 0 {
			return apperr.FieldErrors(errs)
		}
		if err := tx.Exec(`INSERT INTO partner_achievements (issuer_id, achievement_id, skill_area) VALUES (?, ?, ?)
			ON CONFLICT (issuer_id, achievement_id) DO UPDATE SET skill_area = EXCLUDED.skill_area`,
			iss.ID, achievementID, skillArea).Error; err != nil {
			return err
		}
		var held []Credential
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("issuer_id = ? AND achievement_id = ?", iss.ID, achievementID).
			Find(&held).Error; err != nil {
			return err
		}
		for i := range held {
			if err := s.recount(ctx, tx, &held[i]); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, a.auditEntry("partner.achievement_mapped", "partner_issuer", iss.ID,
			map[string]any{"achievement_id": achievementID, "skill_area": skillArea, "credentials": len(held)}))
	})
	return apperr.Coded(err)
}

// --- counting ------------------------------------------------------------

// recount brings c's counting in line with the rules, appending the
// learning events that say so: a credential counts when it is not revoked
// and its achievement is mapped to a skill area. A change of skill area
// is a stop (partner_credential_revoked) and a new count. c is updated.
func (s *Service) recount(ctx context.Context, tx *gorm.DB, c *Credential) error {
	want := ""
	if c.RevokedAt == nil {
		if err := tx.WithContext(ctx).Raw(`SELECT skill_area FROM partner_achievements WHERE issuer_id = ? AND achievement_id = ?`,
			c.IssuerID, c.AchievementID).Scan(&want).Error; err != nil {
			return err
		}
	}
	have := ""
	if c.CountedSkillArea != nil {
		have = *c.CountedSkillArea
	}
	if want == have && (want == "") == (c.CountID == nil) {
		return nil
	}
	if c.CountID != nil {
		if err := learning.AppendPartnerEvent(ctx, tx, learning.PartnerEvent{Type: learning.EventPartnerCredentialRevoked,
			UserID: c.UserID, IssuerID: c.IssuerID, SkillArea: have, At: s.now(),
			Details: map[string]any{"credential_id": *c.CountID, "partner_credential_id": c.ID}}); err != nil {
			return err
		}
		c.CountID, c.CountedSkillArea = nil, nil
	}
	if want != "" {
		id := uuid.NewString()
		at := c.ValidFrom
		if at.After(s.now()) {
			at = s.now()
		}
		if err := learning.AppendPartnerEvent(ctx, tx, learning.PartnerEvent{Type: learning.EventPartnerCredentialCounted,
			UserID: c.UserID, IssuerID: c.IssuerID, SkillArea: want, At: at,
			Details: map[string]any{"credential_id": id, "partner_credential_id": c.ID, "achievement_id": c.AchievementID}}); err != nil {
			return err
		}
		c.CountID, c.CountedSkillArea = &id, &want
	}
	return tx.WithContext(ctx).Model(&Credential{}).Where("id = ?", c.ID).
		Updates(map[string]any{"count_id": c.CountID, "counted_skill_area": c.CountedSkillArea}).Error
}

// revokeLocked marks c revoked (c locked by the caller) and stops its count.
func (s *Service) revokeLocked(ctx context.Context, tx *gorm.DB, c *Credential, reason string) error {
	if c.RevokedAt != nil {
		return nil
	}
	now := s.now()
	c.RevokedAt, c.RevocationReason = &now, reason
	if err := tx.WithContext(ctx).Model(&Credential{}).Where("id = ?", c.ID).
		Updates(map[string]any{"revoked_at": now, "revocation_reason": reason}).Error; err != nil {
		return err
	}
	return s.recount(ctx, tx, c)
}

// RevokeCredential records a partner's revocation a platform admin learnt
// of (the partner told them), so the credential stops counting. Audits
// "partner.credential_revoked". Errors: invalid (reason), not_found,
// forbidden.
func (s *Service) RevokeCredential(ctx context.Context, a Actor, id, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 500 {
		return apperr.FieldErrors(map[string]string{"reason": "partner.err_reason"})
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requirePlatformAdmin(ctx, tx, a.UserID); err != nil {
			return err
		}
		c, err := lockCredential(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.RevokedAt != nil {
			return apperr.New(apperr.Conflict, "partner.err_already_revoked")
		}
		if err := s.revokeLocked(ctx, tx, c, reason); err != nil {
			return err
		}
		return audit.Record(ctx, tx, a.auditEntry("partner.credential_revoked", "partner_credential", c.ID,
			map[string]any{"reason": reason, "issuer_id": c.IssuerID}))
	})
	return apperr.Coded(err)
}

func lockCredential(ctx context.Context, tx *gorm.DB, id string) (*Credential, error) {
	return lockRow[Credential](ctx, tx, id)
}

// --- status lists --------------------------------------------------------

// AddStatusList stores a partner's signed status list credential (pasted
// by an admin, or pushed by the partner's API client) after verifying it
// against the stored DID document, and revokes every held credential whose
// bit is set. It returns how many it revoked. Audits
// "partner.status_list_updated". Errors: invalid (status_list), not_found,
// forbidden.
func (s *Service) AddStatusList(ctx context.Context, a Actor, issuerID string, raw []byte) (int, error) {
	revoked := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		iss, err := lockIssuer(ctx, tx, issuerID)
		if err != nil {
			return err
		}
		switch {
		case a.ClientID != "":
			if iss.OrgID == nil || *iss.OrgID != a.OrgID {
				return apperr.New(apperr.Forbidden, "partner.err_not_your_issuer")
			}
		default:
			if err := requirePlatformAdmin(ctx, tx, a.UserID); err != nil {
				return err
			}
		}
		n, err := s.storeStatusList(ctx, tx, iss, raw)
		if err != nil {
			return err
		}
		revoked = n
		return audit.Record(ctx, tx, a.auditEntry("partner.status_list_updated", "partner_issuer", iss.ID,
			map[string]any{"revoked": n}))
	})
	return revoked, apperr.Coded(err)
}

// storeStatusList verifies and stores raw for iss and applies it.
func (s *Service) storeStatusList(ctx context.Context, tx *gorm.DB, iss *Issuer, raw []byte) (int, error) {
	fi, err := iss.foreign()
	if err != nil {
		return 0, err
	}
	url, list, err := credential.VerifyForeignStatusList(raw, fi)
	if err != nil || url == "" {
		return 0, apperr.Wrap(apperr.Invalid, "partner.err_status_list", err)
	}
	if err := tx.WithContext(ctx).Exec(`INSERT INTO partner_status_lists (issuer_id, url, document, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (issuer_id, url) DO UPDATE SET document = EXCLUDED.document, updated_at = EXCLUDED.updated_at`,
		iss.ID, url, string(raw), s.now()).Error; err != nil {
		return 0, err
	}
	var held []Credential
	if err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("issuer_id = ? AND status_list_url = ? AND revoked_at IS NULL", iss.ID, url).Find(&held).Error; err != nil {
		return 0, err
	}
	n := 0
	for i := range held {
		c := &held[i]
		if c.StatusIndex == nil || *c.StatusIndex >= list.Len() {
			continue
		}
		if set, _ := list.Get(*c.StatusIndex); set {
			if err := s.revokeLocked(ctx, tx, c, statusListReason); err != nil {
				return 0, err
			}
			n++
		}
	}
	return n, nil
}

// statusLookup returns the known status list credentials of an issuer
// (supplied first: pushed with a credential, not yet stored).
func (s *Service) statusLookup(ctx context.Context, db *gorm.DB, issuerID string, supplied map[string][]byte) credential.ForeignStatus {
	return func(url string) []byte {
		if b, ok := supplied[url]; ok {
			return b
		}
		var doc string
		if err := db.WithContext(ctx).Raw(`SELECT document FROM partner_status_lists WHERE issuer_id = ? AND url = ?`,
			issuerID, url).Scan(&doc).Error; err != nil || doc == "" {
			return nil
		}
		return []byte(doc)
	}
}

// ErrNotPartner is returned by Verify's caller check when the issuer is ours.
var ErrNotPartner = fmt.Errorf("partner: not a partner credential")

// statusListReason is the revocation reason of a credential the partner's
// status list revokes (shown as is on /verify, in both languages).
const statusListReason = "提携先の失効リストで失効 / Revoked in the partner's status list"
