package credential

import (
	"context"
	"regexp"
	"strings"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/i18n"
)

// IssuedPageSize is how many credentials one page of a provider's list shows.
const IssuedPageSize = 50

// Issued is a credential with its holder's display name, for the people
// who may revoke it (the issuing provider's admins and platform admins).
type Issued struct {
	Holding
	HolderName string
}

// IssuedFilter narrows a provider's list of issued credentials.
type IssuedFilter struct {
	CredentialID string // one credential only ("" for all); see ParseRef
	Page         int    // 1-based; out-of-range pages are clamped
}

// IssuedList is one page of the credentials a provider issued, newest first.
type IssuedList struct {
	ProviderID string
	Provider   i18n.Text
	Filter     IssuedFilter
	Rows       []Issued
	Total      int64
	Pages      int
}

var uuidInText = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// ParseRef finds the credential id in what a person pasted: the id itself,
// "urn:uuid:<id>", or a verification page or JSON URL (".../credentials/<id>").
// It returns the id in lower case and whether there was exactly one.
func ParseRef(s string) (string, bool) {
	ids := uuidInText.FindAllString(strings.TrimSpace(s), 2)
	if len(ids) != 1 {
		return "", false
	}
	return strings.ToLower(ids[0]), true
}

// issuedSelect reads credentials with their names and the holder's name.
const issuedSelect = `SELECT h.*, coalesce(u.display_name, '') AS holder_name FROM (` + holdingSelect + `%s) h
	LEFT JOIN users u ON u.id = h.user_id `

// ListIssued returns one page of the credentials provider providerID issued,
// with their holders' names, to an admin of that provider or a platform
// admin, and records the view of named people in the audit log
// ("credential.issued_viewed"). Errors: not_found (no such provider, not a
// training provider, or the actor may not see it).
func (s *Service) ListIssued(ctx context.Context, a Actor, providerID string, f IssuedFilter) (*IssuedList, error) {
	out := IssuedList{ProviderID: providerID}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := issuingProvider(ctx, tx, a, providerID, &out); err != nil {
			return err
		}
		where, args := `WHERE cr.provider_id = ?`, []any{providerID}
		if f.CredentialID != "" {
			id, ok := ParseRef(f.CredentialID)
			if !ok {
				id = "00000000-0000-0000-0000-000000000000" // matches nothing
			}
			f.CredentialID = id
			where, args = where+` AND cr.id = ?`, append(args, id)
		}
		if err := tx.Raw(`SELECT count(*) FROM credentials cr `+where, args...).Scan(&out.Total).Error; err != nil {
			return err
		}
		out.Pages = int((out.Total + IssuedPageSize - 1) / IssuedPageSize)
		if f.Page < 1 {
			f.Page = 1
		}
		if out.Pages > 0 && f.Page > out.Pages {
			f.Page = out.Pages
		}
		out.Filter = f
		q := strings.Replace(issuedSelect, "%s", where, 1) + `ORDER BY h.issued_at DESC, h.id LIMIT ? OFFSET ?`
		if err := tx.Raw(q, append(args, IssuedPageSize, (f.Page-1)*IssuedPageSize)...).Scan(&out.Rows).Error; err != nil {
			return err
		}
		for i := range out.Rows {
			s.fillAchievementURL(&out.Rows[i].Holding)
		}
		details := map[string]any{"page": f.Page, "rows": len(out.Rows)}
		if f.CredentialID != "" {
			details["credential_id"] = f.CredentialID
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "credential.issued_viewed",
			TargetType: "organisation", TargetID: providerID, OrgID: providerID, IP: a.IP, Details: details})
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return &out, nil
}

// issuingProvider loads the provider's names into out if it is a training
// provider the actor may see. SECURITY: anyone else gets not_found, the
// same answer as for an organisation that does not exist.
func issuingProvider(ctx context.Context, tx *gorm.DB, a Actor, providerID string, out *IssuedList) error {
	if !validUUID(providerID) {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	pid := providerID
	if !a.mayRevoke(Credential{ProviderID: &pid}) {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	var o struct{ NameJa, NameEn string }
	res := tx.WithContext(ctx).Raw(`SELECT name_ja, name_en FROM organisations WHERE id = ? AND kind = 'provider'`, providerID).Scan(&o)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	out.Provider = i18n.Text{Ja: o.NameJa, En: o.NameEn}
	return nil
}

// GetIssued returns credential id with its holder's name to someone who may
// revoke it (an admin of the issuing provider, or a platform admin).
// Errors: not_found (no such credential, or the actor may not revoke it).
func (s *Service) GetIssued(ctx context.Context, a Actor, id string) (*Issued, error) {
	if !validUUID(id) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var is Issued
	res := s.db.WithContext(ctx).Raw(strings.Replace(issuedSelect, "%s", `WHERE cr.id = ?`, 1), id).Scan(&is)
	if res.Error != nil {
		return nil, apperr.Coded(res.Error)
	}
	if res.RowsAffected == 0 || !a.mayRevoke(is.Credential) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	s.fillAchievementURL(&is.Holding)
	return &is, nil
}

func validUUID(s string) bool {
	id, ok := ParseRef(s)
	return ok && len(s) == len(id)
}
