package credential_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"takumi/internal/credential"
)

func TestCredsignBuildOpenBadge(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		doc, err := credential.BuildOpenBadge(credsignInput())
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(doc)
		if strings.Contains(string(raw), "hanako@example.jp") {
			t.Fatal("the recipient's email appears in clear")
		}
		sum := sha256.Sum256([]byte("hanako@example.jp" + "c2FsdC0xMjM0NTY3OA"))
		if !strings.Contains(string(raw), `"sha256$`+hex.EncodeToString(sum[:])+`"`) {
			t.Fatal("identityHash is not sha256$hex(sha256(email+salt))")
		}
		for _, want := range []string{
			`"validFrom":"2026-04-01T09:30:00Z"`, `"validUntil":"2029-04-01T09:30:00Z"`,
			`"statusListIndex":"4242"`, `"type":"BitstringStatusListEntry"`, `"statusPurpose":"revocation"`,
			`"OpenBadgeCredential"`, `"AchievementSubject"`, `Robot Programming Fundamentals`, `"targetCode":"DSS-P"`,
			`"name":"ロボットプログラミング基礎 / Robot Programming Fundamentals"`, `Operated by Takumi`,
		} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("credential lacks %s", want)
			}
		}
	})

	t.Run("SafeModeExpansion", func(t *testing.T) {
		doc, err := credential.BuildOpenBadge(credsignInput())
		if err != nil {
			t.Fatal(err)
		}
		expanded, err := credential.ExpandSafe(doc, nil)
		if err != nil {
			t.Fatalf("safe-mode expansion: %v", err)
		}
		raw, _ := json.Marshal(expanded)
		// Every part of the credential survives expansion (nothing dropped).
		for _, want := range []string{
			"https://purl.imsglobal.org/spec/vc/ob/vocab.html#identityHash",
			"https://schema.org/targetFramework",
			"https://purl.imsglobal.org/spec/vc/ob/vocab.html#narrative",
			"https://www.w3.org/ns/credentials/status#statusListIndex",
			"https://www.w3.org/2018/credentials#validUntil",
			"Robot Programming Fundamentals",
		} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("expanded credential lacks %s", want)
			}
		}
		// And the signed one too (the proof uses the data integrity terms of credentials v2).
		if _, err := credential.ExpandSafe(credsignSigned(t), nil); err != nil {
			t.Fatalf("safe-mode expansion of the signed credential: %v", err)
		}
	})

	// Wallets show name and description as they are: both languages are in
	// the strings (1EdTech's OB 3.0 JSON Schema takes no language value
	// objects; docs/decisions.md "Names in both languages").
	t.Run("NamesInBothLanguages", func(t *testing.T) {
		doc, err := credential.BuildOpenBadge(credsignInput())
		if err != nil {
			t.Fatal(err)
		}
		ach := doc["credentialSubject"].(map[string]any)["achievement"].(map[string]any)
		both := "ロボットプログラミング基礎 / Robot Programming Fundamentals"
		if doc["name"] != both || ach["name"] != both {
			t.Errorf("credential name %q, achievement name %q, want %q", doc["name"], ach["name"], both)
		}
		desc, _ := ach["description"].(string)
		if desc != "産業用ロボットの基本操作とプログラミングを学ぶ。\n\nBasic operation and programming of industrial robots." {
			t.Errorf("achievement description %q", desc)
		}
		if d, _ := doc["description"].(string); d != desc {
			t.Errorf("credential description %q, want the achievement's", d)
		}
		in := credsignInput()
		in.NameEN, in.DescriptionEN = "", ""
		doc, _ = credential.BuildOpenBadge(in)
		ach = doc["credentialSubject"].(map[string]any)["achievement"].(map[string]any)
		if doc["name"] != in.NameJA || ach["name"] != in.NameJA || ach["description"] != in.DescriptionJA {
			t.Errorf("Japanese only: %q / %q / %q", doc["name"], ach["name"], ach["description"])
		}
	})

	t.Run("NoValidUntil", func(t *testing.T) {
		in := credsignInput()
		in.ValidUntil = time.Time{}
		doc, err := credential.BuildOpenBadge(in)
		if err != nil {
			t.Fatal(err)
		}
		if _, has := doc["validUntil"]; has {
			t.Fatal("validUntil present without expiry")
		}
	})

	t.Run("ErrInvalidInput", func(t *testing.T) {
		for name, mutate := range map[string]func(*credential.BadgeInput){
			"NoID":            func(in *credential.BadgeInput) { in.ID = "" },
			"HTTPID":          func(in *credential.BadgeInput) { in.ID = "http://takumi.example/c/1" },
			"IssuerNotDID":    func(in *credential.BadgeInput) { in.IssuerID = "https://takumi.example" },
			"NoSalt":          func(in *credential.BadgeInput) { in.RecipientSalt = "" },
			"UntilBeforeFrom": func(in *credential.BadgeInput) { in.ValidUntil = in.ValidFrom.Add(-time.Hour) },
			"NoStatusList":    func(in *credential.BadgeInput) { in.StatusListCredential = "" },
		} {
			in := credsignInput()
			mutate(&in)
			if _, err := credential.BuildOpenBadge(in); err == nil {
				t.Errorf("%s: built, want error", name)
			}
		}
	})
}
