package credential

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/catalog"
	"takumi/internal/i18n"
	"takumi/internal/learning"
	"takumi/internal/org"
)

// Credential is one issued credential as stored. Document is the signed
// JSON byte for byte as issued.
type Credential struct {
	ID               string `gorm:"primaryKey"`
	EnrolmentID      *string
	PathID           *string
	UserID           string
	CourseID         *string
	ProviderID       *string
	StatusListID     string
	StatusIndex      int
	IssuedAt         time.Time
	ValidFrom        time.Time
	ValidUntil       *time.Time
	RevokedAt        *time.Time
	RevocationReason string
	KeyID            string
	Document         string
}

// TableName maps Credential to its table.
func (Credential) TableName() string { return "credentials" }

// Expired reports whether the credential's validity has ended at now.
func (c *Credential) Expired(now time.Time) bool {
	return c.ValidUntil != nil && !now.Before(*c.ValidUntil)
}

// Holding is a credential with what a page shows about it.
type Holding struct {
	Credential
	Name           i18n.Text `gorm:"embedded;embeddedPrefix:name_"`     // the achievement (course or learning path)
	Provider       i18n.Text `gorm:"embedded;embeddedPrefix:provider_"` // the provider's name
	AchievementURL string
	// Hours and SkillArea describe a course credential's course (the
	// certificate prints them); nil and blank for a learning path.
	Hours     *float64
	SkillArea i18n.Text `gorm:"embedded;embeddedPrefix:skill_"`
}

// OperatorName is the platform named as the operator in every issuer profile.
const OperatorName = "Takumi"

// Service issues, lists, revokes and verifies credentials. It holds the
// operator's keyring (loaded once at start: restart after `takumi keys
// rotate`) and the issuer's did:web identifier derived from the base URL.
type Service struct {
	db *gorm.DB
	// reads serves the public credential pages and status lists: the
	// streaming replica while it is healthy (UseReads, docs/deployment.md).
	reads    *gorm.DB
	keys     *Keyring
	did      string
	baseURL  string
	messages *i18n.Catalog
	now      func() time.Time
	onVerify func(source string, v Verdict) // see OnVerify
	onRevoke RevokeHook                     // see OnRevoke

	mu          sync.Mutex
	statusCache map[string]cachedStatus
}

type cachedStatus struct {
	updatedAt time.Time
	body      []byte
}

// NewService returns the credential service for the platform at baseURL.
func NewService(db *gorm.DB, keys *Keyring, baseURL string, messages *i18n.Catalog) (*Service, error) {
	did, err := DIDWeb(baseURL)
	if err != nil {
		return nil, err
	}
	if err := keys.validate(); err != nil {
		return nil, err
	}
	return &Service{db: db, reads: db, keys: keys, did: did, baseURL: strings.TrimRight(baseURL, "/"), messages: messages,
		now: time.Now, statusCache: map[string]cachedStatus{}}, nil
}

// UseReads makes the public credential pages and status lists read from
// reads (database.DB's Reads: the replica while it is healthy).
func (s *Service) UseReads(reads *gorm.DB) { s.reads = reads }

// DID is the issuer's did:web identifier.
func (s *Service) DID() string { return s.did }

// DIDDocument is the issuer's DID document: every key that ever signed.
func (s *Service) DIDDocument() map[string]any { return DIDDocument(s.did, s.keys.Keys) }

// PageURL is the public verification page of credential id.
func (s *Service) PageURL(id string) string { return s.baseURL + "/credentials/" + id }

// StatusListURL is the URL of the signed status list credential listID.
func (s *Service) StatusListURL(listID string) string {
	return s.baseURL + "/credentials/status/" + listID
}

// resolveKey finds our public key for a verification method id.
func (s *Service) resolveKey(vm string) (ed25519.PublicKey, error) {
	prefix := s.did + "#"
	if !strings.HasPrefix(vm, prefix) {
		return nil, fmt.Errorf("%w: %s", ErrUnknownKey, vm)
	}
	k, ok := s.keys.Lookup(strings.TrimPrefix(vm, prefix))
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownKey, vm)
	}
	return k.Public, nil
}

// issueSpec is what one credential is for.
type issueSpec struct {
	userID, email        string
	enrolmentID, pathID  string
	courseID, providerID string // courseID: the course whose completion earned it
	providerName         string
	achievementURL       string
	nameJa, nameEn       string
	descJa, descEn       string
	criteria             string
	alignments           []Alignment
	validMonths          *int
	at                   time.Time
	art                  BadgeArt // the achievement image
}

