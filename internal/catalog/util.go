package catalog

import (
	"strings"

	"github.com/google/uuid"
)

func parseUUID(s string) (uuid.UUID, error) { return uuid.Parse(s) }

// arrayElementEscaper escapes a text[] literal's quoted element (built
// once: a replacer built per element was most of a course-card read's
// allocations).
var arrayElementEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// pgTextArray renders a text[] literal for a bound parameter; elements are
// quoted and escaped, so any text is safe.
func pgTextArray(items []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(arrayElementEscaper.Replace(s))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}
