package bulkenrol

import (
	"context"
	"fmt"
	"strings"
	"takumi/internal/jst"
	"takumi/internal/learning"
	"takumi/internal/mail"
	"takumi/internal/org"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
)

// mailOrg is what invitation emails say about the organisation.
type mailOrg struct {
	NameJa, NameEn, Inviter string
}

func (b *Service) orgForMail(ctx context.Context, imp Import) (mailOrg, error) {
	var o mailOrg
	err := b.db.WithContext(ctx).Raw(`SELECT o.name_ja, o.name_en, coalesce(u.display_name, '') AS inviter
		FROM organisations o LEFT JOIN users u ON u.id = ? WHERE o.id = ?`, imp.CreatedBy, imp.OrgID).Scan(&o).Error
	return o, err
}

// applyBatch applies the rows idx in [start, end) in one transaction:
// enrolments of existing accounts (seats taken under the cohorts' row
// locks, so never more than capacity; the rest waitlisted in file order)
// with their learning events, pending enrolments and one invitation per
// new address with its email, and the import's progress.
func (b *Service) applyBatch(ctx context.Context, conn *pgxpool.Conn, imp Import, o mailOrg, start, end int) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	now := b.now()
	t := time.Now()
	// Enrolments, their events and seats are learning's: it enrols the
	// batch's existing accounts from the staging tables in this transaction.
	enrolled, err := learning.EnrolStaged(ctx, tx, learning.StagedBatch{OrgID: imp.OrgID, ImportID: imp.ID, From: start, To: end, At: now})
	if err != nil {
		return err
	}
	t = b.trace("batch: enrol", t)
	// SECURITY: the batch's existing accounts outside the organisation are
	// asked for consent; until they give it the roster shows nothing of
	// their progress (issue 15 finding 2). Consent is org's.
	idRows, err := tx.Query(ctx, `SELECT DISTINCT u.id::text FROM bulk_rows r JOIN users u ON u.email = r.email
		WHERE r.idx >= $1 AND r.idx < $2`, start, end)
	if err != nil {
		return fmt.Errorf("bulk consent: %w", err)
	}
	ids, err := pgx.CollectRows(idRows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("bulk consent: %w", err)
	}
	asked, err := org.RequestProgressConsents(ctx, tx, imp.OrgID, ids, now)
	if err != nil {
		return fmt.Errorf("bulk consent: %w", err)
	}
	if err := b.consentMails(ctx, tx, o, asked); err != nil {
		return err
	}
	t = b.trace("batch: consent requests", t)
	tag, err := tx.Exec(ctx, `
		INSERT INTO pending_enrolments (org_id, email, course_id, cohort_id, import_id, display_name, prefecture_code, industry_code, segment)
		SELECT $3, r.email, c.course_id, r.cohort::uuid, $4, r.name, r.prefecture, r.industry, r.segment
		FROM bulk_rows r JOIN bulk_courses c ON c.ref = r.course AND c.n_pub = 1
		WHERE r.idx >= $1 AND r.idx < $2 AND NOT EXISTS (SELECT 1 FROM users u WHERE u.email = r.email)
		ON CONFLICT (org_id, email, course_id) DO NOTHING`, start, end, imp.OrgID, imp.ID)
	if err != nil {
		return fmt.Errorf("bulk pending: %w", err)
	}
	invited := int(tag.RowsAffected())
	t = b.trace("batch: pending", t)
	if err := b.inviteBatch(ctx, tx, imp, o, start, end, now); err != nil {
		return err
	}
	t = b.trace("batch: invitations and emails", t)
	unchanged := (end - start) - enrolled - invited
	if _, err := tx.Exec(ctx, `UPDATE enrolment_imports SET processed = $2, enrolled = enrolled + $3, invited = invited + $4,
		unchanged = unchanged + $5, status = 'running' WHERE id = $1`, imp.ID, end, enrolled, invited, unchanged); err != nil {
		return err
	}
	err = tx.Commit(ctx)
	b.trace("batch: commit", t)
	return err
}

