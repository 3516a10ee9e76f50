package reporting

import (
	"embed"
	"fmt"
	"strings"
)

// The package's long queries live in queries/<name>.sql, one query a file
// (a file may open with "--" comment lines that say what it is for).
//
//go:embed queries/*.sql
var queryFiles embed.FS

// queries holds every query file's text by name, read once.
var queries = func() map[string]string {
	entries, err := queryFiles.ReadDir("queries")
	if err != nil {
		panic(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := queryFiles.ReadFile("queries/" + e.Name())
		if err != nil {
			panic(err)
		}
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		for len(lines) > 0 && strings.HasPrefix(lines[0], "--") {
			lines = lines[1:]
		}
		out[strings.TrimSuffix(e.Name(), ".sql")] = strings.Join(lines, "\n")
	}
	return out
}()

// query returns the query in queries/<name>.sql. A name without a file is
// a programming error: it panics (every test runs every query).
func query(name string) string {
	q, ok := queries[name]
	if !ok {
		panic(fmt.Sprintf("reporting: no query %q", name))
	}
	return q
}
