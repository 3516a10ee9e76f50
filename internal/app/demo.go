package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"gorm.io/gorm"

	"takumi/internal/account"
	"takumi/internal/audit"
	"takumi/internal/config"
	"takumi/internal/database"
	"takumi/internal/org"
)

// DemoAccount describes one demo sign-in.
type DemoAccount struct {
	RoleKey string // catalogue key of the role's name
	Email   string
}

type demoPerson struct {
	DemoAccount
	Name       string
	Prefecture string
	Industry   string
	Segment    string
	Admin      bool   // platform admin
	Org        string // organisation key
	Role       string // org role
	Analyst    bool
}

type demoOrg struct {
	Key, NameJa, NameEn, Kind, Prefecture, Industry string
}

var demoOrgs = []demoOrg{
	{"ministry", "デジタル人材育成本部（デモ）", "Digital Skills Office (demo)", "ministry", "13", "S"},
	{"employer", "東海精機製作所（デモ）", "Tokai Precision Works (demo)", "employer", "23", "E"},
	{"provider", "匠テックアカデミー（デモ）", "Takumi Tech Academy (demo)", "provider", "13", "O"},
}

const demoDomain = "@demo.takumi.localhost"

var demoPeople = func() []demoPerson {
	p := []demoPerson{
		{DemoAccount: DemoAccount{"demo.role_platform_admin", "admin" + demoDomain}, Name: "運営 管理者", Prefecture: "13", Industry: "G", Segment: "other", Admin: true},
		{DemoAccount: DemoAccount{"demo.role_analyst", "analyst" + demoDomain}, Name: "統計 分析官", Prefecture: "13", Industry: "S", Segment: "other", Org: "ministry", Role: "member", Analyst: true},
		{DemoAccount: DemoAccount{"demo.role_employer_admin", "hr" + demoDomain}, Name: "人事 担当", Prefecture: "23", Industry: "E", Segment: "other", Org: "employer", Role: "admin"},
		{DemoAccount: DemoAccount{"demo.role_provider_admin", "provider-admin" + demoDomain}, Name: "研修 管理者", Prefecture: "13", Industry: "O", Segment: "other", Org: "provider", Role: "admin"},
		{DemoAccount: DemoAccount{"demo.role_instructor", "instructor1" + demoDomain}, Name: "佐藤 講師", Prefecture: "13", Industry: "O", Segment: "engineer", Org: "provider", Role: "instructor"},
		{DemoAccount: DemoAccount{"demo.role_instructor", "instructor2" + demoDomain}, Name: "鈴木 講師", Prefecture: "27", Industry: "O", Segment: "developer", Org: "provider", Role: "instructor"},
	}
	// Twenty learners across several prefectures and industries; the first
	// eight work for the Aichi manufacturer.
	prefs := []string{"23", "23", "23", "23", "23", "21", "22", "24", "13", "13", "14", "27", "28", "40", "01", "04", "26", "34", "47", "11"}
	inds := []string{"E", "E", "E", "E", "E", "E", "E", "E", "G", "G", "J", "I", "E", "H", "P", "D", "L", "E", "M", "G"}
	segs := []string{"engineer", "other", "engineer", "developer", "other"}
	names := []string{"伊藤 翔", "渡辺 美咲", "山本 大輔", "中村 彩", "小林 健", "加藤 由美", "吉田 拓海", "山田 花子", "佐々木 蓮", "山口 陽菜",
		"松本 悠斗", "井上 結衣", "木村 湊", "林 さくら", "斎藤 陸", "清水 葵", "山崎 颯太", "森 美月", "池田 海斗", "橋本 凛"}
	for i := 0; i < 20; i++ {
		dp := demoPerson{
			DemoAccount: DemoAccount{"demo.role_learner", fmt.Sprintf("learner%02d%s", i+1, demoDomain)},
			Name:        names[i], Prefecture: prefs[i], Industry: inds[i], Segment: segs[i%len(segs)],
		}
		if i < 8 {
			dp.Org, dp.Role = "employer", "member"
		}
		p = append(p, dp)
	}
	return p
}()

// DemoAccountList is every demo account, in the order `takumi demo` prints them.
func DemoAccountList() []DemoAccount {
	out := make([]DemoAccount, len(demoPeople))
	for i, p := range demoPeople {
		out[i] = p.DemoAccount
	}
	return out
}

