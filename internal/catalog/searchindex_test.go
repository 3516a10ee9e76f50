package catalog

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"takumi/internal/dbtest"
)

// TestSearchIndexMatchesSQL compares the catalogue search from memory
// (searchindex.go) with the SQL path over many queries on the benchmark's
// 5,000 published courses, plus courses with NULLs, ties and punctuation:
// every field of the results (filter as applied, ignored parameters,
// total, pages, facets, the page's listings in order) must be equal.
func TestSearchIndexMatchesSQL(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 5,500 courses")
	}
	db := dbtest.New(t)
	ctx := context.Background()
	if err := benchSeed(ctx, db); err != nil {
		t.Fatal(err)
	}
	// Edge cases the generated courses lack: NULL projections and search
	// documents, equal publication times and titles (the id breaks the
	// tie), an empty English title, punctuation and symbols in the text.
	for _, sql := range []string{
		`UPDATE courses SET estimated_hours = NULL WHERE code IN ('course-00001', 'course-00002')`,
		`UPDATE courses SET level = NULL, delivery_mode = NULL WHERE code = 'course-00003'`,
		`UPDATE courses SET search_grams = NULL WHERE code = 'course-00004'`,
		`UPDATE courses SET search_text = NULL WHERE code = 'course-00005'`,
		`UPDATE courses SET skill_area_code = NULL, language = NULL WHERE code = 'course-00006'`,
		`UPDATE courses SET published_at = (SELECT published_at FROM courses WHERE code = 'course-00010') WHERE code BETWEEN 'course-00011' AND 'course-00030'`,
		`UPDATE courses SET title_ja = '同じ題名', title_en = NULL WHERE code BETWEEN 'course-00031' AND 'course-00045'`,
		`UPDATE courses SET title_en = '' WHERE code BETWEEN 'course-00046' AND 'course-00050'`,
		`UPDATE courses SET estimated_hours = 4.9 WHERE code = 'course-00051'`,
		`UPDATE courses SET estimated_hours = 5 WHERE code = 'course-00052'`,
		`UPDATE courses SET estimated_hours = 19.9 WHERE code = 'course-00053'`,
		`UPDATE courses SET title_ja = 'C++ と 100% の_下線\記号', search_text = 'c++ と 100% の_下線\記号', search_grams = '{c+,++,10,00,0%,の_,_下,下線,線\\,\\記,記号}' WHERE code = 'course-00054'`,
	} {
		if err := db.Gorm.Exec(sql).Error; err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	s := NewService(db.Gorm, nil)
	ix, err := loadSearchIndex(ctx, s.db, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.courses) != benchPublished {
		t.Fatalf("index holds %d courses, want %d", len(ix.courses), benchPublished)
	}
	areas, providers, err := s.refs.get(ctx, s.db)
	if err != nil {
		t.Fatal(err)
	}
	words := []string{"", "機械", "機", "製造", "データ", "データ分析", "機械学習", "生成ai", "生成AI", "ＡＩ", "ai", "a", "i", "の",
		"cloud", "Cloud Security", "machine learning", "machine", "learn", "ma", "m", "iot", "dx推進", "DX推進/業務", "ゼロトラスト",
		"プログラミング 設計", "c++", "100%", "%", "_", `\`, "の_下線", `線\記`, "下線", "zzzz", "qx", "存在しない言葉", "cloud, security!",
		"「品質管理」", "センサー・制御", "e-learning", "large language models", "ロボット ロボット", "a b c d e f g h i j",
		strings.Repeat("データ", 30), "研修", "基礎", "入門", "講座", "向け", "engineers", "office", "Fundamentals"}
	provRefs := []string{"", "bench-provider-0", "bench-provider-2", "unknown-provider", strings.ToUpper(providers[1].ID), providers[3].ID}
	pick := func(r *mrand.Rand, list []string) string { return list[r.IntN(len(list))] }
	var skills []string
	for _, a := range areas {
		skills = append(skills, a.Code)
	}
	skills = append(skills, "no-such-skill")
	r := mrand.New(mrand.NewPCG(20, 1207))
	var filters []Filter
	for _, w := range words { // every word alone, first page and past the end
		filters = append(filters, Filter{Q: w}, Filter{Q: w, Page: 100000, Sort: "title", DisplayLang: "en"})
	}
	for range 700 {
		f := Filter{Q: pick(r, words), Page: []int{0, 1, 1, 2, 3, 7, 40, 251, 100000}[r.IntN(9)],
			Sort: pick(r, []string{"", "", "newest", "title", "hours", "bogus"}), DisplayLang: pick(r, []string{"ja", "en"})}
		if r.IntN(2) == 0 {
			f.Q += " " + pick(r, words)
		}
		if r.IntN(3) == 0 {
			f.Skill = pick(r, skills)
		}
		if r.IntN(3) == 0 {
			f.Level = pick(r, append(slicesOf(Levels), "expert"))
		}
		if r.IntN(3) == 0 {
			f.Mode = pick(r, append(slicesOf(DeliveryModes), "x"))
		}
		if r.IntN(4) == 0 {
			f.Language = pick(r, append(slicesOf(Languages), "fr"))
		}
		if r.IntN(3) == 0 {
			f.Hours = pick(r, append(slicesOf(HoursBuckets), "1-2"))
		}
		if r.IntN(3) == 0 {
			f.Provider = pick(r, provRefs)
		}
		filters = append(filters, f)
	}
	differ, nonEmpty := 0, 0
	for _, f := range filters {
		want, err := s.search(ctx, f, s.db, nil)
		if err != nil {
			t.Fatalf("%+v: SQL: %v", f, err)
		}
		got, err := s.search(ctx, f, s.db, ix)
		if err != nil {
			t.Fatalf("%+v: memory: %v", f, err)
		}
		if want.Total > 0 {
			nonEmpty++
		}
		if !reflect.DeepEqual(got, want) {
			differ++
			if differ <= 5 {
				t.Errorf("%+v: memory and SQL differ:\n%s", f, describeDiff(got, want))
			}
		}
	}
	if differ > 0 {
		t.Fatalf("%d of %d searches differ", differ, len(filters))
	}
	if nonEmpty < len(filters)/3 {
		t.Fatalf("only %d of %d searches found courses: the comparison proves little", nonEmpty, len(filters))
	}
	t.Logf("%d searches equal (%d with results)", len(filters), nonEmpty)
}

func slicesOf(s []string) []string { return append([]string(nil), s...) }

// describeDiff names the fields of two results that differ.
func describeDiff(got, want *Results) string {
	var b strings.Builder
	gv, wv := reflect.ValueOf(*got), reflect.ValueOf(*want)
	for i := range gv.NumField() {
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			g, w := fmt.Sprintf("%+v", gv.Field(i).Interface()), fmt.Sprintf("%+v", wv.Field(i).Interface())
			if len(g) > 600 {
				g = g[:600] + "…"
			}
			if len(w) > 600 {
				w = w[:600] + "…"
			}
			fmt.Fprintf(&b, "  %s:\n    memory %s\n    SQL    %s\n", gv.Type().Field(i).Name, g, w)
		}
	}
	return b.String()
}

// BenchmarkCatalogueSearchIndex measures the searches of the Catalogue
// benchmarks answered from the index, and reports the index's size (heap
// in use before and after loading it, 5,000 courses).
func BenchmarkCatalogueSearchIndex(b *testing.B) {
	s := benchService(b)
	ctx := context.Background()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ix, err := loadSearchIndex(ctx, s.db, 1)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	fmt.Fprintf(os.Stderr, "search index of %d courses: %.1f MB of heap, %d bigrams\n", len(ix.courses),
		float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), len(ix.grams))
	for _, f := range []Filter{{Q: "機械"}, {Q: "cloud security"}, {Skill: "advanced_manufacturing", Level: LevelIntermediate},
		{Q: "製造 データ", Level: LevelIntroductory, Mode: DeliverySelfPaced, Hours: "5-20"}, {Q: "データ"}, {Q: "機"}, {Page: 200}} {
		b.Run(fmt.Sprintf("%s_%s_page%d", f.Q, f.Level, f.Page), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.search(ctx, f, s.db, ix); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/query")
		})
	}
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			if _, err := loadSearchIndex(ctx, s.db, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	runtime.KeepAlive(ix)
}