// IssueForEnrolment issues the credential of a completed enrolment inside
// tx, the transaction that completed it, so a completion and its credential
// commit together. It is idempotent: an enrolment that already has a
// credential gets no second one (the credentials.enrolment_id UNIQUE
// constraint backs this when completions race). It then issues the
// credential of every learning path the completion finishes. It is the
// learning service's completion hook.
func (s *Service) IssueForEnrolment(ctx context.Context, tx *gorm.DB, e learning.Enrolment, at time.Time) error {
	db := tx.WithContext(ctx)
	// Lock the enrolment so concurrent calls for it queue here; the first
	// issues, the rest find its credential.
	if err := db.Exec(`SELECT 1 FROM enrolments WHERE id = ? FOR UPDATE`, e.ID).Error; err != nil {
		return err
	}
	var exists bool
	if err := db.Raw(`SELECT EXISTS (SELECT 1 FROM credentials WHERE enrolment_id = ?)`, e.ID).Scan(&exists).Error; err != nil {
		return err
	}
	if exists {
		return nil
	}
	var c struct {
		Email                  string
		ProviderID             string
		ProviderCode           *string
		ProviderJa, ProviderEn string
		Code                   string
		TitleJa, TitleEn       *string
		SummaryJa, SummaryEn   *string
		SkillAreaCode          *string
		SkillJa                *string
		Level                  *string
		CredentialValidMonths  *int
	}
	if err := db.Raw(`SELECT u.email, c.provider_id, o.code AS provider_code, o.name_ja AS provider_ja, o.name_en AS provider_en,
		       c.code, c.title_ja, c.title_en, c.summary_ja, c.summary_en, c.skill_area_code, c.credential_valid_months,
		       c.level, (SELECT name_ja FROM skill_areas WHERE code = c.skill_area_code) AS skill_ja
		FROM courses c JOIN organisations o ON o.id = c.provider_id, users u
		WHERE c.id = ? AND u.id = ?`, e.CourseID, e.UserID).Scan(&c).Error; err != nil {
		return err
	}
	if c.Email == "" {
		return fmt.Errorf("issue credential: enrolment %s: course or user not found", e.ID)
	}
	ref := c.ProviderID
	if c.ProviderCode != nil && *c.ProviderCode != "" {
		ref = *c.ProviderCode
	}
	alignments, err := s.alignments(ctx, tx, deref(c.SkillAreaCode))
	if err != nil {
		return err
	}
	nameJa := deref(c.TitleJa)
	if nameJa == "" {
		nameJa = c.Code
	}
	spec := issueSpec{
		userID: e.UserID, email: c.Email, enrolmentID: e.ID, courseID: e.CourseID, providerID: c.ProviderID,
		providerName:   jaSlashEn(c.ProviderJa, c.ProviderEn),
		achievementURL: s.baseURL + "/courses/" + url.PathEscape(ref) + "/" + url.PathEscape(c.Code),
		nameJa:         nameJa, nameEn: deref(c.TitleEn), descJa: deref(c.SummaryJa), descEn: deref(c.SummaryEn),
		criteria: "講座「" + nameJa + "」のすべての必修レッスンを修了し、必要なクイズに合格した。 / Completed every required lesson of the course" +
			enQuoted(deref(c.TitleEn)) + " and passed its required quizzes.",
		alignments: alignments, validMonths: c.CredentialValidMonths, at: at,
		art: BadgeArt{Title: nameJa, Skill: deref(c.SkillJa), SkillCode: deref(c.SkillAreaCode),
			Level: s.levelName(deref(c.Level)), Provider: c.ProviderJa},
	}
	if _, err := s.issue(ctx, tx, spec); err != nil {
		return err
	}
	return s.issuePaths(ctx, tx, e, at)
}

