package emailaddr

import "testing"

func TestValid(t *testing.T) {
	for in, want := range map[string]bool{
		"taro@example.jp":             true,
		"Taro.Yamada+x@Example.co.jp": true,
		"ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ":             true, // full-width, as typed with an IME
		"taro@example":                false,
		"taro@.example.jp":            false,
		"taro@example.jp.":            false,
		"taro@@example.jp":            false,
		"Taro <taro@example.jp>":      false,
		"taro example@example.jp":     false,
		"":                            false,
		"@example.jp":                 false,
	} {
		if got := Valid(Normalize(in)); got != want {
			t.Errorf("Valid(Normalize(%q)) = %v, want %v", in, got, want)
		}
	}
}
