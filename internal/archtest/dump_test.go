package archtest

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

func TestDumpWrites(t *testing.T) {
	ws, err := scanTree("../..")
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]map[string][]string{}
	for _, w := range ws {
		if by[w.Table] == nil {
			by[w.Table] = map[string][]string{}
		}
		by[w.Table][w.Pkg] = append(by[w.Table][w.Pkg], w.Pos)
	}
	var names []string
	for k := range by {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, n := range names {
		var ps []string
		for p, pos := range by[n] {
			ps = append(ps, fmt.Sprintf("%s(%d)", p, len(pos)))
			if len(by[n]) > 1 {
				ps = append(ps, strings.Join(pos, " "))
			}
		}
		sort.Strings(ps)
		fmt.Println(n, ps)
	}
}
