package xapi

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"takumi/internal/audit"
	"takumi/internal/database"
	"takumi/internal/token"
)

// Client is an LRS client: a key and secret over HTTP Basic auth, with read
// and/or write scope, belonging to one organisation (the tenant whose
// statements and documents it reads and writes).
type Client struct {
	ID       string
	OrgID    string
	Name     string
	Key      string
	CanRead  bool
	CanWrite bool
	// XAPIVersion is the version the client's software speaks ("1.0.3" or
	// "2.0.0"): the version an answer reports when the request names none.
	XAPIVersion string `gorm:"column:xapi_version"`
	CreatedAt   time.Time
	RevokedAt   *time.Time
}

// TableName maps Client to its table.
func (Client) TableName() string { return "xapi_clients" }

// Service is the LRS: clients, statements, documents.
type Service struct {
	DB *gorm.DB
	// HomePage is the site's base URL: the homePage of the authority
	// account of statements the LRS stores.
	HomePage string
	// Jobs queues forwarding jobs inside the statements' transaction
	// (forward.go); nil: no forwarding.
	Jobs *database.JobInserter
	// Production turns on the SSRF guard of forwarding (internal/outbound):
	// no connection to loopback, private or link-local addresses.
	Production bool
}

// NewClient creates a client of organisation orgID and returns it with its
// secret, which is shown once and stored only as a hash. actorID is the
// person creating it ("" for the system). Errors: invalid (no name, no scope).
func (s *Service) NewClient(ctx context.Context, orgID, name string, canRead, canWrite bool, version Version, actorID, ip string) (*Client, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 200 {
		return nil, "", errOf(KindInvalid, "xapi.client_err_name")
	}
	if !canRead && !canWrite {
		return nil, "", errOf(KindInvalid, "xapi.client_err_scope")
	}
	if version != V103 && version != V200 {
		return nil, "", errOf(KindInvalid, "xapi.client_err_version")
	}
	key, _ := token.New()
	key = "lrs_" + key[:20]
	secret, hash := token.New()
	c := &Client{OrgID: orgID, Name: name, Key: key, CanRead: canRead, CanWrite: canWrite, XAPIVersion: string(version)}
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var creator *string
		if actorID != "" {
			creator = &actorID
		}
		if err := tx.Raw(`INSERT INTO xapi_clients (org_id, name, key, secret_hash, can_read, can_write, xapi_version, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, created_at`,
			orgID, name, key, hash, canRead, canWrite, string(version), creator).Row().Scan(&c.ID, &c.CreatedAt); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, Action: "xapi.client_created", TargetType: "xapi_client",
			TargetID: c.ID, OrgID: orgID, IP: ip, Details: map[string]any{"name": name, "key": key, "read": canRead, "write": canWrite, "version": string(version)}})
	})
	if err != nil {
		return nil, "", err
	}
	return c, secret, nil
}

// Clients lists the clients of orgID, newest first, revoked ones included.
func (s *Service) Clients(ctx context.Context, orgID string) ([]Client, error) {
	var out []Client
	err := s.DB.WithContext(ctx).Raw(`SELECT id, org_id, name, key, can_read, can_write, xapi_version, created_at, revoked_at
		FROM xapi_clients WHERE org_id = ? ORDER BY created_at DESC, id`, orgID).Scan(&out).Error
	return out, err
}

// RevokeClient ends client id of orgID: its key is refused from then on.
// Errors: not_found (no such client of this organisation).
func (s *Service) RevokeClient(ctx context.Context, orgID, id, actorID, ip string) error {
	if !IsUUID(id) {
		return errOf(KindNotFound, "xapi.client_not_found")
	}
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE xapi_clients SET revoked_at = now() WHERE org_id = ? AND id = ? AND revoked_at IS NULL`, orgID, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errOf(KindNotFound, "xapi.client_not_found")
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, Action: "xapi.client_revoked", TargetType: "xapi_client",
			TargetID: id, OrgID: orgID, IP: ip})
	})
}

// Authenticate returns the live client with this key and secret.
// SECURITY: the secret is compared by hash in constant time; a wrong key,
// a wrong secret and a revoked client are refused alike (unauthorized) and
// recorded in the audit log. Errors: unauthorized.
func (s *Service) Authenticate(ctx context.Context, key, secret, ip string) (*Client, error) {
	var row struct {
		Client
		SecretHash []byte
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT id, org_id, name, key, can_read, can_write, xapi_version, created_at, revoked_at, secret_hash
		FROM xapi_clients WHERE key = ?`, key).Scan(&row).Error
	if err != nil {
		return nil, err
	}
	if row.ID == "" || !token.Matches(row.SecretHash, secret) || row.RevokedAt != nil {
		reason := "unknown_key"
		if row.ID != "" {
			reason = "wrong_secret"
			if row.RevokedAt != nil {
				reason = "revoked"
			}
		}
		if aerr := audit.RecordNow(ctx, s.DB, audit.Entry{Action: "xapi.auth_refused", TargetType: "xapi_client",
			TargetID: row.ID, OrgID: row.OrgID, IP: ip, Details: map[string]any{"reason": reason}}); aerr != nil {
			return nil, aerr
		}
		return nil, errOf(KindUnauthorized, "the LRS key or secret is wrong, or the client is revoked")
	}
	c := row.Client
	return &c, nil
}

// EnsureClient creates, inside tx, a client of orgID with the given key and
// secret unless a client with that key exists (then nothing changes). For
// `takumi demo`, whose printed secret must stay the same from run to run.
func EnsureClient(ctx context.Context, tx *gorm.DB, orgID, name, key, secret string, version Version) error {
	return tx.WithContext(ctx).Exec(`INSERT INTO xapi_clients (org_id, name, key, secret_hash, can_read, can_write, xapi_version)
		VALUES (?, ?, ?, ?, true, true, ?) ON CONFLICT (key) DO NOTHING`, orgID, name, key, token.Hash(secret), string(version)).Error
}