// issuePaths issues the credential of each learning path containing e's
// course that the learner has now completed in full, unless they already
// hold one that has not expired. An advisory lock per path and learner
// serialises concurrent completions of a path's last two courses.
func (s *Service) issuePaths(ctx context.Context, tx *gorm.DB, e learning.Enrolment, at time.Time) error {
	db := tx.WithContext(ctx)
	var paths []struct {
		ID, Code, ProviderID         string
		ProviderCode                 *string
		ProviderJa, ProviderEn       string
		TitleJa, TitleEn             string
		DescriptionJa, DescriptionEn string
		CredentialValidMonths        *int
	}
	if err := db.Raw(`SELECT p.id, p.code, p.provider_id, o.code AS provider_code, o.name_ja AS provider_ja, o.name_en AS provider_en,
		       p.title_ja, p.title_en, p.description_ja, p.description_en, p.credential_valid_months
		FROM learning_paths p JOIN organisations o ON o.id = p.provider_id
		WHERE p.id IN (SELECT path_id FROM learning_path_courses WHERE course_id = ?)
		  AND NOT EXISTS (SELECT 1 FROM learning_path_courses pc WHERE pc.path_id = p.id
		        AND NOT EXISTS (SELECT 1 FROM enrolments x WHERE x.user_id = ? AND x.course_id = pc.course_id AND x.status = 'completed'))
		ORDER BY p.id`, e.CourseID, e.UserID).Scan(&paths).Error; err != nil {
		return err
	}
	for _, p := range paths {
		if err := db.Exec(`SELECT pg_advisory_xact_lock(hashtextextended(?, 7245002))`, p.ID+"/"+e.UserID).Error; err != nil {
			return err
		}
		var held bool
		if err := db.Raw(`SELECT EXISTS (SELECT 1 FROM credentials WHERE path_id = ? AND user_id = ?
			AND revoked_at IS NULL AND (valid_until IS NULL OR valid_until > ?))`, p.ID, e.UserID, at).Scan(&held).Error; err != nil {
			return err
		}
		if held {
			continue
		}
		var email string
		if err := db.Raw(`SELECT email FROM users WHERE id = ?`, e.UserID).Scan(&email).Error; err != nil {
			return err
		}
		ref := p.ProviderID
		if p.ProviderCode != nil && *p.ProviderCode != "" {
			ref = *p.ProviderCode
		}
		var skills []string
		if err := db.Raw(`SELECT DISTINCT c.skill_area_code FROM learning_path_courses pc JOIN courses c ON c.id = pc.course_id
			WHERE pc.path_id = ? AND c.skill_area_code IS NOT NULL ORDER BY 1`, p.ID).Scan(&skills).Error; err != nil {
			return err
		}
		var alignments []Alignment
		for _, code := range skills {
			al, err := s.alignments(ctx, tx, code)
			if err != nil {
				return err
			}
			alignments = appendNewAlignments(alignments, al)
		}
		spec := issueSpec{
			userID: e.UserID, email: email, pathID: p.ID, courseID: e.CourseID, providerID: p.ProviderID,
			providerName:   jaSlashEn(p.ProviderJa, p.ProviderEn),
			achievementURL: s.baseURL + "/paths/" + url.PathEscape(ref) + "/" + url.PathEscape(p.Code),
			nameJa:         p.TitleJa, nameEn: p.TitleEn, descJa: p.DescriptionJa, descEn: p.DescriptionEn,
			criteria: "学習パス「" + p.TitleJa + "」のすべての講座を修了した。 / Completed every course of the learning path" +
				enQuoted(p.TitleEn) + ".",
			alignments: alignments, validMonths: p.CredentialValidMonths, at: at,
			art: BadgeArt{Title: p.TitleJa, SkillCode: strings.Join(skills, ","), Provider: p.ProviderJa,
				Level: s.messages.For("ja").T("credential.badge_path") + " · " + s.messages.For("en").T("credential.badge_path")},
		}
		if len(alignments) > 0 {
			spec.art.Skill, _, _ = strings.Cut(alignments[0].TargetName, " / ")
		}
		if _, err := s.issue(ctx, tx, spec); err != nil {
			return err
		}
	}
	return nil
}

func appendNewAlignments(have, add []Alignment) []Alignment {
	for _, a := range add {
		dup := false
		for _, h := range have {
			if h.TargetURL == a.TargetURL && h.TargetCode == a.TargetCode {
				dup = true
				break
			}
		}
		if !dup {
			have = append(have, a)
		}
	}
	return have
}

// levelName is a course level in both languages ("入門 · Introductory"), or "".
func (s *Service) levelName(level string) string {
	if level == "" {
		return ""
	}
	key := "catalog.level_" + level
	return s.messages.For("ja").T(key) + " · " + s.messages.For("en").T(key)
}

