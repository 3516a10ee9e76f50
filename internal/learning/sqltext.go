package learning

import "strings"

// sqlCode is an embedded query without its "--" comments and the lines
// they leave blank. gorm reads the whole text of a named query on every
// call (to find its @names) and pgx hashes it as its statement cache key,
// so the roster's and analytics' explanations in the .sql files cost CPU
// on every request (issue 20, docs/performance.md "Roster and analytics
// CPU per request"); the files keep them. Quoted strings are kept as they
// are ('--' inside quotes is not a comment); the queries here have no
// dollar-quoted or quoted-identifier text with "--" in it.
func sqlCode(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, line := range strings.Split(s, "\n") {
		code, quoted := line, false
		for i := 0; i < len(line); i++ {
			switch {
			case line[i] == '\'':
				quoted = !quoted
			case !quoted && line[i] == '-' && i+1 < len(line) && line[i+1] == '-':
				code = line[:i]
				i = len(line)
			}
		}
		code = strings.TrimRight(code, " \t")
		if strings.TrimSpace(code) == "" {
			continue
		}
		b.WriteString(code)
		b.WriteByte('\n')
	}
	return b.String()
}
