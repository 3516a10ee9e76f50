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

// sqlIdent returns name when it is one of the identifiers a query of this
// package is built with (a rollup value column, a date_trunc unit), and
// panics otherwise. It is the one place where this package puts a name
// into SQL text; values are always parameters.
func sqlIdent(name string) string {
	switch name {
	case "v1", "v2", "week", "month":
		return name
	}
	panic(fmt.Sprintf("reporting: %q is not an allowed SQL identifier", name))
}
