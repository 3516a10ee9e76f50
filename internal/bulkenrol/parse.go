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
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, []RowError{{Line: 1, Key: "bulk.err_header", Args: []any{strings.Join(Columns, ",")}}}, nil
	}
	if !bulkHeaderOK(header) {
		return nil, []RowError{{Line: 1, Key: "bulk.err_header", Args: []any{strings.Join(Columns, ",")}}}, nil
	}
	var rows []bulkRow
	var errs []RowError
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			errs = append(errs, RowError{Line: pe.StartLine, Key: "bulk.err_csv_syntax"})
			if len(errs) > MaxRows*2 {
				break
			}
			continue
		}
		if err != nil {
			return nil, nil, apperr.FieldErrors(map[string]string{"file": "bulk.err_encoding"})
		}
		line, _ := r.FieldPos(0)
		if blankRecord(rec) {
			continue
		}
		if len(rows) >= MaxRows {
			return nil, nil, apperr.FieldErrors(map[string]string{"file": "bulk.err_too_many_rows"})
		}
		row, rowErrs := checkBulkRecord(rec, line)
		row.idx = len(rows)
		errs = append(errs, rowErrs...)
		rows = append(rows, row)
	}
	if len(rows) == 0 && len(errs) == 0 {
		return nil, nil, apperr.FieldErrors(map[string]string{"file": "bulk.err_no_rows"})
	}
	return rows, errs, nil
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
