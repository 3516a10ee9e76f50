// Package apiclient is the integration API's access control (issue 19):
// OAuth 2.0 client-credentials clients that belong to an organisation
// (RFC 6749 §4.4), their scopes and short-lived access tokens, the
// Idempotency-Key store, the per-client rate limit and the audit record of
// every call. It also coordinates the API's writes that span domains
// (enrolling a member by email: account, org, learning).
//
// SECURITY: a client secret and an access token are shown once and stored
// only as hashes (internal/token); a revoked client's tokens stop working at
// once (they are deleted with the revocation).
package apiclient

import (
	"context"
	"database/sql/driver"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/database"
	"takumi/internal/org"
	"takumi/internal/token"
)

// Scopes a client can hold, one per resource and access.
const (
	ScopeCatalogueRead = "catalogue:read"
	// ScopeCoursesRead lets a training provider's client read its own
	// courses in every state.
	ScopeCoursesRead     = "courses:read"
	ScopeEnrolmentsRead  = "enrolments:read"
	ScopeEnrolmentsWrite = "enrolments:write"
	ScopeMembersRead     = "members:read"
	ScopeProgressRead    = "progress:read"
	ScopeCredentialsRead = "credentials:read"
	// ScopeCredentialsRevoke lets a training provider's client revoke the
	// credentials the provider issued.
	ScopeCredentialsRevoke = "credentials:revoke"
	// ScopePartnerCredentialsWrite lets a partner issuer's organisation push
	// the partner's credentials and status lists (internal/partner).
	ScopePartnerCredentialsWrite = "partner_credentials:write"
)

// Scopes are every scope, in the order the client page lists them.
var Scopes = []string{ScopeCatalogueRead, ScopeCoursesRead, ScopeEnrolmentsRead, ScopeEnrolmentsWrite, ScopeMembersRead, ScopeProgressRead,
	ScopeCredentialsRead, ScopeCredentialsRevoke, ScopePartnerCredentialsWrite}

// TokenTTL is an access token's lifetime.
const TokenTTL = 15 * time.Minute

// DefaultRatePerMinute is a new client's rate limit.
const DefaultRatePerMinute = 600

// Client is one API client of an organisation.
type Client struct {
	ID            string `gorm:"primaryKey;default:gen_random_uuid()"`
	OrgID         string
	Name          string
	Scopes        database.TextArray `gorm:"type:text[]"`
	SecretHash    []byte
	RatePerMinute int
	CreatedBy     *string
	CreatedAt     time.Time
	RotatedAt     *time.Time
	RevokedAt     *time.Time
	LastUsedAt    *time.Time
}

// TableName maps Client to its table.
func (Client) TableName() string { return "api_clients" }

// Revoked reports whether the client was revoked.
func (c Client) Revoked() bool { return c.RevokedAt != nil }

// Actor is the organisation admin managing clients.
type Actor struct {
	UserID string
	IP     string
}

// Service manages clients and authenticates calls.
type Service struct {
	db  *gorm.DB
	now func() time.Time
	// The token endpoint's limits (0: the defaults).
	tokenPerClient, tokenPerIP int
}

// NewService returns the API client service.
func NewService(db *gorm.DB) *Service { return &Service{db: db, now: time.Now} }

