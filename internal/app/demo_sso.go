package app

import (
	"context"
	"fmt"
	"io"

	"gorm.io/gorm"

	"takumi/internal/config"
	"takumi/internal/database"
	"takumi/internal/devidp"
	"takumi/internal/org"
	"takumi/internal/sso"
)

// Single sign-on for the demo employer (issue 18, "try it locally"): its
// approved domain routes to the development OpenID Provider that `takumi
// dev-idp` runs (internal/devidp).

// loadDemoSSO configures the demo employer's domain and provider.
func loadDemoSSO(ctx context.Context, db *database.DB) (bool, error) {
	var pointed bool
	err := db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var o demoOrg
		for _, d := range demoOrgs {
			if d.Key == "employer" {
				o = d
			}
		}
		id, err := org.EnsureOrganisation(ctx, tx, org.NewOrganisation{NameJa: o.NameJa, NameEn: o.NameEn, Kind: o.Kind,
			PrefectureCode: o.Prefecture, IndustryCode: o.Industry})
		if err != nil {
			return err
		}
		pointed, err = sso.EnsureDevProvider(ctx, tx, id, devidp.Domain, devidp.Issuer(devidp.AddrFromEnv()),
			devidp.ClientID, devidp.ClientSecret)
		return err
	})
	return pointed, err
}

func printDemoSSO(out io.Writer, pointed bool) {
	if !pointed {
		fmt.Fprintln(out, "Single sign-on: the demo employer's provider was changed by hand; left as it is.")
		return
	}
	fmt.Fprintf(out, "Single sign-on: run `takumi dev-idp` (a development OpenID Provider at %s), then on /login/sso type\n",
		devidp.Issuer(devidp.AddrFromEnv()))
	for _, u := range devidp.Users {
		fmt.Fprintf(out, "  %s\n", u.Username)
	}
	fmt.Fprintln(out, "and sign in at the provider with the same address and the demo password.")
}

// DemoPassword is the demo accounts' shared password (`takumi dev-idp`
// gives it to its people too).
func DemoPassword(cfg config.Config) (string, error) { return demoPassword(cfg) }
