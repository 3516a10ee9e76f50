package progress

import (
	"embed"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// The package's long queries live in queries/<name>.sql, one query a file
// (a file may open with "--" comment lines that say what it is for).
//
//go:embed queries/*.sql
var queryFiles embed.FS

// queryCache holds each query's text once it has been put together.
var queryCache sync.Map // name → string

// fragmentRe matches the one thing a query file may ask to be filled in.
var fragmentRe = regexp.MustCompile(`/\*\{([a-z_:]+)\}\*/`)

// query returns the query name ("bulk_activity", or "achievements:users"
// for the counting rule run for some learners), its /*{fragment}*/ marks
// filled from sqlFragments or, for another query's name, with that query.
// A name it does not know is a programming error: it panics (every test
// runs every query).
func query(name string) string {
	if q, ok := queryCache.Load(name); ok {
		return q.(string)
	}
	file, variant, _ := strings.Cut(name, ":")
	b, err := queryFiles.ReadFile("queries/" + file + ".sql")
	if err != nil {
		panic(fmt.Sprintf("progress: no query %q", name))
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	for len(lines) > 0 && strings.HasPrefix(lines[0], "--") {
		lines = lines[1:]
	}
	q := fragmentRe.ReplaceAllStringFunc(strings.Join(lines, "\n"), func(mark string) string {
		key := fragmentRe.FindStringSubmatch(mark)[1]
		if key == "filter" {
			key = "filter:" + variant
		}
		if f, ok := sqlFragments[key]; ok {
			return f
		}
		return query(key)
	})
	queryCache.Store(name, q)
	return q
}

// sqlFragments are the only pieces of SQL this package puts into a query:
// whom the counting rule is run for (filter:<variant>, for the rule's
// /*{filter}*/ when it is asked for as achievements:<variant>), and the rollup key (derived from
// Dimensions, the allowlist of dimension columns). Nothing here comes
// from a request.
var sqlFragments = func() map[string]string {
	sets, key := rollupSQL()
	return map[string]string{
		"filter:users":      "e.user_id = ANY (?)",
		"filter:bulk_users": "e.user_id IN (SELECT user_id FROM bulk_users)",
		"filter:programme":  "p.id = ?",
		"filter:all":        "true",
		"grouping_sets":     sets,
		"rollup_key_day":    key,
		"rollup_key_month":  strings.Replace(key, "day", "month", 1),
		// a (bulk_ach) and b (programme_achievements) are the same answer,
		// as Achievement.same compares them.
		"same_achievement": `a.programme_id = b.programme_id AND a.user_id = b.user_id AND a.credential_id = b.credential_id
	AND a.achieved_at = b.achieved_at AND a.prefecture = b.prefecture AND a.industry = b.industry
	AND a.skill_area = b.skill_area AND a.segment = b.segment AND a.provider = b.provider`,
	}
}()

// rollupSQL returns the SQL form of deltas.addKeys: the
// total, one breakdown per dimension and one cross-tabulation per pair of
// dimensions, each row named by (d1, d2, day, v1, v2) with the empty string for none.
func rollupSQL() (groupingSets, keyColumns string) {
	cols := strings.Join(Dimensions, ", ")
	sets := []string{"()"}
	n := len(Dimensions)
	all := 1<<n - 1
	// GROUPING(cols) has a bit set for each column aggregated away, the
	// first column the most significant.
	bit := func(i int) int { return 1 << (n - 1 - i) }
	var d1, v1, d2, v2 []string
	for i := range Dimensions {
		sets = append(sets, "("+Dimensions[i]+")")
		g := all &^ bit(i)
		d1 = append(d1, fmt.Sprintf("WHEN %d THEN '%s'", g, Dimensions[i]))
		v1 = append(v1, fmt.Sprintf("WHEN %d THEN %s", g, Dimensions[i]))
		for j := i + 1; j < n; j++ {
			sets = append(sets, "("+Dimensions[i]+", "+Dimensions[j]+")")
			g := all &^ bit(i) &^ bit(j)
			d1 = append(d1, fmt.Sprintf("WHEN %d THEN '%s'", g, Dimensions[i]))
			v1 = append(v1, fmt.Sprintf("WHEN %d THEN %s", g, Dimensions[i]))
			d2 = append(d2, fmt.Sprintf("WHEN %d THEN '%s'", g, Dimensions[j]))
			v2 = append(v2, fmt.Sprintf("WHEN %d THEN %s", g, Dimensions[j]))
		}
	}
	g := "GROUPING(" + cols + ")"
	key := fmt.Sprintf("CASE %[1]s %[2]s ELSE '' END, CASE %[1]s %[3]s ELSE '' END, day, CASE %[1]s %[4]s ELSE '' END, CASE %[1]s %[5]s ELSE '' END",
		g, strings.Join(d1, " "), strings.Join(d2, " "), strings.Join(v1, " "), strings.Join(v2, " "))
	return "GROUPING SETS (" + strings.Join(sets, ", ") + ")", key
}
