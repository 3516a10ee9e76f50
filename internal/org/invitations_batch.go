package org

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"takumi/internal/token"
)

// MemberInvitations is what CreateMemberInvitations made: the plain token of
// each address it invited (for the email's link; only hashes are stored)
// and when the links expire.
type MemberInvitations struct {
	Created   []string          // the addresses invited, in the order they were inserted
	Tokens    map[string]string // address -> plain token
	ExpiresAt time.Time
}

// CreateMemberInvitations invites many addresses (already normalised and
// valid: emailaddr) to join orgID as members, inside the caller's pgx
// transaction tx, for bulk enrolment (internal/bulkenrol). The open but
// expired invitations named in expiredIDs are revoked first: they hold the
// one-open-invitation-per-address slot. An address that still has an open
// invitation is skipped. The caller sends the emails.
func CreateMemberInvitations(ctx context.Context, tx pgx.Tx, orgID string, invitedBy *string, emails, expiredIDs []string, now time.Time) (*MemberInvitations, error) {
	if len(expiredIDs) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE invitations SET revoked_at = $2 WHERE id = ANY($1::uuid[]) AND org_id = $3`,
			expiredIDs, now, orgID); err != nil {
			return nil, err
		}
	}
	plain := make(map[string]string, len(emails))
	hashes := make([][]byte, len(emails))
	for i, e := range emails {
		plain[e], hashes[i] = token.New()
	}
	out := &MemberInvitations{Tokens: map[string]string{}, ExpiresAt: now.Add(InvitationTTL)}
	rows, err := tx.Query(ctx, `
		INSERT INTO invitations (org_id, email, role, token_hash, invited_by, expires_at)
		SELECT $1, t.email, 'member', t.hash, $4, $5 FROM unnest($2::text[], $3::bytea[]) AS t(email, hash)
		ON CONFLICT (org_id, email) WHERE accepted_at IS NULL AND revoked_at IS NULL DO NOTHING
		RETURNING email`, orgID, emails, hashes, invitedBy, out.ExpiresAt)
	if err != nil {
		return nil, fmt.Errorf("bulk invitations: %w", err)
	}
	created, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	out.Created = created
	for _, e := range created {
		out.Tokens[e] = plain[e]
	}
	return out, nil
}
