package account

import "context"

// RecheckPassword confirms a signed-in person's current password before an
// irreversible step taken elsewhere (deleting the account); field names the
// form field for the error. SECURITY: a wrong password counts as a failed
// sign-in and a locked account is refused, as for every other recheck.
// Errors: invalid (field: required, wrong or locked), not_found.
func (s *Service) RecheckPassword(ctx context.Context, userID, password, field, ip string) error {
	return s.recheckPassword(ctx, userID, password, field, ip)
}
