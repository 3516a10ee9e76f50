package credential

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Types of an Open Badges 3.0 credential and its parts.
const (
	// TypeVerifiableCredential is the VC Data Model base type.
	TypeVerifiableCredential = "VerifiableCredential"
	// TypeOpenBadgeCredential is the Open Badges 3.0 credential type.
	TypeOpenBadgeCredential = "OpenBadgeCredential"
	// TypeBitstringStatusListEntry is the credentialStatus type of Bitstring Status List v1.0.
	TypeBitstringStatusListEntry = "BitstringStatusListEntry"
)

// Alignment links an achievement to a framework entry (a skill area of
// the platform's taxonomy, a Digital Skill Standards item).
type Alignment struct {
	// TargetName is the name of the framework entry.
	TargetName string
	// TargetURL is the URL of the framework entry.
	TargetURL string
	// TargetCode is the entry's code in the framework (optional).
	TargetCode string
	// TargetFramework is the framework's name (optional).
	TargetFramework string
}

// BadgeInput is everything needed to build an Open Badges 3.0 credential.
type BadgeInput struct {
	// ID is the credential id: "urn:uuid:…" or an https URL.
	ID string
	// IssuerID is the issuer's DID (did:web:…).
	IssuerID string
	// IssuerName is the training provider's name.
	IssuerName string
	// IssuerURL is the training provider's web site (optional).
	IssuerURL string
	// OperatorName is the platform that operates issuance on the provider's behalf.
	OperatorName string
	// ValidFrom is when the credential starts to be valid.
	ValidFrom time.Time
	// ValidUntil is when it stops being valid; zero for no expiry.
	ValidUntil time.Time
	// RecipientEmail is hashed with RecipientSalt; it never appears in clear.
	RecipientEmail string
	// RecipientSalt is the per-credential salt of the identity hash.
	RecipientSalt string
	// AchievementID is the achievement's URL (the course or learning path).
	AchievementID string
	// NameJA is the achievement name in Japanese (the credential's name).
	NameJA string
	// NameEN is the achievement name in English.
	NameEN string
	// DescriptionJA is the achievement description in Japanese.
	DescriptionJA string
	// DescriptionEN is the achievement description in English.
	DescriptionEN string
	// CriteriaNarrative says what the learner did to earn it.
	CriteriaNarrative string
	// Alignments are the skill area and Digital Skill Standards entries.
	Alignments []Alignment
	// AchievementImage is the achievement's image (URL or data URI, e.g.
	// AchievementImage's); it is also the credential's. Optional.
	AchievementImage string
	// IssuerImage is the issuer profile's image (e.g. IssuerImage's). Optional.
	IssuerImage string
	// StatusListCredential is the URL of the Bitstring Status List credential.
	StatusListCredential string
	// StatusListIndex is the credential's bit in that list.
	StatusListIndex int
}

// IdentityHash returns the Open Badges 3.0 identityHash of email with salt:
// "sha256$" + hex(SHA-256(email + salt)). The email is lower-cased and
// trimmed first so that the holder can reproduce the hash.
func IdentityHash(email, salt string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email)) + salt))
	return "sha256$" + hex.EncodeToString(sum[:])
}

// xsdDateTimeOf formats t as an XML Schema dateTime (UTC, seconds).
func xsdDateTimeOf(t time.Time) string { return t.UTC().Format(xsdDateTime) }

