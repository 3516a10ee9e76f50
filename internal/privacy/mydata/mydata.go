// Package mydata is the shape in which an owner package hands the privacy
// coordinator its part of a person's data export. It is a leaf package, so
// owners can name it without importing the coordinator.
package mydata

// Table is one table of the export: a name (the CSV file's, and the
// data.json key) and the query of the person's rows. In the query @user is
// the person's id and @email their email address. SECURITY: never password
// hashes, two-factor secrets, recovery codes or token hashes.
type Table struct {
	Name  string
	Query string
}
