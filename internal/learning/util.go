package learning

import (
	"strings"

	"github.com/google/uuid"
)

// isInvalidUUID reports whether err is PostgreSQL refusing a malformed uuid
// (an id typed into a URL), which the caller treats as not found.
func isInvalidUUID(err error) bool {
	return err != nil && strings.Contains(err.Error(), "invalid input syntax for type uuid")
}

// validID reports whether every id is a well-formed UUID; ids from URLs are
// checked before they reach a query, so a typo is "not found", not an error
// that aborts the transaction.
func validID(ids ...string) bool {
	for _, id := range ids {
		if _, err := uuid.Parse(id); err != nil {
			return false
		}
	}
	return true
}
