package org

import (
	"reflect"
	"testing"
)

// TestParseMembershipsText: lengths in bytes, values holding the format's
// own characters, an empty English name; malformed text is an error.
func TestParseMembershipsText(t *testing.T) {
	const uid = "u-1"
	got, err := parseMembershipsText("", uid)
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("empty: %#v, %v", got, err)
	}
	text := "3:o-15:admin1:18:employer12:株式会社0:" + "3:o-26:member1:08:provider7:1:2 3:45:a:b:c"
	got, err = parseMembershipsText(text, uid)
	want := []Membership{
		{OrgID: "o-1", UserID: uid, Role: "admin", Analyst: true, Kind: "employer", NameJa: "株式会社", NameEn: ""},
		{OrgID: "o-2", UserID: uid, Role: "member", Analyst: false, Kind: "provider", NameJa: "1:2 3:4", NameEn: "a:b:c"},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, %v", got, err)
	}
	for _, bad := range []string{"3:o-1", "x:abc", ":abc", "9:o-15:admin1:18:employer0:0:", "3:o-15:admin1:1", "-1:"} {
		if _, err := parseMembershipsText(bad, uid); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
