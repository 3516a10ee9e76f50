package credential

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

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

// IssuedFilter narrows a provider's list of issued credentials and says
// which page of it to show. Pages are keyset pages: After or Before names
// the credential the page starts after (older ones) or ends before (newer
// ones), so a page costs the same however deep it is.
type IssuedFilter struct {
	CredentialID string // one credential only ("" for all); see ParseRef
	After        string // the page of credentials listed after this one ("" for the first page)
	Before       string // the page of credentials listed before this one (After wins when both are set)
}

// IssuedList is one page of the credentials a provider issued, newest first
// (then by id).
type IssuedList struct {
	ProviderID string
	Provider   i18n.Text
	Filter     IssuedFilter // as applied: an unknown cursor is dropped
	Rows       []Issued
	Total      int64  // all the provider's credentials, or the one matching CredentialID
	PrevBefore string // the cursor of the previous page (IssuedFilter.Before), "" on the first page
	NextAfter  string // the cursor of the next page (IssuedFilter.After), "" on the last page
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
// ("credential.issued_viewed"). Its cost does not grow with the provider's
// credentials: the total is the kept count (provider_credential_counts,
// migration 00054) and a page is read from credentials_provider_order
// starting at its cursor. Errors: not_found (no such provider, not a
// training provider, or the actor may not see it).
func (s *Service) ListIssued(ctx context.Context, a Actor, providerID string, f IssuedFilter) (*IssuedList, error) {
	out := IssuedList{ProviderID: providerID}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := issuingProvider(ctx, tx, a, providerID, &out); err != nil {
			return err
		}
		if f.CredentialID != "" {
			if err := issuedOne(tx, providerID, &f, &out); err != nil {
				return err
			}
		} else if err := issuedPage(tx, providerID, &f, &out); err != nil {
			return err
		}
		out.Filter = f
		for i := range out.Rows {
			s.fillAchievementURL(&out.Rows[i].Holding)
		}
		details := map[string]any{"rows": len(out.Rows)}
		for k, v := range map[string]string{"credential_id": f.CredentialID, "after": f.After, "before": f.Before} {
			if v != "" {
				details[k] = v
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "credential.issued_viewed",
			TargetType: "organisation", TargetID: providerID, OrgID: providerID, IP: a.IP, Details: details})
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return &out, nil
}

// issuedOne reads the one credential the filter names, if the provider
// issued it (one primary-key probe); the list then has no other pages.
func issuedOne(tx *gorm.DB, providerID string, f *IssuedFilter, out *IssuedList) error {
	id, ok := ParseRef(f.CredentialID)
	if !ok {
		id = "00000000-0000-0000-0000-000000000000" // matches nothing
	}
	f.CredentialID, f.After, f.Before = id, "", ""
	q := strings.Replace(issuedSelect, "%s", `WHERE cr.provider_id = ? AND cr.id = ?`, 1)
	if err := tx.Raw(q, providerID, id).Scan(&out.Rows).Error; err != nil {
		return err
	}
	out.Total = int64(len(out.Rows))
	return nil
}

// issuedPage reads the page of the provider's credentials the cursor in f
// asks for (the first page without one, or when the cursor is not one of
// the provider's credentials) and the provider's kept count. Each page
// reads one row more than it shows, to know whether another page follows.
//
//	SELECT … FROM credentials cr … WHERE cr.provider_id = $1
//	  AND (cr.issued_at, cr.id) < ($cursor_issued_at, $cursor_id) -- After
//	ORDER BY issued_at DESC, id DESC LIMIT 51                   -- (Before: > and ASC, reversed)
func issuedPage(tx *gorm.DB, providerID string, f *IssuedFilter, out *IssuedList) error {
	if err := tx.Raw(`SELECT COALESCE((SELECT credentials FROM provider_credential_counts WHERE provider_id = ?), 0)`,
		providerID).Scan(&out.Total).Error; err != nil {
		return err
	}
	cursor, after := f.After, true
	if cursor == "" {
		cursor, after = f.Before, false
	}
	f.After, f.Before = "", ""
	var at struct {
		IssuedAt time.Time
		ID       string
	}
	if validUUID(cursor) {
		res := tx.Raw(`SELECT issued_at, id FROM credentials WHERE id = ? AND provider_id = ?`, cursor, providerID).Scan(&at)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			cursor = ""
		}
	} else {
		cursor = ""
	}
	read := func(cond, order string, args ...any) ([]Issued, error) {
		var rows []Issued
		q := strings.Replace(issuedSelect, "%s", `WHERE cr.provider_id = ?`+cond, 1) + order + ` LIMIT ?`
		err := tx.Raw(q, append(append([]any{providerID}, args...), IssuedPageSize+1)...).Scan(&rows).Error
		return rows, err
	}
	const newestFirst = `ORDER BY h.issued_at DESC, h.id DESC`
	var err error
	switch {
	case cursor != "" && after:
		f.After = cursor
		out.Rows, err = read(` AND (cr.issued_at, cr.id) < (?, ?)`, newestFirst, at.IssuedAt, at.ID)
		if err == nil && len(out.Rows) > 0 {
			out.PrevBefore = out.Rows[0].ID
		}
	case cursor != "":
		out.Rows, err = read(` AND (cr.issued_at, cr.id) > (?, ?)`, `ORDER BY h.issued_at, h.id`, at.IssuedAt, at.ID)
		if err != nil {
			return err
		}
		if len(out.Rows) >= IssuedPageSize {
			// A full page: newest first, and the next page starts at the cursor.
			f.Before = cursor
			if len(out.Rows) > IssuedPageSize {
				out.Rows = out.Rows[:IssuedPageSize]
				slices.Reverse(out.Rows)
				out.PrevBefore = out.Rows[0].ID
			} else {
				slices.Reverse(out.Rows)
			}
			out.NextAfter = out.Rows[len(out.Rows)-1].ID
			return nil
		}
		// Fewer newer credentials than a page: show the first page.
		fallthrough
	default:
		f.Before = ""
		out.Rows, err = read(``, newestFirst)
	}
	if err != nil {
		return err
	}
	if len(out.Rows) > IssuedPageSize {
		out.Rows = out.Rows[:IssuedPageSize]
		out.NextAfter = out.Rows[IssuedPageSize-1].ID
	}
	return nil
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

// RecountIssued counts every provider's issued credentials again into
// provider_credential_counts, with credentials locked against writes
// meanwhile: a repair, never needed while the triggers of migration 00054
// stand (for example after they were skipped for a bulk load, as
// `takumi seed` does as a superuser).
func RecountIssued(ctx context.Context, db *gorm.DB) error {
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`LOCK TABLE credentials IN SHARE MODE`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM provider_credential_counts`).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO provider_credential_counts (provider_id, credentials)
			SELECT provider_id, count(*) FROM credentials WHERE provider_id IS NOT NULL GROUP BY 1`).Error
	})
	return apperr.Coded(err)
}
