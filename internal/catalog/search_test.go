package catalog

import (
	"reflect"
	"testing"
)

func TestSearchGrams(t *testing.T) {
	t.Run("JapaneseTwoCharacterWord", func(t *testing.T) {
		_, grams := SearchDocument("産業用ロボットの機械学習")
		q := ParseQuery("機械")
		if !reflect.DeepEqual(q.Grams, []string{"機械"}) {
			t.Fatalf("query grams %v", q.Grams)
		}
		if !containsAll(grams, q.Grams) {
			t.Fatalf("document grams %v lack %v", grams, q.Grams)
		}
	})
	t.Run("FullWidthFolds", func(t *testing.T) {
		text, _ := SearchDocument("ＡＩ入門　Ｐｙｔｈｏｎ")
		if text != "ai入門 python" {
			t.Fatalf("normalised %q", text)
		}
	})
	t.Run("WordsAndLimits", func(t *testing.T) {
		q := ParseQuery("  Cloud、セキュア  coding!! ")
		if !reflect.DeepEqual(q.Words, []string{"cloud", "セキュア", "coding"}) {
			t.Fatalf("words %v", q.Words)
		}
		if !ParseQuery(" 、。 ").Empty() {
			t.Fatal("punctuation-only query is not empty")
		}
	})
	t.Run("LikeEscapes", func(t *testing.T) {
		if got := likePattern(`50%_a\b`); got != `%50\%\_a\\b%` {
			t.Fatalf("pattern %q", got)
		}
	})
}

func containsAll(set, want []string) bool {
	m := map[string]bool{}
	for _, s := range set {
		m[s] = true
	}
	for _, w := range want {
		if !m[w] {
			return false
		}
	}
	return true
}
