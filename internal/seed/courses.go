package seed

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"takumi/internal/catalog"
)

// courseInfo is what enrolments need of a published course.
type courseInfo struct {
	id         [16]byte
	providerID [16]byte
	skillArea  string
	lessons    []lessonInfo
	// requiredBefore[d] is the number of required lessons among the first d.
	requiredBefore []int
	firstQuiz      int // index of the first quiz lesson, -1 if none
}

type lessonInfo struct {
	id       string
	quiz     bool
	required bool
}

// SeedProviderCode is the code of the training provider that owns the
// generated courses.
const SeedProviderCode = "seed-academy"

// ensureCourses loads the published self-paced courses; with fewer than
// MinPublishedCourses it first creates Options.Courses of its own.
func (g *generator) ensureCourses(ctx context.Context) error {
	if err := g.loadCourses(ctx); err != nil {
		return err
	}
	if len(g.courses) < MinPublishedCourses {
		g.logf("   %d published self-paced courses: creating %d", len(g.courses), g.o.Courses)
		if err := g.createCourses(ctx); err != nil {
			return err
		}
		g.res.CoursesCreated = g.o.Courses
		if err := g.loadCourses(ctx); err != nil {
			return err
		}
	} else {
		g.logf("   reusing %d published self-paced courses", len(g.courses))
	}
	g.res.CoursesUsed = len(g.courses)
	if g.o.EnrolmentsPerLearner > g.maxEnrolmentsPerLearner() {
		return fmt.Errorf("%d enrolments per learner on average is more than %d courses allow",
			g.o.EnrolmentsPerLearner, len(g.courses))
	}
	// Popularity follows a power law: a few courses are taken by very many.
	w := make([]float64, len(g.courses))
	for i := range w {
		w[i] = 1 / math.Pow(float64(i+1), 0.8)
	}
	g.popular = newWeighted(w)
	return nil
}

