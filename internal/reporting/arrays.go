package reporting

import "github.com/jackc/pgx/v5/pgtype"

// pgArray passes s as one PostgreSQL array parameter (text[], uuid[],
// date[], bigint[], timestamptz[]; a nil element of []*T is NULL), encoded
// by pgx. A bare slice would not do: gorm spreads it into a list of
// parameters. A nil or empty s is '{}'.
func pgArray[T any](s []T) pgtype.Array[T] {
	return pgtype.Array[T]{Elements: s, Dims: []pgtype.ArrayDimension{{Length: int32(len(s)), LowerBound: 1}}, Valid: true}
}
