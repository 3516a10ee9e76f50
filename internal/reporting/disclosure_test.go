package reporting_test

import (
	"testing"

	"takumi/internal/reporting"
)

func texts(cells []reporting.Cell) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = c.Text(10)
	}
	return out
}

func TestProtect(t *testing.T) {
	cases := []struct {
		name  string
		in    []int64
		want  []string
		total string
	}{
		{"NothingSmall", []int64{12, 40, 0}, []string{"12", "40", "0"}, "52"},
		// One small cell: the smallest other non-zero cell is hidden too, so
		// total - visible cannot give it back.
		{"OneSmallGetsComplement", []int64{3, 40, 25, 0}, []string{"<10", "40", "x", "0"}, "68"},
		{"TwoSmallNeedNoComplement", []int64{3, 4, 40}, []string{"<10", "<10", "40"}, "47"},
		{"SmallTotalHidesAll", []int64{3, 4, 0}, []string{"<10", "<10", "0"}, "<10"},
		{"Zero", []int64{0, 0}, []string{"0", "0"}, "0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cells, total := reporting.Protect(tc.in, 10)
			got := texts(cells)
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("cells %v, want %v", got, tc.want)
				}
			}
			if total.Text(10) != tc.total {
				t.Fatalf("total %s, want %s", total.Text(10), tc.total)
			}
			// Whatever is hidden, the visible cells and the total never
			// pin down a single hidden cell.
			hidden := 0
			for _, c := range cells {
				if c.Hidden {
					hidden++
				}
				if c.Hidden && c.Value() != nil {
					t.Fatal("a hidden cell has a value for charts/JSON")
				}
			}
			if hidden == 1 && !total.Hidden {
				t.Fatal("exactly one hidden cell with a visible total: recoverable")
			}
		})
	}
}

func TestProtectTable(t *testing.T) {
	// Rows: two prefectures; columns: three industries.
	cells := reporting.ProtectTable([][]int64{
		{5, 30, 20},
		{40, 50, 60},
	}, 10)
	for i, row := range cells {
		if n := countHidden(row); n == 1 {
			t.Fatalf("row %d has exactly one hidden cell", i)
		}
	}
	for j := range cells[0] {
		col := []reporting.Cell{cells[0][j], cells[1][j]}
		if n := countHidden(col); n == 1 {
			t.Fatalf("column %d has exactly one hidden cell", j)
		}
	}
	if !cells[0][0].Hidden || cells[0][0].Secondary {
		t.Fatal("the small cell is not primarily suppressed")
	}
}

func countHidden(cs []reporting.Cell) int {
	n := 0
	for _, c := range cs {
		if c.Hidden {
			n++
		}
	}
	return n
}