// cleanScopes returns the known scopes of in, sorted and once each.
// Errors: invalid (field scopes) when none is known or one is unknown.
func cleanScopes(in []string) ([]string, error) {
	var out []string
	for _, sc := range in {
		sc = strings.TrimSpace(sc)
		if sc == "" {
			continue
		}
		if !slices.Contains(Scopes, sc) {
			return nil, apperr.FieldErrors(map[string]string{"scopes": "api.err_scope"})
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, apperr.FieldErrors(map[string]string{"scopes": "api.err_scope"})
	}
	slices.Sort(out)
	return out, nil
}

// Create makes a client of orgID with a name and scopes and returns it with
// its secret, which is shown once. Audited ("api_client.created").
// Errors: not_found (not the actor's organisation), invalid (fields name,
// scopes).
func (s *Service) Create(ctx context.Context, a Actor, orgID, name string, scopes []string) (*Client, string, error) {
	name = strings.TrimSpace(name)
	fields := map[string]string{}
	if name == "" || len([]rune(name)) > 100 {
		fields["name"] = "api.err_client_name"
	}
	sc, err := cleanScopes(scopes)
	if err != nil {
		fields["scopes"] = "api.err_scope"
	}
	if len(fields) > 0 {
		return nil, "", apperr.FieldErrors(fields)
	}
	secret, hash := token.New()
	c := Client{OrgID: orgID, Name: name, Scopes: sc, SecretHash: hash, RatePerMinute: DefaultRatePerMinute, CreatedAt: s.now()}
	if a.UserID != "" {
		c.CreatedBy = &a.UserID
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if a.UserID != "" {
			if _, err := org.RequireManager(ctx, tx, a.UserID, orgID); err != nil {
				return err
			}
		}
		if err := tx.Raw(`INSERT INTO api_clients (org_id, name, scopes, secret_hash, rate_per_minute, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id::text`, c.OrgID, c.Name, database.Array(sc), bytea(c.SecretHash), c.RatePerMinute, c.CreatedBy, c.CreatedAt).Row().Scan(&c.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "api_client.created", TargetType: "api_client",
			TargetID: c.ID, OrgID: orgID, IP: a.IP, Details: map[string]any{"name": name, "scopes": strings.Join(sc, " ")}})
	})
	if err != nil {
		return nil, "", apperr.Coded(err)
	}
	return &c, secret, nil
}

// CreateForDemo makes a client with every scope for `takumi demo`, with no
// person behind it. Errors: as Create.
func (s *Service) CreateForDemo(ctx context.Context, orgID, name string) (*Client, string, error) {
	return s.Create(ctx, Actor{}, orgID, name, Scopes)
}

// EnsureDemoClient gives `takumi demo` a client of orgID named name with
// every scope and a secret to print: the existing active client when known
// is its secret (nothing changes), else that client with a new secret (only
// the hash of the old one was kept), or a new client. Audited as Create and
// Rotate are. Errors: internal.
func (s *Service) EnsureDemoClient(ctx context.Context, orgID, name, known string) (*Client, string, error) {
	var row struct {
		ID         string
		SecretHash []byte
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT id::text AS id, secret_hash FROM api_clients WHERE org_id = ? AND name = ? AND revoked_at IS NULL
		ORDER BY created_at LIMIT 1`, orgID, name).Scan(&row).Error; err != nil {
		return nil, "", apperr.Coded(err)
	}
	id := row.ID
	if id == "" {
		return s.CreateForDemo(ctx, orgID, name)
	}
	if known != "" && token.Matches(row.SecretHash, known) {
		return &Client{ID: id, OrgID: orgID, Name: name, Scopes: Scopes}, known, nil
	}
	secret, hash := token.New()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE api_clients SET secret_hash = ?, rotated_at = ? WHERE id = ?`, bytea(hash), s.now(), id).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM api_access_tokens WHERE client_id = ?`, id).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "api_client.rotated", TargetType: "api_client", TargetID: id, OrgID: orgID,
			Details: map[string]any{"by": "takumi demo"}})
	})
	if err != nil {
		return nil, "", apperr.Coded(err)
	}
	return &Client{ID: id, OrgID: orgID, Name: name, Scopes: Scopes}, secret, nil
}

// List returns orgID's clients, newest first. Errors: not_found.
func (s *Service) List(ctx context.Context, a Actor, orgID string) ([]Client, error) {
	var out []Client
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := org.RequireManager(ctx, tx, a.UserID, orgID); err != nil {
			return err
		}
		return tx.Where("org_id = ?", orgID).Order("created_at DESC, id").Find(&out).Error
	})
	return out, apperr.Coded(err)
}

// lockClient returns orgID's client id locked for update.
func lockClient(ctx context.Context, tx *gorm.DB, a Actor, orgID, id string) (*Client, error) {
	if _, err := org.RequireManager(ctx, tx, a.UserID, orgID); err != nil {
		return nil, err
	}
	if _, err := uuid.Parse(id); err != nil {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var c Client
	err := tx.WithContext(ctx).Raw(`SELECT * FROM api_clients WHERE id = ? AND org_id = ? FOR UPDATE`, id, orgID).Scan(&c).Error
	if err != nil {
		return nil, err
	}
	if c.ID == "" {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return &c, nil
}

// Rotate gives a client a new secret (shown once); the old secret and every
// token issued with it stop working. Audited ("api_client.rotated").
// Errors: not_found, conflict ("api.err_client_revoked").
func (s *Service) Rotate(ctx context.Context, a Actor, orgID, id string) (*Client, string, error) {
	secret, hash := token.New()
	var c *Client
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if c, err = lockClient(ctx, tx, a, orgID, id); err != nil {
			return err
		}
		if c.Revoked() {
			return apperr.New(apperr.Conflict, "api.err_client_revoked")
		}
		if err := tx.Exec(`UPDATE api_clients SET secret_hash = ?, rotated_at = ? WHERE id = ?`, bytea(hash), s.now(), id).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM api_access_tokens WHERE client_id = ?`, id).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "api_client.rotated", TargetType: "api_client",
			TargetID: id, OrgID: orgID, IP: a.IP})
	})
	if err != nil {
		return nil, "", apperr.Coded(err)
	}
	return c, secret, nil
}

