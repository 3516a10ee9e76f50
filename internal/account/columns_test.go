package account_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"takumi/internal/account"
	"takumi/internal/dbtest"
)

// TestUserColumns: account.UserColumns names every column of users, and
// scanning it into (*User).Fields with pgx gives the same account as
// gorm's read of the row, with every nullable column set and with all of
// them NULL.
func TestUserColumns(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	var cols []string
	if err := db.Gorm.Raw(`SELECT column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'users' ORDER BY ordinal_position`).Scan(&cols).Error; err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, c := range strings.Split(account.UserColumns, ",") {
		listed[strings.TrimPrefix(strings.TrimSpace(c), "u.")] = true
	}
	for _, c := range cols {
		if !listed[c] {
			t.Errorf("users.%s is not in account.UserColumns", c)
		}
	}
	if len(listed) != len(cols) || len((&account.User{}).Fields()) != len(cols) {
		t.Fatalf("%d columns listed, %d fields, %d in the table", len(listed), len((&account.User{}).Fields()), len(cols))
	}
	var full, bare string
	if err := db.Gorm.Raw(`INSERT INTO users (email, password_hash, display_name, prefecture_code, industry_code, segment, birth_year,
		gender, language, privacy_notice_version, consented_at, email_verified_at, is_platform_admin, disabled_at, failed_logins,
		locked_until, totp_secret, totp_enabled_at, totp_last_step, session_version)
		VALUES ('columns@example.jp', 'h', '列 太郎', '13', 'G', 'developer', 1990, 'female', 'en', '2026-11', now(), now(), true,
		now(), 3, now(), 'SECRET', now(), 12345, 7) RETURNING id`).Row().Scan(&full); err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm.Raw(`INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at)
		VALUES ('bare@example.jp', 'h', 'Bare', '2026-11', now()) RETURNING id`).Row().Scan(&bare); err != nil {
		t.Fatal(err)
	}
	store := account.NewStore(db.Gorm)
	for _, id := range []string{full, bare} {
		want, err := store.ByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var got account.User
		if err := db.Pool.QueryRow(ctx, `SELECT `+account.UserColumns+` FROM users u WHERE u.id = $1`, id).Scan(got.Fields()...); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&got, want) {
			t.Errorf("pgx scan:\n%+v\ngorm:\n%+v", got, *want)
		}
	}
}
