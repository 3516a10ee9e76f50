package database

import (
	"sync"

	"github.com/jackc/pgx/v5/pgtype"
)

// Array passes s as one PostgreSQL array parameter (text[], uuid[],
// date[], bigint[], timestamptz[]; a nil element of []*T is NULL), encoded
// by pgx. A bare slice would not do: gorm spreads it into a list of
// parameters. A nil or empty s is '{}'.
func Array[T any](s []T) pgtype.Array[T] {
	return pgtype.Array[T]{Elements: s, Dims: []pgtype.ArrayDimension{{Length: int32(len(s)), LowerBound: 1}}, Valid: true}
}

// TextArray scans a text[] or uuid[] column (pgx's database/sql adapter
// hands arrays over in their text form).
type TextArray []string

// typeMaps holds pgx type maps for TextArray.Scan: a map is not safe for
// concurrent use, and building one per scan cost more than the parse.
var typeMaps = sync.Pool{New: func() any { return pgtype.NewMap() }}

// Scan parses the array's text form with pgx.
func (a *TextArray) Scan(src any) error {
	m := typeMaps.Get().(*pgtype.Map)
	defer typeMaps.Put(m)
	return m.SQLScanner((*[]string)(a)).Scan(src)
}
