package bulkenrol

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"takumi/internal/apperr"
	"takumi/internal/emailaddr"
	"unicode/utf8"

	"github.com/google/uuid"

	"golang.org/x/text/encoding/japanese"
)

// bulkRow is one data row, normalised.
type bulkRow struct {
	idx        int // 0-based position among data rows
	line       int
	email      string // "" when invalid
	name       string
	prefecture string
	industry   string
	segment    string
	course     string
	cohort     string // a valid uuid, or ""
	hasCohort  bool   // the cohort cell was filled in (valid or not)
	bad        bool   // a problem was found while reading
}

// decodeBulkFile returns the file as text: UTF-8 (a BOM is dropped) when
// it is valid UTF-8, else Shift_JIS (what Excel in Japan writes) when that
// decodes cleanly. Anything else is refused.
func decodeBulkFile(data []byte) (string, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	var text string
	if utf8.Valid(data) {
		text = string(data)
	} else {
		out, err := japanese.ShiftJIS.NewDecoder().Bytes(data)
		if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
			return "", apperr.FieldErrors(map[string]string{"file": "bulk.err_encoding"})
		}
		text = string(out)
	}
	if strings.ContainsRune(text, 0) {
		return "", apperr.FieldErrors(map[string]string{"file": "bulk.err_encoding"})
	}
	return text, nil
}

// parseBulkCSV reads the header and every row. Problems of a row are
// returned as BulkErrors; problems of the whole file as an invalid error.
func parseBulkCSV(data []byte) ([]bulkRow, []RowError, error) {
	if len(data) > MaxFileBytes {
		return nil, nil, apperr.FieldErrors(map[string]string{"file": "bulk.err_too_large"})
	}
	text, err := decodeBulkFile(data)
	if err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(text) == "" {
		return nil, nil, apperr.FieldErrors(map[string]string{"file": "bulk.err_empty"})
	}
	r := newLineReader(text)
	header, _, syntax, err := r.read()
	if err != nil || syntax || !bulkHeaderOK(header) {
		return nil, []RowError{{Line: 1, Key: "bulk.err_header", Args: []any{strings.Join(Columns, ",")}}}, nil
	}
	var rows []bulkRow
	var errs []RowError
	for {
		rec, line, syntax, err := r.read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, apperr.FieldErrors(map[string]string{"file": "bulk.err_encoding"})
		}
		if !syntax && blankRecord(rec) {
			continue
		}
		if len(rows) >= MaxRows {
			return nil, nil, apperr.FieldErrors(map[string]string{"file": "bulk.err_too_many_rows"})
		}
		var row bulkRow
		if syntax {
			// The row counts (a 50-line file is 50 rows) and has an error.
			row = bulkRow{line: line, bad: true}
			errs = append(errs, RowError{Line: line, Key: "bulk.err_csv_syntax"})
		} else {
			var rowErrs []RowError
			row, rowErrs = checkBulkRecord(rec, line)
			errs = append(errs, rowErrs...)
		}
		row.idx = len(rows)
		rows = append(rows, row)
	}
	if len(rows) == 0 && len(errs) == 0 {
		return nil, nil, apperr.FieldErrors(map[string]string{"file": "bulk.err_no_rows"})
	}
	return rows, errs, nil
}

// lineReader reads CSV records one line at a time. No field of a bulk file
// holds a line break, so a record that would run past the end of its line
// (an unbalanced quotation mark, which would swallow the lines after it up
// to the next quotation mark) is reported as a syntax error on its first
// line, and reading starts again on the line after it.
type lineReader struct {
	text string
	off  int // byte offset in text where r starts
	base int // line number of text[off]
	r    *csv.Reader
}

func newLineReader(text string) *lineReader {
	lr := &lineReader{text: text, base: 1}
	lr.restart()
	return lr
}

func (lr *lineReader) restart() {
	r := csv.NewReader(strings.NewReader(lr.text[lr.off:]))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	lr.r = r
}

