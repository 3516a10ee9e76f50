package catalog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"takumi/internal/database"
	"takumi/internal/dbtest"
)

// The catalogue benchmark: 5,000 published courses (plus drafts and
// archived ones the catalogue must skip), written with COPY, then the four
// kinds of catalogue query measured through Service.Search. Run with
//
//	go test -run xxx -bench Catalogue -benchtime 200x ./internal/catalog/
//
// (or `make bench`). docs/performance.md records the figures and plans.

const (
	benchPublished = 5000
	benchDrafts    = 300
	benchArchived  = 200
)

var bench struct {
	once      sync.Once
	db        *database.DB
	svc       *Service
	name      string
	err       error
	explained map[string]bool
}

// TestMain drops the benchmark's database (when one was made) after the
// run, unless TAKUMI_BENCH_KEEP is set (to inspect it with psql).
func TestMain(m *testing.M) {
	code := m.Run()
	if bench.db != nil && os.Getenv("TAKUMI_BENCH_KEEP") != "" {
		fmt.Fprintf(os.Stderr, "kept benchmark database %s\n", bench.name)
	} else if bench.db != nil {
		bench.db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if conn, err := pgx.Connect(ctx, dbtest.ServerURL()); err == nil {
			conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{bench.name}.Sanitize()+" WITH (FORCE)")
			conn.Close(ctx)
		}
		cancel()
	}
	os.Exit(code)
}

// benchService returns the catalog service on the benchmark database,
// creating and filling it on first use (shared by every benchmark).
func benchService(b *testing.B) *Service {
	b.Helper()
	bench.once.Do(func() {
		ctx := context.Background()
		suffix := make([]byte, 6)
		rand.Read(suffix)
		bench.name = "takumi_bench_" + hex.EncodeToString(suffix)
		url, err := database.WithDatabase(dbtest.ServerURL(), bench.name)
		if err != nil {
			bench.err = err
			return
		}
		quiet := slog.Default()
		slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
		defer slog.SetDefault(quiet)
		if bench.db, err = database.Open(ctx, url); err != nil {
			bench.err = err
			return
		}
		if err := database.Migrate(ctx, bench.db); err != nil {
			bench.err = err
			return
		}
		start := time.Now()
		if err := benchSeed(ctx, bench.db); err != nil {
			bench.err = err
			return
		}
		b.Logf("seeded %d published, %d draft and %d archived courses with COPY in %s",
			benchPublished, benchDrafts, benchArchived, time.Since(start).Round(time.Millisecond))
		bench.svc = NewService(bench.db.Gorm, nil)
		bench.explained = map[string]bool{}
	})
	if bench.err != nil {
		b.Fatalf("benchmark database: %v", bench.err)
	}
	return bench.svc
}

// Word lists the generated courses are drawn from.
var (
	benchTopicsJa = []string{"機械学習", "工作機械", "製造", "生成AI", "クラウド", "セキュリティ", "ロボット", "データ分析", "品質管理",
		"IoT", "自動化", "ネットワーク", "プログラミング", "設計", "保全", "画像認識", "需要予測", "情報セキュリティ", "脆弱性診断",
		"コンテナ", "統計", "大規模言語モデル", "プロンプト", "DX推進", "業務改善", "センサー", "制御", "PLC", "溶接", "外観検査",
		"サプライチェーン", "デジタルツイン", "予知保全", "ゼロトラスト", "インシデント対応"}
	benchTopicsEn = []string{"machine learning", "machine tools", "manufacturing", "generative AI", "cloud", "security", "robotics",
		"data analysis", "quality control", "IoT", "automation", "networking", "programming", "design", "maintenance",
		"computer vision", "demand forecasting", "cybersecurity", "penetration testing", "containers", "statistics",
		"large language models", "prompt engineering", "digital transformation", "process improvement", "sensors",
		"control systems", "PLC", "welding", "visual inspection", "supply chains", "digital twins", "predictive maintenance",
		"zero trust", "incident response"}
	benchTitlesJa   = []string{"%sの基礎", "実践%s", "%sと%s入門", "現場で使う%s", "%s活用講座", "はじめての%s", "%s応用: %s編"}
	benchTitlesEn   = []string{"%s Fundamentals", "Practical %s", "Introduction to %s and %s", "%s on the Factory Floor", "Applied %s", "Getting Started with %s", "Advanced %s: %s"}
	benchAudienceJa = []string{"事務職の方", "製造現場のリーダー", "情報システム部門", "中小企業の経営者", "新入社員", "技術者", "品質保証担当者"}
	benchSentenceJa = []string{"%sの考え方を、具体的な事例と演習で学びます。", "%sを職場で安全に使うための手順を身につけます。",
		"%sに関するよくある失敗と、その防ぎ方を確認します。", "最後に%sの小さなプロジェクトを自分で計画します。",
		"%sの用語を整理し、チームで説明できるようになります。"}
	benchSentenceEn = []string{"Learn the ideas behind %s through worked examples and exercises.", "Practise using %s safely at work.",
		"Review common mistakes with %s and how to avoid them.", "Finish by planning a small %s project of your own."}
)

