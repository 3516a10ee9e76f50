// Package partner holds the pages of partner issuers (issue 19, learning
// done elsewhere): the platform admin's /admin/partners pages and the
// learner's form that adds a partner's credential to the wallet.
package partner

import (
	"strconv"
	"time"

	"takumi/internal/credential"
	"takumi/internal/jst"
	"takumi/internal/partner"
	"takumi/internal/reporting"
	"takumi/views"
)

// IssuerPage is what /admin/partners/{id} shows.
type IssuerPage struct {
	Issuer      *partner.Issuer
	Mappings    []partner.Mapping
	Credentials []partner.Credential
	Skills      []views.Option
	MapForm     views.Form
	DocForm     views.Form
	ListForm    views.Form
}

// AddForm is the learner's form that adds a partner credential.
type AddForm struct {
	Form     views.Form
	Report   *credential.Report // the checks, when verification ran and refused it
	FileName string
}

// KindKey is the label key of a partner kind.
func KindKey(k string) string { return "partner.kind_" + k }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func day(p views.Page, t time.Time) string { return jst.LongDate(p.Lang(), t) }

func issuerURL(id string) string { return "/admin/partners/" + id }

func sourceKey(s string) string { return "partner.document_source_" + s }

// SourceRow is one programme's learners by where their credential came
// from, after disclosure control (the two add up to the published total).
type SourceRow struct {
	Code           string
	NameJa, NameEn string
	Takumi         reporting.Cell
	Partner        reporting.Cell
}