// inviteBatch invites, as members, the batch's addresses that have no
// account and no open invitation from the organisation, and queues their
// emails (in Japanese with the English below: their language is not known).
func (b *Service) inviteBatch(ctx context.Context, tx pgx.Tx, imp Import, o mailOrg, start, end int, now time.Time) error {
	t := time.Now()
	// Addresses of the batch without an account and without an open,
	// unexpired invitation; an open but expired one is closed first (it
	// holds the one-open-invitation-per-address slot).
	rows, err := tx.Query(ctx, `
		SELECT DISTINCT ON (r.email) r.email, open.id::text
		FROM bulk_rows r
		LEFT JOIN LATERAL (SELECT i.id, i.expires_at FROM invitations i WHERE i.org_id = $3 AND i.email = r.email
			AND i.accepted_at IS NULL AND i.revoked_at IS NULL LIMIT 1) open ON true
		WHERE r.idx >= $1 AND r.idx < $2 AND NOT EXISTS (SELECT 1 FROM users u WHERE u.email = r.email)
		  AND (open.id IS NULL OR open.expires_at <= $4)
		ORDER BY r.email`, start, end, imp.OrgID, now)
	if err != nil {
		return fmt.Errorf("bulk invitees: %w", err)
	}
	var emails, expired []string
	for rows.Next() {
		var email string
		var old *string
		if err := rows.Scan(&email, &old); err != nil {
			rows.Close()
			return err
		}
		emails = append(emails, email)
		if old != nil {
			expired = append(expired, *old)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(emails) == 0 {
		return nil
	}
	t = b.trace("invite: select", t)
	// Invitations are org's: it revokes the expired ones, makes the tokens
	// and inserts the rest in this transaction; the emails are bulk's.
	inv, err := org.CreateMemberInvitations(ctx, tx, imp.OrgID, imp.CreatedBy, emails, expired, now)
	if err != nil {
		return err
	}
	t = b.trace("invite: tokens and insert", t)
	if len(inv.Created) == 0 {
		return nil
	}
	// The courses each address is enrolled in, named in its email.
	courseRows, err := tx.Query(ctx, `SELECT p.email, c.title_ja, coalesce(nullif(c.title_en, ''), c.title_ja)
		FROM pending_enrolments p JOIN courses c ON c.id = p.course_id
		WHERE p.org_id = $1 AND p.email = ANY($2) ORDER BY p.email, p.created_at, c.title_ja`, imp.OrgID, inv.Created)
	if err != nil {
		return fmt.Errorf("bulk invitation courses: %w", err)
	}
	courses := map[string][2][]string{}
	for courseRows.Next() {
		var email, ja, en string
		if err := courseRows.Scan(&email, &ja, &en); err != nil {
			courseRows.Close()
			return err
		}
		c := courses[email]
		c[0], c[1] = append(c[0], ja), append(c[1], en)
		courses[email] = c
	}
	courseRows.Close()
	if err := courseRows.Err(); err != nil {
		return err
	}
	params := make([]river.InsertManyParams, len(inv.Created))
	for i, e := range inv.Created {
		params[i] = river.InsertManyParams{Args: b.invitationMail(o, e, inv.Tokens[e], inv.ExpiresAt, courses[e])}
	}
	t = b.trace("invite: compose emails", t)
	if _, err := b.mailJobs.InsertManyFastTx(ctx, tx, params); err != nil {
		return fmt.Errorf("bulk invitation emails: %w", err)
	}
	b.trace("invite: queue emails", t)
	return nil
}

// invitationMail is the invitation email for a person without an account:
// the organisation's invitation text in Japanese with the English below.
func (b *Service) invitationMail(o mailOrg, email, token string, expires time.Time, courses [2][]string) mail.Message {
	link := strings.TrimRight(b.baseURL, "/") + "/invitations/" + token
	at := jst.DateTime(expires)
	text := func(lang string) (string, string) {
		l := b.messages.For(lang)
		name := l.Pick(o.NameJa, o.NameEn)
		titles := courses[0]
		if lang == "en" {
			titles = courses[1]
		}
		body := l.T("org.invite_mail_body", o.Inviter, name, l.T("org.role_member"), link, at)
		if len(titles) > 0 {
			body += "\n\n" + l.T("bulk.mail_courses", name, "・"+strings.Join(titles, "\n・"))
		}
		return l.T("org.invite_mail_subject", name), body + "\n\n" + l.T("bulk.mail_courses_note")
	}
	sj, bj := text("ja")
	se, be := text("en")
	return mail.Message{To: email, Subject: sj + " / " + se,
		Body: bj + "\n\n----------------------------------------\n\n" + be}
}

// consentMails tells each person newly asked for consent (userIDs), in
// their language, that the organisation enrolled them and asks to see their
// progress, and where to answer.
func (b *Service) consentMails(ctx context.Context, tx pgx.Tx, o mailOrg, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT email, display_name, language FROM users WHERE id = ANY($1::uuid[])`, userIDs)
	if err != nil {
		return fmt.Errorf("bulk consent emails: %w", err)
	}
	var params []river.InsertManyParams
	for rows.Next() {
		var email, name, lang string
		if err := rows.Scan(&email, &name, &lang); err != nil {
			rows.Close()
			return err
		}
		l := b.messages.For(lang)
		org := l.Pick(o.NameJa, o.NameEn)
		params = append(params, river.InsertManyParams{Args: mail.Message{To: email,
			Subject: l.T("bulk.mail_consent_subject", org),
			Body:    l.T("bulk.mail_consent_body", name, org, strings.TrimRight(b.baseURL, "/")+"/account#account-consents")}})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := b.mailJobs.InsertManyFastTx(ctx, tx, params); err != nil {
		return fmt.Errorf("bulk consent emails: %w", err)
	}
	return nil
}
