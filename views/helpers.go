package views

import "strings"

func describedBy(f Form, name, hint string) string {
	var ids []string
	if hint != "" {
		ids = append(ids, "f-"+name+"-hint")
	}
	if f.Err(name) != "" {
		ids = append(ids, "f-"+name+"-error")
	}
	return strings.Join(ids, " ")
}

// Groups splits s into runs of n characters (the last may be shorter), for
// showing a long code in readable blocks (a TOTP secret in fours). Shown as
// separate elements spaced by CSS, so copying the text still gives s.
func Groups(s string, n int) []string {
	var out []string
	r := []rune(s)
	for len(r) > n {
		out = append(out, string(r[:n]))
		r = r[n:]
	}
	if len(r) > 0 {
		out = append(out, string(r))
	}
	return out
}
