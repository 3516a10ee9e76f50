package org

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"image/png"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
)

// Provider logos: a training provider's admin (or a platform admin) uploads
// a PNG that newly issued credentials carry as the issuer image
// (docs/decisions.md, "Provider logos"). PNG only: an SVG can carry script.

const (
	// LogoMaxBytes is the largest logo file accepted (256 KB).
	LogoMaxBytes = 256 * 1024
	// LogoMaxPixels is the largest width and height accepted.
	LogoMaxPixels = 1024
)

// pngMagic starts every PNG file.
var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// logoProblem is the catalogue key of what is wrong with data as a logo, or "".
// SECURITY: the whole file is decoded with image/png, so only a real PNG
// (no trailing HTML, no other format behind a PNG name) is stored.
func logoProblem(data []byte) string {
	if len(data) == 0 {
		return "org.logo_err_empty"
	}
	if len(data) > LogoMaxBytes {
		return "org.logo_err_size"
	}
	if !bytes.HasPrefix(data, pngMagic) {
		return "org.logo_err_type"
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "org.logo_err_type"
	}
	if cfg.Width > LogoMaxPixels || cfg.Height > LogoMaxPixels || cfg.Width < 1 || cfg.Height < 1 {
		return "org.logo_err_pixels"
	}
	if _, err := png.Decode(bytes.NewReader(data)); err != nil {
		return "org.logo_err_type"
	}
	return ""
}

// SetLogo stores data as the logo of the training provider orgID, replacing
// any earlier one, and records it in the audit log. Credentials issued
// earlier keep the image they were signed with. Errors: not_found (not the
// actor's organisation, or not a training provider), field errors on "logo"
// (org.logo_err_empty, _size, _type, _pixels).
func (s *Service) SetLogo(ctx context.Context, actor Actor, orgID string, data []byte) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		o, err := requireOrgManager(ctx, tx, actor.UserID, orgID)
		if err != nil {
			return err
		}
		if o.Kind != KindProvider {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if k := logoProblem(data); k != "" {
			return apperr.FieldErrors(map[string]string{"logo": k})
		}
		err = tx.Exec(`INSERT INTO organisation_logos (org_id, png, updated_at) VALUES (?, ?, now())
			ON CONFLICT (org_id) DO UPDATE SET png = EXCLUDED.png, updated_at = EXCLUDED.updated_at`, o.ID, data).Error
		if err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		sum := sha256.Sum256(data)
		return audit.Record(ctx, tx, audit.Entry{
			ActorID: actor.UserID, Action: "org.logo_set", TargetType: "organisation", TargetID: o.ID,
			OrgID: o.ID, IP: actor.IP, Details: map[string]any{"bytes": len(data), "sha256": hex.EncodeToString(sum[:])},
		})
	})
}

// Logo returns the PNG logo of organisation orgID, or nil when it has none.
func (s *Service) Logo(ctx context.Context, orgID string) ([]byte, error) {
	return LogoIn(ctx, s.db, orgID)
}

// LogoIn is Logo inside db (a transaction of the caller, e.g. issuance).
func LogoIn(ctx context.Context, db *gorm.DB, orgID string) ([]byte, error) {
	if !isUUID(orgID) {
		return nil, nil
	}
	var data []byte
	err := db.WithContext(ctx).Raw(`SELECT png FROM organisation_logos WHERE org_id = ?`, orgID).Row().Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return data, nil
}

// LogoOf returns the training provider orgID and its logo (nil when none)
// for its logo page. Errors: not_found (not the actor's organisation, or
// not a training provider).
func (s *Service) LogoOf(ctx context.Context, actor Actor, orgID string) (*Organisation, []byte, error) {
	o, err := requireOrgManager(ctx, s.db, actor.UserID, orgID)
	if err != nil {
		return nil, nil, err
	}
	if o.Kind != KindProvider {
		return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	data, err := LogoIn(ctx, s.db, o.ID)
	return o, data, err
}
