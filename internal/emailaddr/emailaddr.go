// Package emailaddr is Takumi's one rule for an email address, used by
// sign-up, invitations, bulk enrolment and single sign-on, so that an address
// one of them accepts is never refused by another.
package emailaddr

import (
	"net/mail"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// MaxLength is the longest address accepted (RFC 5321's path limit).
const MaxLength = 254

// Normalize returns the address as it is stored and compared: NFKC (so a
// full-width ＠ or letters typed with a Japanese IME become ASCII), trimmed,
// lower case.
func Normalize(s string) string {
	return strings.ToLower(strings.TrimSpace(norm.NFKC.String(s)))
}

// Valid reports whether s, already normalised, is one plain address
// (no display name, no angle brackets) whose domain has a dot:
// "taro@example" is a typo far more often than a real address.
func Valid(s string) bool {
	if s == "" || len(s) > MaxLength || strings.ContainsAny(s, " \t\r\n<>\"") {
		return false
	}
	at := strings.LastIndex(s, "@")
	if at <= 0 {
		return false
	}
	domain := s[at+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}
