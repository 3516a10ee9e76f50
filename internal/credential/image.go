package credential

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"strings"
)

// Images are SVG data URIs inside the credential (docs/decisions.md,
// "Credential images"): the image is covered by the signature, shows
// offline, and needs no route, storage or third-party host.

// BadgeArt is what an achievement image shows.
type BadgeArt struct {
	// Title is the achievement's name (course or learning path).
	Title string
	// Skill is the skill area's name ("" when none).
	Skill string
	// SkillCode picks the image's colour, so one skill area's badges match.
	SkillCode string
	// Level is the course level's name, or e.g. "Learning path".
	Level string
	// Provider is the training provider's name.
	Provider string
}

// svgDataURI returns svg as a base64 data: URI.
func svgDataURI(svg string) string {
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg))
}

// xmlText escapes s for SVG text content.
func xmlText(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// clip shortens s to at most n runes, with an ellipsis.
func clip(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// hueOf is a stable colour hue (0–359) for a skill area code.
func hueOf(code string) int {
	h := fnv.New32a()
	h.Write([]byte(code))
	return int(h.Sum32() % 360)
}

// AchievementImage returns the achievement's badge: an SVG (data URI) with
// the skill area, the level, the title and the provider.
func AchievementImage(a BadgeArt) string {
	hue := hueOf(a.SkillCode)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400" role="img" aria-label="%s">`,
		xmlText(clip(a.Title, 60)))
	fmt.Fprintf(&b, `<rect width="400" height="400" rx="48" fill="hsl(%d,45%%,22%%)"/>`, hue)
	fmt.Fprintf(&b, `<circle cx="200" cy="170" r="118" fill="hsl(%d,55%%,92%%)" stroke="hsl(%d,60%%,60%%)" stroke-width="10"/>`, hue, hue)
	b.WriteString(`<g font-family="'Noto Sans JP','Hiragino Sans','Yu Gothic',sans-serif" text-anchor="middle">`)
	fmt.Fprintf(&b, `<text x="200" y="132" font-size="22" fill="hsl(%d,45%%,25%%)">%s</text>`, hue, xmlText(clip(a.Skill, 14)))
	fmt.Fprintf(&b, `<text x="200" y="186" font-size="30" font-weight="700" fill="hsl(%d,45%%,18%%)">%s</text>`, hue, xmlText(clip(a.Title, 11)))
	fmt.Fprintf(&b, `<text x="200" y="232" font-size="20" fill="hsl(%d,45%%,25%%)">%s</text>`, hue, xmlText(clip(a.Level, 18)))
	fmt.Fprintf(&b, `<text x="200" y="338" font-size="20" fill="#ffffff">%s</text>`, xmlText(clip(a.Provider, 24)))
	fmt.Fprintf(&b, `<text x="200" y="368" font-size="14" fill="hsl(%d,40%%,80%%)">%s</text>`, hue, xmlText(OperatorName))
	b.WriteString(`</g></svg>`)
	return svgDataURI(b.String())
}

// IssuerImage returns the issuer profile's image: an SVG (data URI) with
// the provider's name and the operating platform. Providers cannot upload
// their own logo yet; this stands in for it.
func IssuerImage(provider string) string {
	initial := string([]rune(strings.TrimSpace(provider) + "?")[:1])
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400" role="img" aria-label="%s">`,
		xmlText(clip(provider, 60)))
	b.WriteString(`<rect width="400" height="400" rx="48" fill="#1f2a44"/>`)
	b.WriteString(`<g font-family="'Noto Sans JP','Hiragino Sans','Yu Gothic',sans-serif" text-anchor="middle" fill="#ffffff">`)
	fmt.Fprintf(&b, `<text x="200" y="220" font-size="150" font-weight="700">%s</text>`, xmlText(initial))
	fmt.Fprintf(&b, `<text x="200" y="310" font-size="22">%s</text>`, xmlText(clip(provider, 24)))
	fmt.Fprintf(&b, `<text x="200" y="360" font-size="16" fill="#b8c4e0">%s</text>`, xmlText(OperatorName))
	b.WriteString(`</g></svg>`)
	return svgDataURI(b.String())
}

// IssuerImageWithLogo is the issuer image of a credential: the provider's
// uploaded PNG logo as a data: URI (org.SetLogo checked it), or the
// generated image when the provider has none (docs/decisions.md, "Provider
// logos").
func IssuerImageWithLogo(provider string, logoPNG []byte) string {
	if len(logoPNG) == 0 {
		return IssuerImage(provider)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(logoPNG)
}
