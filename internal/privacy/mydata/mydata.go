// Package mydata is the shape in which an owner package hands the privacy
// coordinator its part of a person's data export. It is a leaf package, so
// owners can name it without importing the coordinator.
package mydata

import (
	"crypto/sha1"
	"encoding/hex"
)

// Table is one table of the export: a name (the CSV file's, and the
// data.json key) and the query of the person's rows. In the query @user is
// the person's id, @email their email address and @email_sha1 the hex
// SHA-1 of "mailto:" + email (an xAPI mbox_sha1sum). SECURITY: never password
// hashes, two-factor secrets, recovery codes or token hashes.
type Table struct {
	Name  string
	Query string
}

// Args are the named arguments of the queries for one person.
func Args(userID, email string) map[string]any {
	sum := sha1.Sum([]byte("mailto:" + email))
	return map[string]any{"user": userID, "email": email, "email_sha1": hex.EncodeToString(sum[:])}
}
