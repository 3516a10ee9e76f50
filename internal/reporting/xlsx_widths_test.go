package reporting_test

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"takumi/internal/reporting"
)

// TestXLSXColumnWidths: an exported sheet opens with each column as wide as
// its longest text (Japanese counted double), not Excel's default 8.43.
func TestXLSXColumnWidths(t *testing.T) {
	tbl := reporting.Table{Columns: []string{"都道府県", "修了者数"}}
	tbl.Add("13", reporting.TextValue("東京都（とうきょうと）の集計"), reporting.NumberValue(1234, 0))
	meta := reporting.Metadata{{"集計時点", "2026-12-06 09:00 JST"}}
	var buf bytes.Buffer
	if err := reporting.WriteXLSX(&buf, tbl, meta, "data", "about"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if w, _ := f.GetColWidth("data", "A"); w < 30 {
		t.Errorf("column A is %.1f wide, want room for a 15-character Japanese name (≥ 30)", w)
	}
	if w, _ := f.GetColWidth("data", "B"); w < 8 || w > 12 {
		t.Errorf("column B is %.1f wide, want its header's width (8–12)", w)
	}
	if w, _ := f.GetColWidth("about", "B"); w < 20 {
		t.Errorf("metadata value column is %.1f wide", w)
	}
}
