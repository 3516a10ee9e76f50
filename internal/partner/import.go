package partner

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/credential"
	"takumi/internal/emailaddr"
)

// ImportInput is a partner credential to add to a learner's wallet.
type ImportInput struct {
	Raw []byte // the credential's JSON
	// StatusList is a signed status list credential supplied with it (optional).
	StatusList []byte
	// UserID is the learner adding it to their own wallet (SourceWallet);
	// Confirmed is their statement that it was issued to them, needed when
	// the credential names no email address.
	UserID    string
	Confirmed bool
	// Email is the learner a partner's API client pushes it for (SourceAPI);
	// it must match the credential's identity hash.
	Email string
}

// ImportResult is what Import did.
type ImportResult struct {
	Credential *Credential
	Issuer     *Issuer
	Report     *credential.Report
	// Existing is true when the same credential was already held by the
	// same learner (nothing changed: a push or upload repeated).
	Existing bool
}

// ImportError is a refused credential: the coded error, and the report of
// the checks when verification ran.
type ImportError struct {
	Err    *apperr.Error
	Report *credential.Report
}

func (e *ImportError) Error() string { return e.Err.Error() }

// Unwrap gives the coded error (apperr.As finds it).
func (e *ImportError) Unwrap() error { return e.Err }

func refuse(code apperr.Code, key string, r *credential.Report) error {
	return &ImportError{Err: apperr.New(code, key), Report: r}
}

// AsImportError returns err's report when Import refused a credential.
func AsImportError(err error) (*ImportError, bool) {
	var ie *ImportError
	ok := errors.As(err, &ie)
	return ie, ok
}