type benchCourse struct {
	providerID, code, status                       string
	titleJa, titleEn, summaryJa, summaryEn, descMd string
	skill, level, mode, lang                       string
	hours                                          float64
}

// benchSeed makes eight providers (half with a code) and the courses, with
// the same catalogue projection and search document Publish writes.
func benchSeed(ctx context.Context, db *database.DB) error {
	var providers []string
	for i := range 8 {
		var code any
		if i%2 == 0 {
			code = fmt.Sprintf("bench-provider-%d", i)
		}
		var id string
		if err := db.Pool.QueryRow(ctx, `INSERT INTO organisations (name_ja, name_en, kind, code) VALUES ($1, $2, 'provider', $3) RETURNING id`,
			fmt.Sprintf("研修機関%d", i), fmt.Sprintf("Provider %d", i), code).Scan(&id); err != nil {
			return err
		}
		providers = append(providers, id)
	}
	var skills []string
	if err := db.Gorm.Raw("SELECT code FROM skill_areas ORDER BY sort_order").Scan(&skills).Error; err != nil {
		return err
	}
	r := mrand.New(mrand.NewPCG(2030, 1))
	pickOne := func(list []string) string { return list[r.IntN(len(list))] }
	hoursChoices := []float64{1, 1.5, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24, 30, 40, 60}
	total := benchPublished + benchDrafts + benchArchived
	now := time.Now()
	rows := make([][]any, 0, total)
	for i := range total {
		t := r.IntN(len(benchTopicsJa))
		u := r.IntN(len(benchTopicsJa))
		tmpl := r.IntN(len(benchTitlesJa))
		c := benchCourse{
			providerID: providers[r.IntN(len(providers))],
			code:       fmt.Sprintf("course-%05d", i),
			titleJa:    benchFill(benchTitlesJa[tmpl], benchTopicsJa[t], benchTopicsJa[u]),
			skill:      pickOne(skills),
			level:      pickOne(Levels),
			mode:       pickOne(DeliveryModes),
			lang:       "ja",
			hours:      hoursChoices[r.IntN(len(hoursChoices))],
		}
		if r.IntN(10) < 7 { // most courses have an English title too
			c.titleEn = benchFill(benchTitlesEn[tmpl], benchTopicsEn[t], benchTopicsEn[u])
			c.summaryEn = "For " + pickOne([]string{"office workers", "factory leaders", "IT teams", "small business owners", "engineers"}) +
				": " + benchFill(pickOne(benchSentenceEn), benchTopicsEn[t])
		}
		if r.IntN(10) == 0 {
			c.lang = "en"
		}
		c.summaryJa = pickOne(benchAudienceJa) + "向けに、" + benchFill(pickOne(benchSentenceJa), benchTopicsJa[t])
		var desc strings.Builder
		for range 4 + r.IntN(5) {
			k := r.IntN(len(benchTopicsJa))
			desc.WriteString(benchFill(pickOne(benchSentenceJa), benchTopicsJa[k]))
			if r.IntN(3) == 0 {
				desc.WriteString(" " + benchFill(pickOne(benchSentenceEn), benchTopicsEn[k]))
			}
			desc.WriteString("\n\n")
		}
		c.descMd = desc.String()
		switch {
		case i < benchPublished:
			c.status = StatusPublished
		case i < benchPublished+benchDrafts:
			c.status = StatusDraft
		default:
			c.status = StatusArchived
		}
		if c.status == StatusDraft {
			rows = append(rows, []any{c.providerID, c.code, c.status, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil})
			continue
		}
		text, grams := SearchDocument(c.titleJa, c.titleEn, c.summaryJa, c.summaryEn, c.descMd)
		published := now.Add(-time.Duration(i) * time.Hour)
		rows = append(rows, []any{c.providerID, c.code, c.status, 1, published, c.titleJa, c.titleEn, c.summaryJa, c.summaryEn,
			c.skill, c.level, c.mode, c.lang, c.hours, 6, text, grams})
	}
	// Bulk load through GIN's pending list (the migration turns it off for
	// day-to-day publishing); the VACUUM below moves it into the index.
	if _, err := db.Pool.Exec(ctx, "ALTER INDEX courses_grams_idx SET (fastupdate = on)"); err != nil {
		return err
	}
	_, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"courses"},
		[]string{"provider_id", "code", "status", "published_revision", "published_at", "title_ja", "title_en", "summary_ja", "summary_en",
			"skill_area_code", "level", "delivery_mode", "language", "estimated_hours", "lesson_count", "search_text", "search_grams"},
		pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("copy courses: %w", err)
	}
	// VACUUM as autovacuum would after a bulk load: it sets the visibility
	// map (index-only scans) and refreshes the planner's statistics.
	_, err = db.Pool.Exec(ctx, "VACUUM (ANALYZE) courses")
	if err == nil {
		_, err = db.Pool.Exec(ctx, "ALTER INDEX courses_grams_idx SET (fastupdate = off)")
	}
	if err == nil {
		_, err = db.Pool.Exec(ctx, "ANALYZE organisations; ANALYZE skill_areas")
	}
	return err
}