func (g *generator) loadCourses(ctx context.Context) error {
	rows, err := g.db.Pool.Query(ctx, `
		SELECT c.id, c.provider_id, coalesce(c.skill_area_code, ''), r.content->'modules'
		FROM courses c JOIN course_revisions r ON r.course_id = c.id AND r.number = c.published_revision
		WHERE c.status = 'published' AND c.delivery_mode = 'self_paced'
		ORDER BY c.published_at, c.id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	g.courses = g.courses[:0]
	for rows.Next() {
		var c courseInfo
		var modules []byte
		if err := rows.Scan(&c.id, &c.providerID, &c.skillArea, &modules); err != nil {
			return err
		}
		var ms []catalog.Module
		if err := json.Unmarshal(modules, &ms); err != nil {
			return fmt.Errorf("content of course %s: %w", uuidString(c.id), err)
		}
		c.firstQuiz = -1
		c.requiredBefore = []int{0}
		for _, m := range ms {
			for _, l := range m.Lessons {
				if l.Kind == catalog.LessonQuiz && c.firstQuiz < 0 {
					c.firstQuiz = len(c.lessons)
				}
				c.lessons = append(c.lessons, lessonInfo{id: l.ID, quiz: l.Kind == catalog.LessonQuiz, required: l.Required})
				n := c.requiredBefore[len(c.requiredBefore)-1]
				if l.Required {
					n++
				}
				c.requiredBefore = append(c.requiredBefore, n)
			}
		}
		if len(c.lessons) > 0 {
			g.courses = append(g.courses, c)
		}
	}
	return rows.Err()
}

// Words the generated courses are made of, by skill area.
var courseTopics = map[string][][2]string{
	"ai_data":                {{"機械学習", "Machine Learning"}, {"データ分析", "Data Analysis"}, {"需要予測", "Demand Forecasting"}, {"画像認識", "Computer Vision"}},
	"generative_ai":          {{"生成AI", "Generative AI"}, {"大規模言語モデル", "Large Language Models"}, {"プロンプト設計", "Prompt Design"}, {"RAG", "Retrieval-Augmented Generation"}},
	"cloud":                  {{"クラウド設計", "Cloud Architecture"}, {"コンテナ", "Containers"}, {"インフラ自動化", "Infrastructure Automation"}, {"監視と運用", "Monitoring and Operations"}},
	"cybersecurity":          {{"情報セキュリティ", "Information Security"}, {"ゼロトラスト", "Zero Trust"}, {"インシデント対応", "Incident Response"}, {"脆弱性診断", "Vulnerability Assessment"}},
	"software_engineering":   {{"プログラミング", "Programming"}, {"テスト設計", "Test Design"}, {"Web開発", "Web Development"}, {"ソフトウェア品質", "Software Quality"}},
	"robotics":               {{"産業用ロボット", "Industrial Robots"}, {"ロボット教示", "Robot Teaching"}, {"PLC制御", "PLC Control"}, {"協働ロボット", "Collaborative Robots"}},
	"advanced_manufacturing": {{"スマート工場", "Smart Factories"}, {"IoTセンサー", "IoT Sensors"}, {"品質データ", "Quality Data"}, {"予知保全", "Predictive Maintenance"}},
	"dx_business_design":     {{"DX推進", "Leading DX"}, {"業務改善", "Process Improvement"}, {"サービスデザイン", "Service Design"}, {"データ駆動経営", "Data-Driven Management"}},
	"digital_literacy":       {{"デジタルリテラシー", "Digital Literacy"}, {"情報モラル", "Information Ethics"}, {"表計算", "Spreadsheets"}, {"オンライン協働", "Online Collaboration"}},
}

var (
	courseTitleJa   = []string{"%s入門", "実践%s", "現場で使う%s", "%s基礎講座", "はじめての%s", "%s応用"}
	courseTitleEn   = []string{"Introduction to %s", "Practical %s", "%s at Work", "%s Fundamentals", "Getting Started with %s", "Applied %s"}
	lessonTitlesJa  = []string{"全体像をつかむ", "基本の用語", "よくある失敗", "手順を身につける", "事例で考える", "道具を選ぶ", "職場に持ち帰る", "小さく試す"}
	lessonTitlesEn  = []string{"The big picture", "Key terms", "Common mistakes", "Step by step", "A worked case", "Choosing tools", "Bringing it to work", "Start small"}
	bodySentencesJa = []string{"%sの考え方を、具体的な事例で確認します。", "職場で%sを使うときは、まず目的をはっきりさせます。",
		"%sでよくある失敗は、準備不足と確認不足です。", "小さな範囲で%sを試し、結果を記録しましょう。",
		"チームで%sの用語をそろえると、議論が速くなります。", "%sの効果は、作業時間と品質の両方で測ります。",
		"安全に%sを使うためのルールを、最初に決めておきます。", "最後に、%sを自分の業務にどう活かすかを書き出します。"}
)

var courseColumns = []string{"id", "provider_id", "code", "status", "published_revision", "published_at", "created_at", "updated_at",
	"title_ja", "title_en", "summary_ja", "summary_en", "skill_area_code", "level", "delivery_mode", "language",
	"estimated_hours", "lesson_count", "search_text", "search_grams"}

// createCourses publishes Options.Courses self-paced courses of two
// modules of five lessons (four readings and a quiz each) under the seed
// provider, with their revision and the catalogue projection Publish writes.
func (g *generator) createCourses(ctx context.Context) error {
	var providerID [16]byte
	err := g.db.Pool.QueryRow(ctx, `
		INSERT INTO organisations (name_ja, name_en, kind, code, prefecture_code)
		VALUES ('匠シードアカデミー', 'Takumi Seed Academy', 'provider', $1, '13')
		ON CONFLICT (name_ja) DO UPDATE SET name_en = EXCLUDED.name_en
		RETURNING id`, SeedProviderCode).Scan(&providerID)
	if err != nil {
		return fmt.Errorf("seed provider: %w", err)
	}
	var skills []string
	srows, err := g.db.Pool.Query(ctx, "SELECT code FROM skill_areas ORDER BY sort_order, code")
	if err != nil {
		return err
	}
	if skills, err = pgx.CollectRows(srows, pgx.RowTo[string]); err != nil {
		return err
	}
	r := g.rng(streamCourses, 0)
	hours := []float64{1, 2, 3, 4, 6, 8, 10, 12, 16, 20}
	var courseRows, revisionRows [][]any
	for i := range g.o.Courses {
		skill := skills[i%len(skills)]
		topics := courseTopics[skill]
		if len(topics) == 0 {
			topics = [][2]string{{"デジタル技術", "Digital Technology"}}
		}
		topic := topics[r.IntN(len(topics))]
		tmpl := r.IntN(len(courseTitleJa))
		ct := catalog.Content{
			TitleJa:        fmt.Sprintf(courseTitleJa[tmpl], topic[0]) + fmt.Sprintf(" 第%d版", 1+i/len(skills)),
			TitleEn:        fmt.Sprintf(courseTitleEn[tmpl], topic[1]) + fmt.Sprintf(", edition %d", 1+i/len(skills)),
			SummaryJa:      fmt.Sprintf("働く人のための%sの講座です。事例と演習で、職場ですぐ使える力を身につけます。", topic[0]),
			SummaryEn:      fmt.Sprintf("A course in %s for working people: worked cases and exercises you can use at work.", strings.ToLower(topic[1])),
			DescriptionMd:  seedBody(r, topic[0], 3),
			SkillArea:      skill,
			Level:          catalog.Levels[r.IntN(len(catalog.Levels))],
			EstimatedHours: hours[r.IntN(len(hours))],
			Language:       "ja",
			DeliveryMode:   catalog.DeliverySelfPaced,
		}
		optional := r.IntN(10) < 3 // some courses have an optional lesson
		for m := range 2 {
			mod := catalog.Module{ID: uuidString(newUUID(r)), TitleJa: fmt.Sprintf("第%d章 %s", m+1, topic[0]),
				TitleEn: fmt.Sprintf("Part %d: %s", m+1, topic[1])}
			for l := range 5 {
				k := r.IntN(len(lessonTitlesJa))
				lesson := catalog.Lesson{ID: uuidString(newUUID(r)), Kind: catalog.LessonReading,
					TitleJa: lessonTitlesJa[k], TitleEn: lessonTitlesEn[k], Required: true, MinMinutes: 3 + r.IntN(10)}
				if l == 4 {
					lesson.Kind, lesson.TitleJa, lesson.TitleEn, lesson.MinMinutes = catalog.LessonQuiz, "確認テスト", "Check your understanding", 0
					lesson.MustPass = true
					lesson.Quiz = seedQuiz(r, topic[0])
				} else {
					lesson.BodyMd = seedBody(r, topic[0], 6)
					lesson.Required = !(optional && m == 1 && l == 3)
				}
				mod.Lessons = append(mod.Lessons, lesson)
			}
			ct.Modules = append(ct.Modules, mod)
		}
		content, err := json.Marshal(ct)
		if err != nil {
			return err
		}
		id := newUUID(r)
		// Published before the generated history begins, so every
		// enrolment comes after its course's publication.
		published := HistoryStart.Add(-time.Duration(i+1) * 24 * time.Hour)
		text, grams := catalog.SearchDocument(ct.TitleJa, ct.TitleEn, ct.SummaryJa, ct.SummaryEn, ct.DescriptionMd)
		courseRows = append(courseRows, []any{id, providerID, fmt.Sprintf("seed-%04d", i+1), catalog.StatusPublished, int32(1),
			published, published, published, ct.TitleJa, ct.TitleEn, ct.SummaryJa, ct.SummaryEn, ct.SkillArea, ct.Level,
			ct.DeliveryMode, ct.Language, ct.EstimatedHours, int32(ct.LessonCount()), text, grams})
		revisionRows = append(revisionRows, []any{id, int32(1), json.RawMessage(content), published, published, published})
	}
	tx, err := g.db.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"courses"}, courseColumns, pgx.CopyFromRows(courseRows)); err != nil {
		return fmt.Errorf("copy courses: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"course_revisions"},
		[]string{"course_id", "number", "content", "created_at", "updated_at", "published_at"}, pgx.CopyFromRows(revisionRows)); err != nil {
		return fmt.Errorf("copy course revisions: %w", err)
	}
	return tx.Commit(ctx)
}

// seedBody writes a Markdown body of n sentences about topic, in paragraphs.
func seedBody(r *rand.Rand, topic string, n int) string {
	var b strings.Builder
	b.WriteString("## " + topic + "\n\n")
	for i := range n {
		b.WriteString(fmt.Sprintf(bodySentencesJa[r.IntN(len(bodySentencesJa))], topic))
		if i%2 == 1 {
			b.WriteString("\n\n")
		}
	}
	b.WriteString("\n\n- 目的を決める\n- 小さく試す\n- 結果を記録する\n")
	return b.String()
}

// seedQuiz is a three-question single-choice quiz about topic.
func seedQuiz(r *rand.Rand, topic string) *catalog.Quiz {
	q := &catalog.Quiz{PassPercent: 70, MaxAttempts: 3}
	for i := range 3 {
		qu := catalog.Question{ID: uuidString(newUUID(r)), Kind: catalog.QuestionSingle,
			PromptMd:   fmt.Sprintf("%sについて、正しい説明はどれですか（問%d）。", topic, i+1),
			FeedbackMd: "本文の「" + topic + "」の節を読み直しましょう。"}
		correct := r.IntN(3)
		for o := range 3 {
			text := fmt.Sprintf("説明%c", 'A'+o)
			qu.Options = append(qu.Options, catalog.Option{ID: uuidString(newUUID(r)), Text: text, Correct: o == correct})
		}
		q.Questions = append(q.Questions, qu)
	}
	return q
}
