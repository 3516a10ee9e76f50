package seed

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"takumi/internal/account"
	"takumi/internal/audit"
	"takumi/internal/org"
)

// The bench analyst: a ministry analyst for the national page benchmark
// (scripts/national-bench.sh), which signs in to /ministry. The seed makes
// no ministry, and in a deployment a platform admin adds analysts in
// /admin; `takumi seed analyst` makes this one, through the owners'
// provisioning functions (account, org), and `--drop` removes it.
const (
	// BenchAnalystEmail is the bench analyst's address.
	BenchAnalystEmail = "national-bench-analyst@bench.takumi.localhost"
	// BenchMinistryNameJa and BenchMinistryNameEn name its organisation.
	BenchMinistryNameJa = "ベンチマーク省 (national-bench)"
	BenchMinistryNameEn = "Benchmark ministry (national-bench)"
)

// BenchAnalyst is what CreateBenchAnalyst made: the credentials a script
// signs in with.
type BenchAnalyst struct {
	Email      string
	Password   string
	TOTPSecret string // base32, two-factor sign-in is on
	UserID     string
	OrgID      string
}

// CreateBenchAnalyst makes (or brings back to a known state) the ministry
// organisation BenchMinistryNameJa and BenchAnalystEmail, an analyst
// member of it with password ("" makes a random one) and a fresh
// two-factor secret, in one
// transaction with an audit entry. Running it again keeps the rows and
// sets the new password and secret. Refused in production
// (ErrProduction): the account's password is in the caller's hands.
func CreateBenchAnalyst(ctx context.Context, db *gorm.DB, env, password string) (*BenchAnalyst, error) {
	if env == "production" {
		return nil, ErrProduction
	}
	if password == "" {
		p, err := randomPassword()
		if err != nil {
			return nil, err
		}
		password = p
	}
	if len(password) < 12 {
		return nil, fmt.Errorf("seed: the bench analyst's password must have at least 12 characters")
	}
	hash, err := account.HashPassword(password)
	if err != nil {
		return nil, err
	}
	setup, err := account.NewTOTPSetup(BenchAnalystEmail)
	if err != nil {
		return nil, err
	}
	out := &BenchAnalyst{Email: BenchAnalystEmail, Password: password, TOTPSecret: setup.Secret}
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		out.OrgID, err = org.EnsureOrganisation(ctx, tx, org.NewOrganisation{NameJa: BenchMinistryNameJa, NameEn: BenchMinistryNameEn,
			Kind: "ministry", PrefectureCode: "13", IndustryCode: "S"})
		if err != nil {
			return err
		}
		if _, err := account.EnsureUser(ctx, tx, account.ProvisionedUser{Email: BenchAnalystEmail, PasswordHash: hash,
			DisplayName: "ベンチ 分析官", Prefecture: "13", Industry: "S", Segment: "other"}); err != nil {
			return err
		}
		if err := account.SetProvisionedSignIn(ctx, tx, BenchAnalystEmail, hash, setup.Secret); err != nil {
			return err
		}
		if out.UserID, err = account.ProvisionedUserID(ctx, tx, BenchAnalystEmail); err != nil {
			return err
		}
		// A membership made earlier without the analyst flag is ended first:
		// EnsureMember leaves an existing one as it is.
		if _, err := org.EndMembership(ctx, tx, out.OrgID, out.UserID); err != nil {
			return err
		}
		if err := org.EnsureMember(ctx, tx, out.OrgID, BenchAnalystEmail, "member", true); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "system.bench_analyst_created", TargetType: "user", TargetID: out.UserID,
			OrgID: out.OrgID, Details: map[string]any{"email": BenchAnalystEmail}})
	})
	if err != nil {
		return nil, fmt.Errorf("seed: bench analyst: %w", err)
	}
	return out, nil
}

// DropBenchAnalyst removes BenchAnalystEmail and then its organisation
// when no member is left, with an audit entry, and reports whether the
// account was there. Refused in production (ErrProduction).
func DropBenchAnalyst(ctx context.Context, db *gorm.DB, env string) (bool, error) {
	if env == "production" {
		return false, ErrProduction
	}
	var removed bool
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if removed, err = account.DeleteProvisionedUser(ctx, tx, BenchAnalystEmail); err != nil {
			return err
		}
		orgRemoved, err := org.DeleteEmptyOrganisation(ctx, tx, BenchMinistryNameJa)
		if err != nil {
			return err
		}
		if !removed && !orgRemoved {
			return nil
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "system.bench_analyst_dropped",
			Details: map[string]any{"email": BenchAnalystEmail, "organisation_removed": orgRemoved}})
	})
	if err != nil {
		return false, fmt.Errorf("seed: drop the bench analyst: %w", err)
	}
	return removed, nil
}