// DSSFramework names Japan's Digital Skill Standards in alignments.
const (
	DSSFramework = "デジタルスキル標準 (DSS) / Digital Skill Standards"
	DSSURL       = "https://www.ipa.go.jp/jinzai/skill-standard/dss/index.html"
	TaxonomyName = "Takumi スキル分類 / Takumi skills taxonomy"
)

// alignments returns the skill area's alignment (the platform's taxonomy)
// and one per Digital Skill Standards entry it maps to.
func (s *Service) alignments(ctx context.Context, tx *gorm.DB, skillCode string) ([]Alignment, error) {
	if skillCode == "" {
		return nil, nil
	}
	var sk struct {
		NameJa, NameEn string
		DSS            string
	}
	if err := tx.WithContext(ctx).Raw(`SELECT name_ja, name_en, array_to_string(dss_alignment, ',') AS dss FROM skill_areas WHERE code = ?`,
		skillCode).Scan(&sk).Error; err != nil {
		return nil, err
	}
	if sk.NameJa == "" {
		return nil, nil
	}
	out := []Alignment{{TargetName: jaSlashEn(sk.NameJa, sk.NameEn), TargetURL: s.baseURL + "/courses?skill=" + url.QueryEscape(skillCode),
		TargetCode: skillCode, TargetFramework: TaxonomyName}}
	ja, en := s.messages.For("ja"), s.messages.For("en")
	for _, code := range strings.Split(sk.DSS, ",") {
		if code == "" {
			continue
		}
		out = append(out, Alignment{TargetName: jaSlashEn(ja.T(catalog.DSSKey(code)), en.T(catalog.DSSKey(code))),
			TargetURL: DSSURL, TargetCode: code, TargetFramework: DSSFramework})
	}
	return out, nil
}

// issue allocates a status entry, builds and signs the credential, stores
// it and appends "credential_issued" to the learning-event log, all in tx.
func (s *Service) issue(ctx context.Context, tx *gorm.DB, sp issueSpec) (*Credential, error) {
	listID, index, err := AllocateStatusIndex(ctx, tx, StatusPurposeRevocation)
	if err != nil {
		return nil, err
	}
	id := uuid.NewString()
	var saltBytes [16]byte
	if _, err := rand.Read(saltBytes[:]); err != nil {
		return nil, err
	}
	at := sp.at.UTC().Truncate(time.Second)
	logo, err := org.LogoIn(ctx, tx, sp.providerID)
	if err != nil {
		return nil, err
	}
	in := BadgeInput{
		ID: "urn:uuid:" + id, IssuerID: s.did, IssuerName: sp.providerName, OperatorName: OperatorName,
		ValidFrom: at, RecipientEmail: sp.email, RecipientSalt: hex.EncodeToString(saltBytes[:]),
		AchievementID: sp.achievementURL, NameJA: sp.nameJa, NameEN: sp.nameEn,
		DescriptionJA: sp.descJa, DescriptionEN: sp.descEn, CriteriaNarrative: sp.criteria,
		Alignments: sp.alignments, StatusListCredential: s.StatusListURL(listID), StatusListIndex: index,
		AchievementImage: AchievementImage(sp.art), IssuerImage: IssuerImageWithLogo(sp.providerName, logo),
	}
	var validUntil *time.Time
	if sp.validMonths != nil {
		u := at.AddDate(0, *sp.validMonths, 0)
		in.ValidUntil, validUntil = u, &u
	}
	unsigned, err := BuildOpenBadge(in)
	if err != nil {
		return nil, err
	}
	key := s.keys.Active()
	signed, err := Sign(unsigned, key.Private, VerificationMethodID(s.did, key), at)
	if err != nil {
		return nil, err
	}
	doc, err := json.Marshal(signed)
	if err != nil {
		return nil, err
	}
	c := &Credential{ID: id, EnrolmentID: optional(sp.enrolmentID), PathID: optional(sp.pathID), UserID: sp.userID,
		CourseID: optional(sp.courseID), ProviderID: optional(sp.providerID), StatusListID: listID, StatusIndex: index,
		IssuedAt: at, ValidFrom: at, ValidUntil: validUntil, KeyID: key.ID, Document: string(doc)}
	if sp.pathID != "" {
		c.CourseID = nil // a path credential is for the path; the event below still names the completing course
	}
	if err := tx.WithContext(ctx).Create(c).Error; err != nil {
		return nil, err
	}
	details := map[string]any{"credential_id": id}
	if sp.pathID != "" {
		details["path_id"] = sp.pathID
	}
	if err := learning.AppendEvent(ctx, tx, learning.Event{Type: learning.EventCredentialIssued, UserID: sp.userID,
		EnrolmentID: sp.enrolmentID, CourseID: sp.courseID, At: sp.at, Details: details}); err != nil {
		return nil, err
	}
	return c, nil
}

