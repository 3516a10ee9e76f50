package database

import "strings"

// likeEscaper is built once: a replacer built per call was most of a
// search's allocations.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// EscapeLike escapes LIKE's and ILIKE's wildcards and its escape
// character, so a search for "50%" or "a_b" matches those characters
// literally (the query says ESCAPE '\').
func EscapeLike(s string) string { return likeEscaper.Replace(s) }
