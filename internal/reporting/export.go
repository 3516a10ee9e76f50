package reporting

import (
	"context"
	"io"
	"strconv"

	"takumi/internal/audit"
	"takumi/internal/csvexport"
	"takumi/internal/jst"

	"github.com/xuri/excelize/v2"
)

// Table is one published table, already translated: what the dashboard
// shows and what its CSV and XLSX exports contain, cell for cell.
type Table struct {
	Name    string // the export's table parameter, e.g. "funnel"
	Title   string
	Columns []string
	Rows    [][]Value
	// Keys has a stable key per row (a stage, a value's code, a period),
	// for the page's markup and tests; exports leave it out.
	Keys []string
	// Notes explain the table (what it counts, what a filter did to it).
	Notes []string
}

// Value is one cell of a Table: a number, or text. A cell hidden by
// disclosure control is text ("<10" or "x"): the number never leaves.
type Value struct {
	Text   string
	Number *float64 // nil for text
	Hidden bool
	// Decimals is how many decimals Text shows of Number.
	Decimals int
}

// Add appends a row with its key.
func (t *Table) Add(key string, row ...Value) {
	t.Keys = append(t.Keys, key)
	t.Rows = append(t.Rows, row)
}

// TextValue is a text cell.
func TextValue(s string) Value { return Value{Text: s} }

// NumberValue is a number shown with decimals.
func NumberValue(f float64, decimals int) Value {
	return Value{Text: strconv.FormatFloat(f, 'f', decimals, 64), Number: &f, Decimals: decimals}
}

// CellValue is a protected count: its number, or its "<k"/"x" text.
func CellValue(c Cell, k int) Value {
	if v := c.Value(); v != nil {
		return NumberValue(float64(*v), 0)
	}
	return Value{Text: c.Text(k), Hidden: c.Hidden}
}

// Metadata is the key/value lines every export carries: programme, filter,
// dates, as-of time and the disclosure rule, translated.
type Metadata [][2]string

// MetadataPrefix starts every metadata line of a CSV export, so a reader
// that skips comment lines (pandas comment="#", R comment.char="#") reads
// the table alone.
const MetadataPrefix = "# "

// WriteCSV writes t's header row and rows, then a blank line and m, one
// line per key, the key prefixed with MetadataPrefix, as UTF-8 with a
// byte-order mark (so spreadsheet programs read Japanese correctly). The
// header comes first so a spreadsheet or a CSV reader takes the file as a
// table (docs/decisions.md, "Ministry CSV: header first").
// SECURITY: course titles and provider names are typed by instructors;
// csvexport neutralises every cell a spreadsheet would run as a formula.
func WriteCSV(w io.Writer, t Table, m Metadata) error {
	cw := csvexport.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	for _, row := range t.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = v.Text
			if v.Number != nil {
				rec[i] = strconv.FormatFloat(*v.Number, 'f', -1, 64)
				if v.Decimals > 0 {
					rec[i] = strconv.FormatFloat(*v.Number, 'f', v.Decimals, 64)
				}
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	if err := cw.Write(nil); err != nil {
		return err
	}
	for _, kv := range m {
		if err := cw.Write([]string{MetadataPrefix + kv[0], kv[1]}); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// WriteXLSX writes t to the first sheet (dataSheet; header row, numbers as
// numbers, hidden cells as text) and m to a second sheet (metaSheet).
func WriteXLSX(w io.Writer, t Table, m Metadata, dataSheet, metaSheet string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", dataSheet); err != nil {
		return err
	}
	if _, err := f.NewSheet(metaSheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for j, col := range t.Columns {
		ref, _ := excelize.CoordinatesToCellName(j+1, 1)
		if err := f.SetCellStr(dataSheet, ref, col); err != nil {
			return err
		}
		if err := f.SetCellStyle(dataSheet, ref, ref, bold); err != nil {
			return err
		}
	}
	for i, row := range t.Rows {
		for j, v := range row {
			ref, _ := excelize.CoordinatesToCellName(j+1, i+2)
			if v.Number != nil {
				err = f.SetCellFloat(dataSheet, ref, *v.Number, v.Decimals, 64)
			} else {
				err = f.SetCellStr(dataSheet, ref, v.Text)
			}
			if err != nil {
				return err
			}
		}
	}
	for i, kv := range m {
		for j, s := range kv {
			ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := f.SetCellStr(metaSheet, ref, s); err != nil {
				return err
			}
		}
	}
	if err := setColumnWidths(f, dataSheet, columnTexts(t)); err != nil {
		return err
	}
	metaCols := make([][]string, 2)
	for _, kv := range m {
		metaCols[0], metaCols[1] = append(metaCols[0], kv[0]), append(metaCols[1], kv[1])
	}
	if err := setColumnWidths(f, metaSheet, metaCols); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

// columnTexts is each column's header and cell texts.
func columnTexts(t Table) [][]string {
	cols := make([][]string, len(t.Columns))
	for j, h := range t.Columns {
		cols[j] = append(cols[j], h)
	}
	for _, row := range t.Rows {
		for j, v := range row {
			if j < len(cols) {
				cols[j] = append(cols[j], v.Text)
			}
		}
	}
	return cols
}

// setColumnWidths sizes each column of sheet to its longest text, counting
// a Japanese (East Asian wide) character as two, within 8 and 60 characters,
// so a spreadsheet opens readable without resizing every column.
func setColumnWidths(f *excelize.File, sheet string, cols [][]string) error {
	for j, texts := range cols {
		width := 8
		for _, s := range texts {
			n := 0
			for _, r := range s {
				n++
				if r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) || (r >= 0xf900 && r <= 0xfaff) || (r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) || (r >= 0xffe0 && r <= 0xffe6)) {
					n++
				}
			}
			width = max(width, n+2)
		}
		name, err := excelize.ColumnNumberToName(j + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(sheet, name, name, float64(min(width, 60))); err != nil {
			return err
		}
	}
	return nil
}

// ExportRecord describes one export of a dashboard table, for the audit log.
type ExportRecord struct {
	ActorID, IP   string
	Table, Format string
	Filter        Filter
	Compare       Compare
}

// RecordExport writes a "ministry.export" row to the audit log: the tables
// hold aggregates only, but exports of national statistics are traced.
func (s *Service) RecordExport(ctx context.Context, r ExportRecord) error {
	details := map[string]any{
		"table": r.Table, "format": r.Format,
		"from": r.Filter.From.Format(jst.MonthLayout), "to": r.Filter.To.Format(jst.MonthLayout),
	}
	if r.Filter.Programme != nil {
		details["programme"] = r.Filter.Programme.Code
	}
	if r.Filter.Dim != "" {
		details["filter"] = r.Filter.Dim + "=" + r.Filter.Value
	}
	if r.Filter.Dim2 != "" {
		details["filter2"] = r.Filter.Dim2 + "=" + r.Filter.Value2
	}
	if r.Filter.Term != "" {
		details["term"] = r.Filter.Term
	}
	if r.Compare.Chosen() {
		details["compare"] = r.Compare.Dim + ":" + r.Compare.A + "," + r.Compare.B
	}
	return audit.RecordNow(ctx, s.db, audit.Entry{ActorID: r.ActorID, Action: "ministry.export",
		TargetType: "ministry_table", TargetID: r.Table, IP: r.IP, Details: details})
}