// Revoke ends a client for good; its tokens stop working at once.
// Audited ("api_client.revoked"). Revoking twice is harmless.
// Errors: not_found.
func (s *Service) Revoke(ctx context.Context, a Actor, orgID, id string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := lockClient(ctx, tx, a, orgID, id)
		if err != nil {
			return err
		}
		if c.Revoked() {
			return nil
		}
		if err := tx.Exec(`UPDATE api_clients SET revoked_at = ? WHERE id = ?`, s.now(), id).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM api_access_tokens WHERE client_id = ?`, id).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "api_client.revoked", TargetType: "api_client",
			TargetID: id, OrgID: orgID, IP: a.IP})
	})
	return apperr.Coded(err)
}

// OAuthError is a token endpoint refusal with its RFC 6749 §5.2 code
// ("invalid_client", "invalid_scope", "invalid_request").
type OAuthError struct{ Code string }

func (e *OAuthError) Error() string { return "oauth: " + e.Code }

// AccessToken is an issued access token.
type AccessToken struct {
	Token     string
	ExpiresIn int // seconds
	Scopes    []string
}

// IssueToken checks a client's id and secret and issues an access token
// for the requested scopes (all the client's when scope is empty), as RFC
// 6749 §4.4 says. Audited ("api.token_issued"). Errors: *OAuthError
// (invalid_client for an unknown, revoked or wrongly authenticated client,
// invalid_scope for a scope the client does not hold), internal.
func (s *Service) IssueToken(ctx context.Context, clientID, secret, scope, ip string) (*AccessToken, error) {
	if _, err := uuid.Parse(clientID); err != nil || !token.Plausible(secret) {
		return nil, &OAuthError{Code: "invalid_client"}
	}
	var out *AccessToken
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var c Client
		if err := tx.Raw(`SELECT * FROM api_clients WHERE id = ? AND secret_hash = ? AND revoked_at IS NULL`, clientID, bytea(token.Hash(secret))).Scan(&c).Error; err != nil {
			return err
		}
		if c.ID == "" {
			return &OAuthError{Code: "invalid_client"}
		}
		granted := []string(c.Scopes)
		if f := strings.Fields(scope); len(f) > 0 {
			for _, sc := range f {
				if !slices.Contains(c.Scopes, sc) {
					return &OAuthError{Code: "invalid_scope"}
				}
			}
			granted, _ = cleanScopes(f)
		}
		plain, hash := token.New()
		now := s.now()
		if err := tx.Exec(`INSERT INTO api_access_tokens (token_hash, client_id, scopes, issued_at, expires_at) VALUES (?, ?, string_to_array(?, ' '), ?, ?)`,
			bytea(hash), c.ID, strings.Join(granted, " "), now, now.Add(TokenTTL)).Error; err != nil {
			return err
		}
		// Expired tokens of this client go as new ones come.
		if err := tx.Exec(`DELETE FROM api_access_tokens WHERE client_id = ? AND expires_at < ?`, c.ID, now).Error; err != nil {
			return err
		}
		out = &AccessToken{Token: plain, ExpiresIn: int(TokenTTL / time.Second), Scopes: granted}
		return audit.Record(ctx, tx, audit.Entry{Action: "api.token_issued", TargetType: "api_client", TargetID: c.ID,
			OrgID: c.OrgID, IP: ip, Details: map[string]any{"scopes": strings.Join(granted, " ")}})
	})
	var oe *OAuthError
	if errors.As(err, &oe) {
		if err := s.recordRefusal(ctx, clientID, ip, oe.Code); err != nil {
			return nil, err
		}
		return nil, oe
	}
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return out, nil
}

// recordRefusal writes a refused token request naming an existing client
// to the audit log ("api.token_refused"): a wrong secret or scope, a
// revoked client. Requests naming no client are not recorded (nobody to
// attribute them to); the token endpoint's rate limit bounds how many rows
// one client's refusals can write.
func (s *Service) recordRefusal(ctx context.Context, clientID, ip, code string) error {
	if _, err := uuid.Parse(clientID); err != nil {
		return nil
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var orgID string
		if err := tx.Raw(`SELECT org_id::text FROM api_clients WHERE id = ?`, clientID).Scan(&orgID).Error; err != nil || orgID == "" {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "api.token_refused", TargetType: "api_client", TargetID: clientID,
			OrgID: orgID, IP: ip, Details: map[string]any{"error": code}})
	})
	return apperr.Coded(err)
}

// Caller is an authenticated API call's client.
type Caller struct {
	ClientID      string
	OrgID         string
	Scopes        []string
	RatePerMinute int
}

// Has reports whether the caller's token carries scope.
func (c *Caller) Has(scope string) bool { return slices.Contains(c.Scopes, scope) }

// Authenticate returns the caller behind a bearer access token.
// Errors: unauthorized (unknown, expired, or its client revoked).
func (s *Service) Authenticate(ctx context.Context, bearer string) (*Caller, error) {
	if !token.Plausible(bearer) {
		return nil, apperr.New(apperr.Unauthorized, "api.err_token")
	}
	var row struct {
		ClientID      string
		OrgID         string
		Scopes        string
		RatePerMinute int
	}
	err := s.db.WithContext(ctx).Raw(`
		SELECT t.client_id::text AS client_id, c.org_id::text AS org_id, array_to_string(t.scopes, ' ') AS scopes, c.rate_per_minute
		FROM api_access_tokens t JOIN api_clients c ON c.id = t.client_id
		WHERE t.token_hash = ? AND t.expires_at > ? AND c.revoked_at IS NULL`, bytea(token.Hash(bearer)), s.now()).Scan(&row).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if row.ClientID == "" {
		return nil, apperr.New(apperr.Unauthorized, "api.err_token")
	}
	return &Caller{ClientID: row.ClientID, OrgID: row.OrgID, Scopes: strings.Fields(row.Scopes), RatePerMinute: row.RatePerMinute}, nil
}

// Allow counts one call of the caller in the current one-minute window and
// reports whether it is within the client's limit; when not, retryAfter is
// the whole seconds until the window ends.
func (s *Service) Allow(ctx context.Context, c *Caller) (ok bool, retryAfter int, err error) {
	now := s.now()
	window := now.Truncate(time.Minute)
	var calls int
	err = s.db.WithContext(ctx).Raw(`
		INSERT INTO api_rate_windows (client_id, window_start, calls) VALUES (?, ?, 1)
		ON CONFLICT (client_id, window_start) DO UPDATE SET calls = api_rate_windows.calls + 1
		RETURNING calls`, c.ClientID, window).Row().Scan(&calls)
	if err != nil {
		return false, 0, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if calls == 1 {
		// Once a minute per client (its window's first call), what has
		// served its time goes: older windows, expired tokens and
		// Idempotency-Key replies past their 24 hours.
		if err := s.sweep(ctx, c.ClientID, now); err != nil {
			return false, 0, err
		}
	}
	if calls <= c.RatePerMinute {
		return true, 0, nil
	}
	left := window.Add(time.Minute).Sub(now)
	return false, int((left + time.Second - 1) / time.Second), nil
}

// sweep deletes the client's past rate windows, expired tokens and old
// idempotency replies.
func (s *Service) sweep(ctx context.Context, clientID string, now time.Time) error {
	db := s.db.WithContext(ctx)
	for _, q := range []struct {
		sql string
		at  time.Time
	}{
		{`DELETE FROM api_rate_windows WHERE client_id = ? AND window_start < ?`, now.Add(-time.Minute).Truncate(time.Minute)},
		{`DELETE FROM api_access_tokens WHERE client_id = ? AND expires_at < ?`, now},
		{`DELETE FROM api_idempotency WHERE client_id = ? AND created_at < ?`, now.Add(-IdempotencyTTL)},
	} {
		if err := db.Exec(q.sql, clientID, q.at).Error; err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
	}
	return nil
}

// Call is one answered API call, for the audit log.
type Call struct {
	Method, Route string
	Status        int
	IP            string
	Target        string // the resource addressed, when one
}

// RecordCall writes one API call to the audit log ("api.call") and notes
// the client's last use. Every call is recorded, including refusals.
func (s *Service) RecordCall(ctx context.Context, c *Caller, call Call) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE api_clients SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
			s.now(), c.ClientID, s.now().Add(-time.Minute)).Error; err != nil {
			return err
		}
		d := map[string]any{"method": call.Method, "route": call.Route, "status": call.Status}
		if call.Target != "" {
			d["target"] = call.Target
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "api.call", TargetType: "api_client", TargetID: c.ClientID,
			OrgID: c.OrgID, IP: call.IP, Details: d})
	})
	return apperr.Coded(err)
}

// bytea passes a byte string as one bytea parameter: gorm's Exec spreads a
// bare []byte into one parameter per byte.
type bytea []byte

// Value implements driver.Valuer.
func (b bytea) Value() (driver.Value, error) { return []byte(b), nil }

// Token endpoint limits (calls a minute): attempts naming one client id,
// and attempts from one IP address, whatever their outcome. They bound
// guessing a client's secret and flooding the endpoint.
const (
	DefaultTokenPerClient = 30
	DefaultTokenPerIP     = 120
)

// SetTokenLimits changes the token endpoint's limits (tests, operators).
func (s *Service) SetTokenLimits(perClient, perIP int) {
	s.tokenPerClient, s.tokenPerIP = perClient, perIP
}

// AllowToken counts one token request from ip naming clientID (either may
// be empty) in the current one-minute window and reports whether both its
// client's and its address's counts are within the limits; when not,
// retryAfter is the whole seconds until the window ends.
func (s *Service) AllowToken(ctx context.Context, clientID, ip string) (ok bool, retryAfter int, err error) {
	now := s.now()
	window := now.Truncate(time.Minute)
	perClient, perIP := s.tokenPerClient, s.tokenPerIP
	if perClient == 0 {
		perClient = DefaultTokenPerClient
	}
	if perIP == 0 {
		perIP = DefaultTokenPerIP
	}
	ok = true
	for _, lim := range []struct {
		subject string
		limit   int
	}{{subjectOf("client:", clientID), perClient}, {subjectOf("ip:", ip), perIP}} {
		if lim.subject == "" {
			continue
		}
		var calls int
		if err := s.db.WithContext(ctx).Raw(`
			INSERT INTO api_token_windows (subject, window_start, calls) VALUES (?, ?, 1)
			ON CONFLICT (subject, window_start) DO UPDATE SET calls = api_token_windows.calls + 1
			RETURNING calls`, lim.subject, window).Row().Scan(&calls); err != nil {
			return false, 0, apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		if calls == 1 && strings.HasPrefix(lim.subject, "ip:") {
			// Once per address and minute, past windows of every subject go.
			if err := s.db.WithContext(ctx).Exec(`DELETE FROM api_token_windows WHERE window_start < ?`, window.Add(-time.Minute)).Error; err != nil {
				return false, 0, apperr.Wrap(apperr.Internal, "error.internal", err)
			}
		}
		if calls > lim.limit {
			ok = false
		}
	}
	if ok {
		return true, 0, nil
	}
	left := window.Add(time.Minute).Sub(now)
	return false, int((left + time.Second - 1) / time.Second), nil
}

// subjectOf is a rate-limit subject, "" for an empty or oversized value
// (a client id that is not a UUID is not counted per client: it cannot
// name a client).
func subjectOf(prefix, v string) string {
	if v == "" || len(v) > 90 {
		return ""
	}
	if prefix == "client:" {
		if _, err := uuid.Parse(v); err != nil {
			return ""
		}
		v = strings.ToLower(v)
	}
	return prefix + v
}