// restartAfter moves the reader to the start of the line after line.
func (lr *lineReader) restartAfter(line int) {
	for lr.base <= line {
		i := strings.IndexByte(lr.text[lr.off:], '\n')
		if i < 0 {
			lr.off, lr.base = len(lr.text), line+1
			break
		}
		lr.off += i + 1
		lr.base++
	}
	lr.restart()
}

// read returns the next record and the line it starts on. syntax is true
// (and rec nil) when that line is not valid CSV on its own. err is io.EOF
// at the end of the text.
func (lr *lineReader) read() (rec []string, line int, syntax bool, err error) {
	rec, err = lr.r.Read()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		line = lr.base + pe.StartLine - 1
		lr.restartAfter(line)
		return nil, line, true, nil
	}
	if err != nil {
		return nil, 0, false, err
	}
	l, _ := lr.r.FieldPos(0)
	line = lr.base + l - 1
	for _, f := range rec {
		// A quoted field closed on a later line: the quotation marks of
		// this line are unbalanced.
		if strings.Contains(f, "\n") {
			lr.restartAfter(line)
			return nil, line, true, nil
		}
	}
	return rec, line, false, nil
}

func bulkHeaderOK(h []string) bool {
	if len(h) != len(Columns) {
		return false
	}
	en, ja := true, true
	for i, name := range h {
		name = strings.TrimSpace(name)
		if !strings.EqualFold(name, Columns[i]) {
			en = false
		}
		if name != ColumnsJa[i] {
			ja = false
		}
	}
	return en || ja
}

// blankRecord reports a row of empty cells (spreadsheets write them).
func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// checkBulkRecord normalises one row and checks what can be checked
// without the database.
func checkBulkRecord(rec []string, line int) (bulkRow, []RowError) {
	row := bulkRow{line: line}
	if len(rec) != len(Columns) {
		row.bad = true
		return row, []RowError{{Line: line, Key: "bulk.err_field_count", Args: []any{len(rec), len(Columns)}}}
	}
	var errs []RowError
	fail := func(col, key string, args ...any) {
		row.bad = true
		errs = append(errs, RowError{Line: line, Column: col, Key: key, Args: args})
	}
	email := emailaddr.Normalize(rec[0])
	switch {
	case email == "":
		fail("email", "bulk.err_required")
	case !emailaddr.Valid(email):
		fail("email", "bulk.err_email", strings.TrimSpace(rec[0]))
	default:
		row.email = email
	}
	row.name = strings.TrimSpace(rec[1])
	switch n := utf8.RuneCountInString(row.name); {
	case n == 0:
		fail("name", "bulk.err_required")
	case n > 100:
		fail("name", "bulk.err_name_long")
	}
	row.prefecture = strings.TrimSpace(rec[2])
	// Spreadsheets drop the leading zero of 01–09: "1" means "01".
	if len(row.prefecture) == 1 && row.prefecture[0] >= '1' && row.prefecture[0] <= '9' {
		row.prefecture = "0" + row.prefecture
	}
	if row.prefecture == "" {
		fail("prefecture", "bulk.err_required")
	}
	row.industry = strings.ToUpper(strings.TrimSpace(rec[3]))
	if row.industry == "" {
		fail("industry", "bulk.err_required")
	}
	row.segment = strings.ToLower(strings.TrimSpace(rec[4]))
	switch {
	case row.segment == "":
		fail("segment", "bulk.err_required")
	case !bulkSegments[row.segment]:
		fail("segment", "bulk.err_segment", strings.TrimSpace(rec[4]))
	}
	row.course = strings.ToLower(strings.TrimSpace(rec[5]))
	if row.course == "" {
		fail("course", "bulk.err_required")
	}
	if c := strings.TrimSpace(rec[6]); c != "" {
		row.hasCohort = true
		if id, err := uuid.Parse(c); err == nil && len(c) == 36 {
			row.cohort = id.String()
		} else {
			fail("cohort", "bulk.err_cohort_format", c)
		}
	}
	return row, errs
}
