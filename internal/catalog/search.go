package catalog

import (
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"takumi/internal/database"
)

// Search works the same for Japanese and English without a word splitter:
// text is normalised (NFKC, lower case) and cut into words at spaces and
// punctuation, and every word into overlapping character pairs (bigrams). A
// course matches a query word when it has all of the word's bigrams (a GIN
// index on courses.search_grams answers that) and the normalised text really
// contains the word (which removes pairs that occur apart). Bigrams, unlike
// trigrams, find two-character Japanese words such as 機械 or 製造; a
// one-character word has no bigram and is matched by the text alone.

// Normalize prepares text for searching: NFKC (full-width Latin and
// half-width katakana fold to their usual forms) and lower case.
func Normalize(s string) string {
	return strings.ToLower(norm.NFKC.String(s))
}

// searchWords splits normalised text into words.
func searchWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || (unicode.IsPunct(r) && r != '-' && r != '_') || unicode.IsSymbol(r)
	})
}

// bigrams returns the distinct character pairs of word.
func bigrams(word string) []string {
	rs := []rune(word)
	if len(rs) < 2 {
		return nil
	}
	out := make([]string, 0, len(rs)-1)
	for i := 0; i+1 < len(rs); i++ {
		out = append(out, string(rs[i:i+2]))
	}
	return out
}

// SearchDocument returns the normalised text and the sorted, distinct
// bigrams of the given fields, for storing on a published course.
func SearchDocument(fields ...string) (string, []string) {
	text := Normalize(strings.Join(fields, "\n"))
	set := map[string]bool{}
	for _, w := range searchWords(text) {
		for _, g := range bigrams(w) {
			set[g] = true
		}
	}
	grams := make([]string, 0, len(set))
	for g := range set {
		grams = append(grams, g)
	}
	sort.Strings(grams)
	return text, grams
}

// SearchQuery is a parsed free-text query: the words a course must all
// contain, and their bigrams.
type SearchQuery struct {
	Words []string
	Grams []string
}

// ParseQuery normalises q and splits it into words (at most 8, each at most
// 50 characters, so a query stays cheap).
func ParseQuery(q string) SearchQuery {
	var sq SearchQuery
	set := map[string]bool{}
	for _, w := range searchWords(Normalize(q)) {
		if len(sq.Words) == 8 {
			break
		}
		if rs := []rune(w); len(rs) > 50 {
			w = string(rs[:50])
		}
		sq.Words = append(sq.Words, w)
		for _, g := range bigrams(w) {
			if !set[g] {
				set[g] = true
				sq.Grams = append(sq.Grams, g)
			}
		}
	}
	sort.Strings(sq.Grams)
	return sq
}

// Empty reports whether the query has no words.
func (q SearchQuery) Empty() bool { return len(q.Words) == 0 }

// likePattern escapes a word for LIKE ... ESCAPE '\'.
func likePattern(word string) string { return "%" + database.EscapeLike(word) + "%" }