// benchFill replaces each %s of tmpl with the next word (extra words are
// left out).
func benchFill(tmpl string, words ...string) string {
	for _, w := range words {
		tmpl = strings.Replace(tmpl, "%s", w, 1)
	}
	return tmpl
}

// benchSearch measures Service.Search for f, after printing the query plans
// of its two queries.
func benchSearch(b *testing.B, f Filter, wantSome bool) {
	s := benchService(b)
	ctx := context.Background()
	res, err := s.Search(ctx, f)
	if err != nil {
		b.Fatal(err)
	}
	if wantSome && res.Total == 0 {
		b.Fatalf("search %+v found nothing", f)
	}
	b.Logf("%+v: %d courses", f, res.Total)
	if key := fmt.Sprintf("%+v", f); !bench.explained[key] { // once per benchmark, not per b.N round
		bench.explained[key] = true
		benchExplain(b, s, f)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Search(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/query")
}

// benchExplain logs EXPLAIN (ANALYZE, BUFFERS) of the two queries of a search.
func benchExplain(b *testing.B, s *Service, f Filter) {
	ctx := context.Background()
	areas, _ := s.SkillAreas(ctx)
	providers, _ := s.CatalogueProviders(ctx)
	p, _ := plan(&f, areas, providers)
	counts, cargs := p.countsSQL()
	listing, largs := p.listingSQL(f.Sort, "ja", 0)
	for _, q := range []struct {
		name, sql string
		args      []any
	}{{"counts", counts, cargs}, {"page of courses", listing, largs}} {
		var lines []string
		err := s.db.WithContext(ctx).Raw("EXPLAIN (ANALYZE, BUFFERS) "+q.sql, q.args...).Scan(&lines).Error
		if err != nil {
			b.Fatalf("explain: %v", err)
		}
		// Printed, not logged: the benchmark log keeps only a few lines.
		fmt.Fprintf(os.Stderr, "\n--- query plan (%s) for %+v:\n%s\n\n%s\n", q.name, f, q.sql, strings.Join(lines, "\n"))
	}
}

// BenchmarkCatalogueSearchJapanese: a Japanese two-character word.
func BenchmarkCatalogueSearchJapanese(b *testing.B) {
	benchSearch(b, Filter{Q: "機械"}, true)
}

// BenchmarkCatalogueSearchEnglish: two English words (both must match).
func BenchmarkCatalogueSearchEnglish(b *testing.B) {
	benchSearch(b, Filter{Q: "cloud security"}, true)
}

// BenchmarkCatalogueFilter: skill area and level, no free text.
func BenchmarkCatalogueFilter(b *testing.B) {
	benchSearch(b, Filter{Skill: "advanced_manufacturing", Level: LevelIntermediate}, true)
}

// BenchmarkCatalogueSearchAndFilter: free text with filters.
func BenchmarkCatalogueSearchAndFilter(b *testing.B) {
	benchSearch(b, Filter{Q: "製造 データ", Level: LevelIntroductory, Mode: DeliverySelfPaced, Hours: "5-20"}, true)
}

// BenchmarkCatalogueSearchCommonWord: a three-character word found in
// most courses (its bigrams and a LIKE check on every match).
func BenchmarkCatalogueSearchCommonWord(b *testing.B) {
	benchSearch(b, Filter{Q: "データ"}, true)
}

// BenchmarkCatalogueSearchOneCharacter: a one-character word has no bigram,
// so only the LIKE check on every published course can answer it.
func BenchmarkCatalogueSearchOneCharacter(b *testing.B) {
	benchSearch(b, Filter{Q: "機"}, true)
}