// BuildOpenBadge returns an unsigned Open Badges 3.0 OpenBadgeCredential
// (VC Data Model 2.0) for in, ready for Sign.
//
// Languages: 1EdTech's OB 3.0 JSON Schema types every name and description
// as a string (VC Data Model 2.0 language value objects would fail it;
// docs/decisions.md, "Names in both languages"), so both languages are in
// the strings a wallet shows: the credential's and the achievement's name
// is "日本語 / English" (Japanese alone when there is no distinct English
// name), their description the Japanese one, a blank line, the English
// one; inLanguage "ja" says the course itself is in Japanese. The issuer
// Profile's description names the platform as the operator (the OB Profile
// has no operator property).
func BuildOpenBadge(in BadgeInput) (map[string]any, error) {
	switch {
	case in.ID == "", in.IssuerID == "", in.IssuerName == "", in.AchievementID == "", in.NameJA == "":
		return nil, errors.New("credential: BuildOpenBadge: id, issuer, achievement id and name are required")
	case !strings.HasPrefix(in.ID, "urn:uuid:") && !strings.HasPrefix(in.ID, "https://"):
		return nil, errors.New("credential: BuildOpenBadge: id must be urn:uuid:… or https://…")
	case !strings.HasPrefix(in.IssuerID, "did:"):
		return nil, errors.New("credential: BuildOpenBadge: issuer id must be a DID")
	case in.RecipientEmail == "" || in.RecipientSalt == "":
		return nil, errors.New("credential: BuildOpenBadge: recipient email and salt are required")
	case in.ValidFrom.IsZero():
		return nil, errors.New("credential: BuildOpenBadge: validFrom is required")
	case !in.ValidUntil.IsZero() && !in.ValidUntil.After(in.ValidFrom):
		return nil, errors.New("credential: BuildOpenBadge: validUntil must be after validFrom")
	case in.StatusListCredential == "" || in.StatusListIndex < 0:
		return nil, errors.New("credential: BuildOpenBadge: status list URL and index are required")
	}

	issuer := map[string]any{
		"id":   in.IssuerID,
		"type": []any{"Profile"},
		"name": in.IssuerName,
	}
	if in.IssuerURL != "" {
		issuer["url"] = in.IssuerURL
	}
	if in.OperatorName != "" {
		issuer["description"] = "運営: " + in.OperatorName + " / Operated by " + in.OperatorName
	}
	if in.IssuerImage != "" {
		issuer["image"] = imageObject(in.IssuerImage, in.IssuerName)
	}

	name := bilingual(in.NameJA, in.NameEN, " / ")
	description := bilingual(strings.TrimSpace(in.DescriptionJA), strings.TrimSpace(in.DescriptionEN), "\n\n")
	if description == "" {
		// The OB 3.0 schema requires an achievement description: what was
		// required to earn it says the most.
		description = in.CriteriaNarrative
	}
	achievement := map[string]any{
		"id":         in.AchievementID,
		"type":       []any{"Achievement"},
		"name":       name,
		"inLanguage": "ja",
		"criteria":   map[string]any{"narrative": in.CriteriaNarrative},
	}
	if description != "" {
		achievement["description"] = description
	}
	if in.AchievementImage != "" {
		achievement["image"] = imageObject(in.AchievementImage, name)
	}
	if len(in.Alignments) > 0 {
		al := make([]any, 0, len(in.Alignments))
		for _, a := range in.Alignments {
			m := map[string]any{
				"type":       []any{"Alignment"},
				"targetName": a.TargetName,
				"targetUrl":  a.TargetURL,
			}
			if a.TargetCode != "" {
				m["targetCode"] = a.TargetCode
			}
			if a.TargetFramework != "" {
				m["targetFramework"] = a.TargetFramework
			}
			al = append(al, m)
		}
		achievement["alignment"] = al
	}

	cred := map[string]any{
		"@context":  []any{ContextCredentialsV2, ContextOpenBadges303},
		"id":        in.ID,
		"type":      []any{TypeVerifiableCredential, TypeOpenBadgeCredential},
		"issuer":    issuer,
		"validFrom": xsdDateTimeOf(in.ValidFrom),
		"name":      name,
		"credentialSubject": map[string]any{
			"type": []any{"AchievementSubject"},
			"identifier": []any{map[string]any{
				"type":         "IdentityObject",
				"identityHash": IdentityHash(in.RecipientEmail, in.RecipientSalt),
				"identityType": "emailAddress",
				"hashed":       true,
				"salt":         in.RecipientSalt,
			}},
			"achievement": achievement,
		},
		"credentialStatus": map[string]any{
			"id":                   in.StatusListCredential + "#" + strconv.Itoa(in.StatusListIndex),
			"type":                 TypeBitstringStatusListEntry,
			"statusPurpose":        "revocation",
			"statusListIndex":      strconv.Itoa(in.StatusListIndex),
			"statusListCredential": in.StatusListCredential,
		},
	}
	if description != "" {
		cred["description"] = description
	}
	if in.AchievementImage != "" {
		cred["image"] = imageObject(in.AchievementImage, name)
	}
	if !in.ValidUntil.IsZero() {
		cred["validUntil"] = xsdDateTimeOf(in.ValidUntil)
	}
	return cred, nil
}

// bilingual joins a Japanese and an English text with sep, or returns the
// one that is there (the Japanese alone when both are the same).
func bilingual(ja, en, sep string) string {
	switch {
	case en == "" || en == ja:
		return ja
	case ja == "":
		return en
	}
	return ja + sep + en
}

// imageObject is an Open Badges 3.0 Image: the image's URI (or data URI)
// and a caption saying what it shows.
func imageObject(uri, caption string) map[string]any {
	return map[string]any{"id": uri, "type": "Image", "caption": caption}
}
