package progress

import "github.com/jackc/pgx/v5/pgtype"

// pgArray passes s as one PostgreSQL array parameter (text[], uuid[],
// date[], bigint[], timestamptz[]; a nil element of []*T is NULL), encoded
// by pgx. A bare slice would not do: gorm spreads it into a list of
// parameters. A nil or empty s is '{}'.
func pgArray[T any](s []T) pgtype.Array[T] {
	return pgtype.Array[T]{Elements: s, Dims: []pgtype.ArrayDimension{{Length: int32(len(s)), LowerBound: 1}}, Valid: true}
}

// textArray scans a text[] or uuid[] column (pgx's database/sql adapter
// hands arrays over in their text form).
type textArray []string

// Scan parses the array's text form with pgx.
func (a *textArray) Scan(src any) error {
	return pgtype.NewMap().SQLScanner((*[]string)(a)).Scan(src)
}