// Actor is the person revoking.
type Actor struct {
	UserID          string
	IP              string
	IsPlatformAdmin bool
	AdminOf         []string // organisations the person administers
}

// MaxReasonLength bounds a revocation reason.
const MaxReasonLength = 500

// Revoke revokes credential id with reason: the status list bit is set, the
// credential row records when and why, "credential_revoked" is appended to
// the learning-event log and the audit log records who did it, all in one
// transaction. Only a platform admin or an admin of the issuing provider may
// revoke; anyone else gets not_found. Errors: not_found, conflict
// ("credential.err_already_revoked"), invalid (field "reason").
func (s *Service) Revoke(ctx context.Context, a Actor, id, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return apperr.FieldErrors(map[string]string{"reason": "credential.err_reason_required"})
	}
	if len([]rune(reason)) > MaxReasonLength {
		return apperr.FieldErrors(map[string]string{"reason": "credential.err_reason_too_long"})
	}
	if _, err := uuid.Parse(id); err != nil {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c Credential
		err := tx.Raw(`SELECT * FROM credentials WHERE id = ? FOR UPDATE`, id).Scan(&c).Error
		if err != nil {
			return err
		}
		if c.ID == "" || !a.mayRevoke(c) {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if c.RevokedAt != nil {
			return apperr.New(apperr.Conflict, "credential.err_already_revoked")
		}
		now := s.now()
		if err := SetStatusBit(ctx, tx, c.StatusListID, c.StatusIndex); err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE credentials SET revoked_at = ?, revocation_reason = ? WHERE id = ?`, now, reason, id).Error; err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "credential.revoke", TargetType: "credential",
			TargetID: id, OrgID: deref(c.ProviderID), IP: a.IP, Details: map[string]any{"reason": reason,
				"status_list": c.StatusListID, "status_index": c.StatusIndex}}); err != nil {
			return err
		}
		courseID := deref(c.CourseID)
		if courseID == "" { // a path credential: name a course of the path for the event's dimensions
			if err := tx.Raw(`SELECT course_id FROM learning_path_courses WHERE path_id = ? ORDER BY position DESC LIMIT 1`,
				deref(c.PathID)).Scan(&courseID).Error; err != nil {
				return err
			}
		}
		details := map[string]any{"credential_id": id}
		if c.PathID != nil {
			details["path_id"] = *c.PathID
		}
		if err := learning.AppendEvent(ctx, tx, learning.Event{Type: learning.EventCredentialRevoked, UserID: c.UserID,
			EnrolmentID: deref(c.EnrolmentID), CourseID: courseID, At: now, Details: details}); err != nil {
			return err
		}
		if s.onRevoke == nil {
			return nil
		}
		c.RevokedAt, c.RevocationReason = &now, reason
		return s.onRevoke(ctx, tx, c)
	})
	return apperr.Coded(err)
}

func (a Actor) mayRevoke(c Credential) bool {
	if a.IsPlatformAdmin {
		return true
	}
	for _, org := range a.AdminOf {
		if c.ProviderID != nil && org == *c.ProviderID {
			return true
		}
	}
	return false
}

// holdingSelect reads credentials with their achievement and provider names.
const holdingSelect = `SELECT cr.*,
	coalesce(c.title_ja, p.title_ja, '') AS name_ja, coalesce(c.title_en, p.title_en, '') AS name_en,
	coalesce(o.name_ja, '') AS provider_ja, coalesce(o.name_en, '') AS provider_en,
	c.estimated_hours::float8 AS hours, coalesce(sa.name_ja, '') AS skill_ja, coalesce(sa.name_en, '') AS skill_en
	FROM credentials cr
	LEFT JOIN courses c ON c.id = cr.course_id AND cr.path_id IS NULL
	LEFT JOIN skill_areas sa ON sa.code = c.skill_area_code
	LEFT JOIN learning_paths p ON p.id = cr.path_id
	LEFT JOIN organisations o ON o.id = cr.provider_id `

// Get returns credential id for its public page. Errors: not_found.
func (s *Service) Get(ctx context.Context, id string) (*Holding, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var h Holding
	res := s.reads.WithContext(ctx).Raw(holdingSelect+`WHERE cr.id = ?`, id).Scan(&h)
	if res.Error == nil && res.RowsAffected == 0 && s.reads != s.db {
		// Issued a moment ago, perhaps, and not yet on the replica: a
		// learner opening their new credential must not see 404.
		res = s.db.WithContext(ctx).Raw(holdingSelect+`WHERE cr.id = ?`, id).Scan(&h)
	}
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	s.fillAchievementURL(&h)
	return &h, nil
}

// ListForUser returns the learner's own credentials, newest first.
func (s *Service) ListForUser(ctx context.Context, userID string) ([]Holding, error) {
	var hs []Holding
	if err := s.db.WithContext(ctx).Raw(holdingSelect+`WHERE cr.user_id = ? ORDER BY cr.issued_at DESC, cr.id`, userID).Scan(&hs).Error; err != nil {
		return nil, err
	}
	for i := range hs {
		s.fillAchievementURL(&hs[i])
	}
	return hs, nil
}

// fillAchievementURL takes the achievement's URL from the signed document.
func (s *Service) fillAchievementURL(h *Holding) {
	var doc struct {
		CredentialSubject struct {
			Achievement struct {
				ID string `json:"id"`
			} `json:"achievement"`
		} `json:"credentialSubject"`
	}
	if json.Unmarshal([]byte(h.Document), &doc) == nil {
		h.AchievementURL = doc.CredentialSubject.Achievement.ID
	}
}

// StatusListCredential returns the signed BitstringStatusListCredential of
// listID as JSON, and when the list last changed. The signed form is cached
// until the list changes. Errors: not_found.
func (s *Service) StatusListCredential(ctx context.Context, listID string) ([]byte, time.Time, error) {
	var updated time.Time
	res := s.reads.WithContext(ctx).Raw(`SELECT updated_at FROM status_lists WHERE id = ?`, listID).Scan(&updated)
	if res.Error != nil {
		return nil, time.Time{}, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, time.Time{}, apperr.New(apperr.NotFound, "error.not_found")
	}
	s.mu.Lock()
	c, ok := s.statusCache[listID]
	s.mu.Unlock()
	if ok && c.updatedAt.Equal(updated) {
		return c.body, updated, nil
	}
	row, list, err := LoadStatusList(ctx, s.reads, listID)
	if err != nil {
		return nil, time.Time{}, err
	}
	encoded, err := list.Encode()
	if err != nil {
		return nil, time.Time{}, err
	}
	at := row.UpdatedAt.UTC().Truncate(time.Second)
	doc := map[string]any{
		"@context":  []any{ContextCredentialsV2},
		"id":        s.StatusListURL(listID),
		"type":      []any{TypeVerifiableCredential, "BitstringStatusListCredential"},
		"issuer":    s.did,
		"validFrom": xsdDateTimeOf(at),
		"credentialSubject": map[string]any{
			"id":            s.StatusListURL(listID) + "#list",
			"type":          "BitstringStatusList",
			"statusPurpose": row.Purpose,
			"encodedList":   encoded,
		},
	}
	key := s.keys.Active()
	signed, err := Sign(doc, key.Private, VerificationMethodID(s.did, key), at)
	if err != nil {
		return nil, time.Time{}, err
	}
	body, err := json.Marshal(signed)
	if err != nil {
		return nil, time.Time{}, err
	}
	s.mu.Lock()
	s.statusCache[listID] = cachedStatus{updatedAt: row.UpdatedAt, body: body}
	s.mu.Unlock()
	return body, row.UpdatedAt, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// jaSlashEn joins a Japanese and an English name ("名前 / Name"), or returns
// the Japanese one alone.
func jaSlashEn(ja, en string) string {
	if strings.TrimSpace(en) == "" || en == ja {
		return ja
	}
	return ja + " / " + en
}

func enQuoted(en string) string {
	if en == "" {
		return ""
	}
	return " \u201c" + en + "\u201d"
}

// RevokeHook runs inside the transaction that revokes a credential (the
// integration API's credential.revoked webhook, issue 19); c carries its
// revocation time and reason.
type RevokeHook func(ctx context.Context, tx *gorm.DB, c Credential) error

// OnRevoke sets the hook run when a credential is revoked.
func (s *Service) OnRevoke(h RevokeHook) { s.onRevoke = h }