// LoadDemo creates the demo organisations and accounts, publishes the
// demo provider's courses (demo_courses.go), and leaves demo learners
// holding credentials and a learning path (demo_credentials.go). Running it again
// changes nothing: existing rows are left as they are. The shared password is
// TAKUMI_DEMO_PASSWORD, or one generated on first load and kept in the data
// directory so that later runs print the same one. Refused in production.
func LoadDemo(ctx context.Context, cfg config.Config, db *database.DB, out io.Writer) error {
	if cfg.Production() {
		return errors.New("demo data is not loaded in production")
	}
	password, err := demoPassword(cfg)
	if err != nil {
		return err
	}
	hash, err := account.HashPassword(password)
	if err != nil {
		return err
	}
	created := 0
	err = db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		orgIDs := map[string]string{}
		for _, o := range demoOrgs {
			id, err := org.EnsureOrganisation(ctx, tx, org.NewOrganisation{NameJa: o.NameJa, NameEn: o.NameEn, Kind: o.Kind,
				PrefectureCode: o.Prefecture, IndustryCode: o.Industry})
			if err != nil {
				return err
			}
			orgIDs[o.Key] = id
		}
		if err := org.SetCodeIfUnset(ctx, tx, orgIDs["provider"], demoProviderCode); err != nil {
			return err
		}
		if err := ensureDemoLRSClient(ctx, tx, orgIDs["employer"], password); err != nil { // issue 17
			return err
		}
		for _, p := range demoPeople {
			made, err := account.EnsureUser(ctx, tx, account.ProvisionedUser{Email: p.Email, PasswordHash: hash, DisplayName: p.Name,
				Prefecture: p.Prefecture, Industry: p.Industry, Segment: p.Segment, PlatformAdmin: p.Admin})
			if err != nil {
				return err
			}
			if made {
				created++
			}
			if p.Org == "" {
				continue
			}
			if err := org.EnsureMember(ctx, tx, orgIDs[p.Org], p.Email, p.Role, p.Analyst); err != nil {
				return err
			}
		}
		if created > 0 {
			return audit.Record(ctx, tx, audit.Entry{Action: "system.demo_loaded", Details: map[string]any{"accounts_created": created}})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	courses, err := loadDemoCourses(ctx, cfg, db)
	if err != nil {
		return fmt.Errorf("load demo courses: %w", err)
	}
	sessions, err := loadDemoCohorts(ctx, db)
	if err != nil {
		return fmt.Errorf("load demo sessions: %w", err)
	}
	creds, err := loadDemoCredentials(ctx, cfg, db)
	if err != nil {
		return fmt.Errorf("load demo credentials: %w", err)
	}
	programmes, err := loadDemoProgrammes(ctx, db)
	if err != nil {
		return fmt.Errorf("load demo programmes: %w", err)
	}
	// Single sign-on (issue 18): the demo employer's provider is `takumi dev-idp`.
	ssoPointed, err := loadDemoSSO(ctx, db)
	if err != nil {
		return fmt.Errorf("load demo single sign-on: %w", err)
	}
	if created == 0 && courses == 0 && sessions == 0 && creds == 0 && programmes == 0 {
		fmt.Fprintln(out, "Demo data already present: nothing changed.")
	} else {
		fmt.Fprintf(out, "Demo data loaded: %d accounts created, %d courses published.\n", created, courses)
	}
	fmt.Fprintf(out, "Every demo account's password: %s\n", password)
	fmt.Fprintln(out, "Platform admin, analyst and organisation admins set up two-factor sign-in (an authenticator app) at their first sign-in.")
	l := mustCatalogEN()
	for _, p := range demoPeople {
		fmt.Fprintf(out, "%-28s %s\n", l(p.RoleKey), p.Email)
	}
	printDemoCourses(out)
	printDemoCredentials(out)
	printDemoLRSClient(out, cfg, password)
	printDemoSSO(out, ssoPointed) // issue 18
	// Integration API (issue 19): the demo employer's API client.
	return loadDemoAPIClient(ctx, cfg, db, out)
}

func demoPassword(cfg config.Config) (string, error) {
	if cfg.DemoPassword != "" {
		return cfg.DemoPassword, nil
	}
	path := filepath.Join(cfg.DataDir, "demo-password")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 12 {
		return strings.TrimSpace(string(b)), nil
	}
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var sb strings.Builder
	for i := 0; i < 16; i++ {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", err
		}
		sb.WriteByte(alphabet[n.Int64()])
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(sb.String()+"\n"), 0o600); err != nil {
		return "", err
	}
	return sb.String(), nil
}
