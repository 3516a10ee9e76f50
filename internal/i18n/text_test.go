package i18n

import "testing"

func TestTextIn(t *testing.T) {
	both := Text{Ja: "機械学習", En: "Machine learning"}
	jaOnly := Text{Ja: "機械学習", En: "  "}
	if both.In("en") != "Machine learning" || both.In("ja") != "機械学習" {
		t.Fatal("wrong language picked")
	}
	if jaOnly.In("en") != "機械学習" {
		t.Fatal("blank English must fall back to Japanese")
	}
}
