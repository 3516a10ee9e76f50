-- One token scheme (internal/token): every secret link now stores the
-- SHA-256 of the link's text. Email links (verify address, reset password)
-- used to store the SHA-256 of the token's raw bytes instead, and a hash
-- cannot be converted to the other scheme, so the links still open would
-- stop matching anything and be reported as "not a link of ours". They are
-- short-lived (48 hours at most), so they are expired here instead: such a
-- link now says "this link has expired, request a new one", the page's
-- ordinary expired-link behaviour, and the person asks for a fresh link.
-- Used links stay as they are (they already say "already used").
-- Invitation links already used the new scheme and keep working.
-- +goose Up
UPDATE email_tokens SET expires_at = now() WHERE used_at IS NULL AND expires_at > now();

-- +goose Down
-- Nothing to undo: expired links cannot be revived.
SELECT 1;
