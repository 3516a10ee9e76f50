// Package migrations holds the goose SQL files that own Takumi's schema. They
// are embedded in the binary and applied at start (and by every test database).
package migrations

import "embed"

// FS is the embedded set of migration files.
//
//go:embed *.sql
var FS embed.FS