// Import verifies a partner's Open Badges 3.0 credential and adds it to a
// learner's wallet: the issuer must be registered; the signature is
// checked against the stored DID document; a revoked status (from the
// stored status list or one supplied), or dates outside validFrom /
// validUntil, refuse it; the credential's email identifier (identityHash,
// with its salt) must be the learner's, or the learner confirms it is
// theirs when it names no email (wallet only). The same credential id is
// held once; the same learner and achievement of the same partner once.
// When the achievement is mapped, the credential is counted in the same
// transaction (a learning event). Audits "partner.credential_added".
// Errors (*ImportError, apperr codes): invalid (the key says why:
// partner.err_issuer_unregistered, partner.err_not_verified,
// partner.err_revoked, partner.err_expired, partner.err_not_yet_valid,
// partner.err_other_person, partner.err_confirm_required,
// partner.err_no_identifier, partner.err_status_list), forbidden
// (partner.err_not_your_issuer), not_found (partner.err_learner_unknown),
// conflict (partner.err_already_held, partner.err_credential_elsewhere).
func (s *Service) Import(ctx context.Context, a Actor, in ImportInput) (*ImportResult, error) {
	source := SourceWallet
	if a.ClientID != "" {
		source = SourceAPI
	}
	did := credential.PresentedIssuer(in.Raw)
	iss, err := s.IssuerByDID(ctx, did)
	if apperr.Is(err, apperr.NotFound) {
		r, _ := credential.VerifyForeign(in.Raw, credential.ForeignIssuer{DID: did}, nil, s.now())
		return nil, refuse(apperr.Invalid, "partner.err_issuer_unregistered", r)
	} else if err != nil {
		return nil, err
	}
	if source == SourceAPI && (iss.OrgID == nil || *iss.OrgID != a.OrgID) {
		return nil, refuse(apperr.Forbidden, "partner.err_not_your_issuer", nil)
	}
	fi, err := iss.foreign()
	if err != nil {
		return nil, apperr.Coded(err)
	}
	supplied := map[string][]byte{}
	if len(in.StatusList) > 0 {
		url, _, err := credential.VerifyForeignStatusList(in.StatusList, fi)
		if err != nil {
			return nil, refuse(apperr.Invalid, "partner.err_status_list", nil)
		}
		supplied[url] = in.StatusList
	}
	now := s.now()
	report, doc := credential.VerifyForeign(in.Raw, fi, s.statusLookup(ctx, s.db, iss.ID, supplied), now)
	switch report.Verdict {
	case credential.VerdictValid:
	case credential.VerdictRevoked:
		return nil, refuse(apperr.Invalid, "partner.err_revoked", report)
	case credential.VerdictExpired:
		return nil, refuse(apperr.Invalid, "partner.err_expired", report)
	case credential.VerdictNotYetValid:
		return nil, refuse(apperr.Invalid, "partner.err_not_yet_valid", report)
	default:
		return nil, refuse(apperr.Invalid, "partner.err_not_verified", report)
	}
	c := Credential{IssuerID: iss.ID, Document: string(in.Raw), Source: source, AddedAt: now}
	c.CredentialID, _ = doc["id"].(string)
	c.ValidFrom = *report.ValidFrom
	c.ValidUntil = report.ValidUntil
	c.AchievementID, c.AchievementName = report.AchievementURL, report.AchievementName
	if c.CredentialID == "" || len(c.CredentialID) > 500 || c.AchievementID == "" || len(c.AchievementID) > 500 {
		return nil, refuse(apperr.Invalid, "partner.err_ids_missing", report)
	}
	if entry, has, _ := credential.ForeignStatusEntry(doc); has {
		c.StatusListURL, c.StatusIndex = &entry.ListURL, &entry.Index
	}
	ids := emailIdentifiers(doc)
	var result *ImportResult
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Who it is for.
		var user struct{ ID, Email string }
		switch source {
		case SourceWallet:
			if err := tx.Raw(`SELECT id::text, email FROM users WHERE id = ?`, in.UserID).Scan(&user).Error; err != nil {
				return err
			}
			if user.ID == "" {
				return apperr.New(apperr.NotFound, "error.not_found")
			}
			switch {
			case len(ids) > 0 && !matchesAny(ids, user.Email):
				return refuse(apperr.Invalid, "partner.err_other_person", report)
			case len(ids) > 0:
				c.MatchedBy = "identity_hash"
			case !in.Confirmed:
				return &ImportError{Err: &apperr.Error{Code: apperr.Invalid, Key: "partner.err_confirm_required",
					Fields: map[string]string{"confirm": "partner.err_confirm_required"}}, Report: report}
			default:
				c.MatchedBy = "confirmation"
			}
		default:
			if len(ids) == 0 {
				return refuse(apperr.Invalid, "partner.err_no_identifier", report)
			}
			email := emailaddr.Normalize(in.Email)
			if email == "" || !matchesAny(ids, email) {
				return refuse(apperr.Invalid, "partner.err_other_person", report)
			}
			if err := tx.Raw(`SELECT id::text, email FROM users WHERE email = ?`, email).Scan(&user).Error; err != nil {
				return err
			}
			if user.ID == "" {
				return refuse(apperr.NotFound, "partner.err_learner_unknown", report)
			}
			c.MatchedBy = "identity_hash"
		}
		c.UserID = user.ID
		// Serialise imports of one learner (the same credential twice at once).
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('partner:' || ?))`, c.UserID).Error; err != nil {
			return err
		}
		var prev Credential
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("issuer_id = ? AND credential_id = ?", iss.ID, c.CredentialID).Take(&prev).Error
		switch {
		case err == nil && prev.UserID != c.UserID:
			return refuse(apperr.Conflict, "partner.err_credential_elsewhere", report)
		case err == nil:
			result = &ImportResult{Credential: &prev, Issuer: iss, Report: report, Existing: true}
			return s.applySupplied(ctx, tx, iss, in.StatusList)
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		var same int64
		if err := tx.Model(&Credential{}).Where("user_id = ? AND issuer_id = ? AND achievement_id = ? AND revoked_at IS NULL",
			c.UserID, iss.ID, c.AchievementID).Count(&same).Error; err != nil {
			return err
		}
		if same > 0 {
			return refuse(apperr.Conflict, "partner.err_already_held", report)
		}
		if err := tx.Create(&c).Error; err != nil {
			if isUnique(err) {
				return refuse(apperr.Conflict, "partner.err_already_held", report)
			}
			return err
		}
		if err := s.recount(ctx, tx, &c); err != nil {
			return err
		}
		if err := s.applySupplied(ctx, tx, iss, in.StatusList); err != nil {
			return err
		}
		result = &ImportResult{Credential: &c, Issuer: iss, Report: report}
		actor := a
		if actor.UserID == "" && source == SourceWallet {
			actor.UserID = c.UserID
		}
		return audit.Record(ctx, tx, actor.auditEntry("partner.credential_added", "partner_credential", c.ID,
			map[string]any{"issuer_id": iss.ID, "credential_id": c.CredentialID, "achievement_id": c.AchievementID,
				"source": source, "matched_by": c.MatchedBy, "counted": c.Counted()}))
	})
	if err != nil {
		if _, ok := AsImportError(err); ok {
			return nil, err
		}
		return nil, apperr.Coded(err)
	}
	return result, nil
}

// applySupplied stores a status list pushed with a credential (already
// verified) and applies it to what the learner holds.
func (s *Service) applySupplied(ctx context.Context, tx *gorm.DB, iss *Issuer, raw []byte) error {
	if len(raw) == 0 {
		return nil
	}
	_, err := s.storeStatusList(ctx, tx, iss, raw)
	return err
}

// identity is one email identifier of a credential subject.
type identity struct {
	hash   string // "sha256$…" or the plain address
	salt   string
	hashed bool
}

// emailIdentifiers reads the Open Badges 3.0 IdentityObjects of type
// emailAddress in credentialSubject.identifier.
func emailIdentifiers(doc map[string]any) []identity {
	sub, _ := doc["credentialSubject"].(map[string]any)
	var list []any
	switch t := sub["identifier"].(type) {
	case []any:
		list = t
	case map[string]any:
		list = []any{t}
	}
	var out []identity
	for _, v := range list {
		m, _ := v.(map[string]any)
		if m == nil || m["identityType"] != "emailAddress" {
			continue
		}
		h, _ := m["identityHash"].(string)
		salt, _ := m["salt"].(string)
		hashed, _ := m["hashed"].(bool)
		if h != "" {
			out = append(out, identity{hash: h, salt: salt, hashed: hashed})
		}
	}
	return out
}

// matchesAny reports whether email is one of ids: the identity hash
// "sha256$" + hex(SHA-256(lower-cased email + salt)) (Open Badges 3.0
// IdentityObject), or the plain address when not hashed.
func matchesAny(ids []identity, email string) bool {
	email = strings.ToLower(strings.TrimSpace(email))
	for _, id := range ids {
		var want string
		if id.hashed {
			want = credential.IdentityHash(email, id.salt)
		} else {
			want = email
			id.hash = strings.ToLower(strings.TrimSpace(id.hash))
		}
		if subtle.ConstantTimeCompare([]byte(strings.ToLower(id.hash)), []byte(want)) == 1 {
			return true
		}
	}
	return false
}

// --- reading ---------------------------------------------------------------

// Held is a partner credential with its issuer, for the wallet.
type Held struct {
	Credential
	IssuerDID                string
	IssuerNameJa             string
	IssuerNameEn             string
	SkillNameJa, SkillNameEn *string
}

// CredentialsFor lists the partner credentials a learner holds, newest first.
func (s *Service) CredentialsFor(ctx context.Context, userID string) ([]Held, error) {
	var out []Held
	err := s.db.WithContext(ctx).Raw(`SELECT c.*, i.did AS issuer_did, i.name_ja AS issuer_name_ja, i.name_en AS issuer_name_en,
		sa.name_ja AS skill_name_ja, sa.name_en AS skill_name_en
		FROM partner_credentials c JOIN partner_issuers i ON i.id = c.issuer_id
		LEFT JOIN skill_areas sa ON sa.code = c.counted_skill_area
		WHERE c.user_id = ? ORDER BY c.added_at DESC, c.id`, userID).Scan(&out).Error
	return out, apperr.Coded(err)
}

// CredentialsOf lists an issuer's credentials held by learners (admin).
func (s *Service) CredentialsOf(ctx context.Context, issuerID string, limit int) ([]Credential, error) {
	var out []Credential
	err := s.db.WithContext(ctx).Where("issuer_id = ?", issuerID).Order("added_at DESC, id").Limit(limit).Find(&out).Error
	return out, apperr.Coded(err)
}

// Verify checks a presented credential that names an issuer other than
// this platform (/verify): a registered partner's against its stored DID
// document and known status lists, with a revocation Takumi learnt of
// applied; any other issuer fails the issuer check, saying it is not
// registered.
func (s *Service) Verify(ctx context.Context, raw []byte) *credential.Report {
	did := credential.PresentedIssuer(raw)
	iss, err := s.IssuerByDID(ctx, did)
	if err != nil {
		r, _ := credential.VerifyForeign(raw, credential.ForeignIssuer{DID: did}, nil, s.now())
		return r
	}
	fi, err := iss.foreign()
	if err != nil {
		r, _ := credential.VerifyForeign(raw, credential.ForeignIssuer{DID: did}, nil, s.now())
		return r
	}
	r, doc := credential.VerifyForeign(raw, fi, s.statusLookup(ctx, s.db, iss.ID, nil), s.now())
	if r.IssuerName == "" {
		r.IssuerName = iss.NameJa + " / " + iss.NameEn
	}
	if r.Verdict != credential.VerdictInvalid && doc != nil {
		id, _ := doc["id"].(string)
		var rev struct {
			RevokedAt        *time.Time
			RevocationReason string
		}
		_ = s.db.WithContext(ctx).Raw(`SELECT revoked_at, revocation_reason FROM partner_credentials
			WHERE issuer_id = ? AND credential_id = ? AND revoked_at IS NOT NULL`, iss.ID, id).Scan(&rev).Error
		if rev.RevokedAt != nil {
			r.Verdict, r.RevokedAt, r.RevocationReason = credential.VerdictRevoked, rev.RevokedAt, rev.RevocationReason
		}
	}
	return r
}

// Sources is how many learners count toward a programme through
// Takumi's own credentials and through partners' credentials (a learner
// counts once per programme, through their first qualifying credential).
type Sources struct {
	Takumi  int64
	Partner int64
}

// ProgrammeSources splits a programme's achievements by where the
// credential came from.
func (s *Service) ProgrammeSources(ctx context.Context, programmeID string) (Sources, error) {
	var out Sources
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) FILTER (WHERE pc.id IS NULL) AS takumi, count(pc.id) AS partner
		FROM programme_achievements pa LEFT JOIN partner_credentials pc ON pc.count_id = pa.credential_id
		WHERE pa.programme_id = ?`, programmeID).Scan(&out).Error
	return out, apperr.Coded(err)
}

// documentJSON pretty-prints a stored JSON document (admin page).
func documentJSON(s string) string {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// PrettyDocument is the issuer's stored DID document, indented.
func (i Issuer) PrettyDocument() string { return documentJSON(i.DIDDocument) }
