package catalog

import (
	"os"
	"testing"
)

// TestCheckCmi5 reads the test course's cmi5.xml and refuses broken ones
// with each problem named at its AU.
func TestCheckCmi5(t *testing.T) {
	raw, err := os.ReadFile("testdata/cmi5/course/cmi5.xml")
	if err != nil {
		t.Fatal(err)
	}
	has := func(p string) bool { return p == "au/index.html" }
	m, ps := checkCmi5(raw, has)
	if len(ps) > 0 {
		t.Fatalf("problems: %+v", ps)
	}
	if m.Version != ScormCmi5 || m.Title != "cmi5 安全教育テスト" || len(m.Modules) != 1 || len(m.Modules[0].SCOs) != 1 {
		t.Fatalf("manifest: %+v", m)
	}
	ref := m.Modules[0].SCOs[0].Ref
	if ref.ActivityID != "https://takumi.example/cmi5/test-course/au1" || ref.MoveOn != "CompletedAndPassed" ||
		ref.MasteryScore == nil || *ref.MasteryScore != 0.8 || ref.Launch != "au/index.html" || m.Modules[0].SCOs[0].Title != "安全の基本" {
		t.Fatalf("AU: %+v", ref)
	}

	bad := `<courseStructure><course id="https://x/c"/>
		<au id="https://x/a" moveOn="Sometimes" masteryScore="2"><url>missing.html</url></au>
		<block id="https://x/b"><au id="https://x/a"><url>au/index.html</url></au><au id="not an iri"><url>https://remote/x</url></au></block>
	</courseStructure>`
	_, ps = checkCmi5([]byte(bad), has)
	want := map[string]int{"cmi5.err_move_on": 1, "cmi5.err_mastery": 1, "cmi5.err_url": 2, "cmi5.err_id": 2}
	got := map[string]int{}
	for _, p := range ps {
		got[p.Key]++
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d problems, want %d (all: %+v)", k, got[k], n, ps)
		}
	}
	if _, ps := checkCmi5([]byte(`<courseStructure><course id="https://x/c"/></courseStructure>`), has); len(ps) != 1 || ps[0].Key != "cmi5.err_no_au" {
		t.Errorf("no AU: %+v", ps)
	}
	if _, ps := checkCmi5([]byte(`<nope`), has); len(ps) != 1 || ps[0].Key != "cmi5.err_xml" {
		t.Errorf("broken XML: %+v", ps)
	}
}
