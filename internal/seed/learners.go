package seed

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"takumi/internal/account"
)

// Segments and their shares: the platform's target groups are engineers
// and developers; most learners are other workers.
var (
	segments      = []string{"engineer", "developer", "other"}
	segmentShares = []float64{0.30, 0.20, 0.50}
)

// industryShares weights the JSIC divisions by employment (Labour Force
// Survey, rounded), with information and communications doubled and
// manufacturing raised by a third: those workers take to digital-skills
// training more than their share of employment.
var industryShares = map[string]float64{
	"A": 2.8, "B": 0.2, "C": 0.03, "D": 7.3, "E": 15.5 * 4 / 3, "F": 0.5, "G": 4.2 * 2, "H": 5.2, "I": 15.6, "J": 2.3,
	"K": 2.1, "L": 4.0, "M": 5.9, "N": 3.3, "O": 5.1, "P": 13.5, "Q": 0.7, "R": 6.7, "S": 3.5, "T": 1.9,
}

// Names seed accounts are given (family name, given name).
var (
	familyNames = []string{"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田",
		"佐々木", "山口", "松本", "井上", "木村", "林", "斎藤", "清水", "山崎", "森", "池田", "橋本", "阿部", "石川", "前田", "藤田"}
	givenNames = []string{"陽翔", "蓮", "湊", "大翔", "悠真", "結菜", "陽葵", "凛", "芽依", "葵", "健太", "翔太", "美咲", "愛",
		"拓也", "直樹", "由美", "恵子", "誠", "浩", "大輔", "彩", "真由美", "学", "さくら", "優子", "和也", "智子"}
)

// learnerTable holds what later tables need of every learner, by index.
type learnerTable struct {
	ids     [][16]byte
	pref    []uint8 // index into generator.prefs
	ind     []uint8 // index into industries
	seg     []uint8 // index into segments
	created []int64 // sign-up time, Unix seconds
	count   []uint8 // number of enrolments
	inds    []string
}

// learnerSpan is a range of learners written by one COPY, with the
// enrolments it owns.
type learnerSpan struct {
	index    int
	from, to int // learners [from, to)
	bench    []int
	// enrolFrom is the number of enrolments before this span.
	enrolFrom, enrolCount int64
}

// benchLearner is the benchmark learner.
type benchLearner struct {
	id      [16]byte
	pref    uint8
	ind     uint8
	seg     uint8
	created int64
}

// planLearners draws every learner's id, prefecture (by population),
// industry, segment, sign-up time and number of enrolments, and cuts the
// learners into chunks.
func (g *generator) planLearners(ctx context.Context) error {
	rows, err := g.db.Pool.Query(ctx, "SELECT code, population_thousands FROM prefectures ORDER BY code")
	if err != nil {
		return err
	}
	var prefWeights []float64
	for rows.Next() {
		var code string
		var pop float64
		if err := rows.Scan(&code, &pop); err != nil {
			return err
		}
		g.prefs = append(g.prefs, code)
		prefWeights = append(prefWeights, pop)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var inds []string
	irows, err := g.db.Pool.Query(ctx, "SELECT code FROM industries ORDER BY code")
	if err != nil {
		return err
	}
	inds, err = pgx.CollectRows(irows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	indWeights := make([]float64, len(inds))
	for i, c := range inds {
		indWeights[i] = industryShares[c]
		if indWeights[i] == 0 {
			indWeights[i] = 1
		}
	}
	prefW, indW, segW := newWeighted(prefWeights), newWeighted(indWeights), newWeighted(segmentShares)

	n := g.o.Learners
	t := learnerTable{ids: make([][16]byte, n), pref: make([]uint8, n), ind: make([]uint8, n), seg: make([]uint8, n),
		created: make([]int64, n), count: make([]uint8, n), inds: inds}
	r := g.rng(streamLearners, 0)
	start := HistoryStart.Unix()
	span := g.o.Now.Add(-7*24*time.Hour).Unix() - start
	maxK := g.maxEnrolmentsPerLearner()
	mean := g.o.EnrolmentsPerLearner
	total := 0
	for i := range n {
		t.ids[i] = newUUID(r)
		t.pref[i] = uint8(prefW.pick(r))
		t.ind[i] = uint8(indW.pick(r))
		t.seg[i] = uint8(segW.pick(r))
		// People sign up steadily over the history.
		t.created[i] = start + span*int64(i)/int64(n) + r.Int64N(span/int64(n)+1)
		if mean > 0 {
			// 1 + geometric: many people take one or two courses, a few many.
			k := 1
			for k < maxK && r.Float64() >= 1/float64(mean) {
				k++
			}
			t.count[i] = uint8(k)
			total += k
		}
	}
	// Make the total exact: Learners × EnrolmentsPerLearner.
	want := n * mean
	step := 7919 // prime: visits every learner unless n is a multiple of it
	if n%step == 0 {
		step = 1
	}
	for i := 0; total != want && n > 0; i = (i + step) % n {
		switch {
		case total < want && int(t.count[i]) < maxK:
			t.count[i]++
			total++
		case total > want && t.count[i] > 1:
			t.count[i]--
			total--
		}
	}
	g.learners = t
	g.bench = benchLearner{id: newUUID(g.rng(streamBench, 0)), pref: uint8(indexOf(g.prefs, "13")), ind: uint8(max(indexOf(inds, "G"), 0)),
		seg: 0, created: start + 30*24*3600}

	// Chunks of at most 25,000 learners, at least two per worker.
	size := min(25_000, max(1000, n/(g.o.Workers*2)))
	var spans []learnerSpan
	for from := 0; from < n || len(spans) == 0; from += size {
		spans = append(spans, learnerSpan{index: len(spans), from: from, to: min(from+size, n)})
	}
	// The bench learner's enrolments are spread over the chunks, so they
	// lie far apart in the table, as years of enrolling would place them.
	for j := range BenchEnrolments {
		c := j * len(spans) / BenchEnrolments
		spans[c].bench = append(spans[c].bench, j)
	}
	var off int64
	for i := range spans {
		s := &spans[i]
		s.enrolFrom = off
		for l := s.from; l < s.to; l++ {
			s.enrolCount += int64(t.count[l])
		}
		s.enrolCount += int64(len(s.bench))
		off += s.enrolCount
	}
	g.chunks = spans
	g.logf("   %d learners in %d chunks, %d courses, %d enrolments planned", n, len(spans), len(g.courses), off)
	return nil
}

func (g *generator) maxEnrolmentsPerLearner() int {
	return max(1, min(40, len(g.courses)/2, 255))
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

var userColumns = []string{"id", "email", "password_hash", "display_name", "prefecture_code", "industry_code", "segment",
	"birth_year", "gender", "language", "privacy_notice_version", "consented_at", "email_verified_at", "created_at", "updated_at"}

// copyLearners writes the learners with COPY, chunks in parallel, then the
// bench learner.
func (g *generator) copyLearners(ctx context.Context) (int64, error) {
	var done atomic.Int64
	start := time.Now()
	err := g.parallel(ctx, func(ctx context.Context, s learnerSpan) error {
		r := g.rng(streamUsers, s.index)
		t := g.learners
		row := make([]any, len(userColumns))
		src := &rowSource{n: s.to - s.from, row: row, fill: func(k int, row []any) {
			i := s.from + k
			created := time.Unix(t.created[i], 0).UTC()
			row[0] = t.ids[i]
			row[1] = fmt.Sprintf("learner%07d@%s", i+1, EmailDomain)
			row[2] = g.hash
			row[3] = familyNames[r.IntN(len(familyNames))] + " " + givenNames[r.IntN(len(givenNames))]
			row[4] = g.prefs[t.pref[i]]
			row[5] = t.inds[t.ind[i]]
			row[6] = segments[t.seg[i]]
			row[7] = nil
			if r.IntN(10) < 8 {
				row[7] = int32(min(2008, max(1950, 1986+int(r.NormFloat64()*11))))
			}
			row[8] = pickGender(r.IntN(100))
			row[9] = "ja"
			if r.IntN(100) < 4 {
				row[9] = "en"
			}
			row[10] = account.PrivacyNoticeVersion
			row[11] = created
			row[12] = nil
			if r.IntN(100) < 93 {
				row[12] = created.Add(time.Duration(60+r.IntN(3600)) * time.Second)
			}
			row[13] = created
			row[14] = created
		}}
		if _, err := g.copy(ctx, "users", userColumns, src); err != nil {
			return fmt.Errorf("copy users %d-%d: %w", s.from, s.to, err)
		}
		n := done.Add(int64(s.to - s.from))
		g.logf("   learners %d/%d (%s)", n, g.o.Learners, time.Since(start).Round(time.Second))
		return nil
	})
	if err != nil {
		return 0, err
	}
	b := g.bench
	created := time.Unix(b.created, 0).UTC()
	_, err = g.db.Pool.Exec(ctx, `INSERT INTO users (id, email, password_hash, display_name, prefecture_code, industry_code, segment,
			birth_year, language, privacy_notice_version, consented_at, email_verified_at, created_at, updated_at)
		VALUES ($1, $2, $3, 'ベンチ 学習者', $4, $5, $6, 1990, 'ja', $7, $8, $8, $8, $8)`,
		b.id, BenchLearnerEmail, g.hash, g.prefs[b.pref], g.learners.inds[b.ind], segments[b.seg], account.PrivacyNoticeVersion, created)
	if err != nil {
		return 0, fmt.Errorf("bench learner: %w", err)
	}
	g.res.BenchLearnerID = uuidString(b.id)
	g.res.Learners = int64(g.o.Learners) + 1
	return g.res.Learners, nil
}

func pickGender(p int) string {
	switch {
	case p < 45:
		return "male"
	case p < 85:
		return "female"
	case p < 87:
		return "other"
	default:
		return "unspecified"
	}
}

// parallel runs fn for every chunk on Options.Workers connections and
// returns the first error (the others stop at their next chunk).
func (g *generator) parallel(ctx context.Context, fn func(context.Context, learnerSpan) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan learnerSpan)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range g.o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range work {
				if err := fn(ctx, s); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
	for _, s := range g.chunks {
		select {
		case work <- s:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// copyRowsPerTx bounds the rows one COPY transaction writes. The progress
// engine reads only events of transactions older than every running one
// (in the whole cluster), so a transaction open for minutes would stall
// every engine on the server, the seeded database's and any other's; at
// this size one lasts a few seconds.
const copyRowsPerTx = 50_000

// copy writes src with COPY in transactions of at most copyRowsPerTx rows.
// The generator's rows refer only to rows it has written or read before
// (the tests check every reference), so when the role may (a superuser)
// each transaction skips foreign-key checks with session_replication_role
// = replica: they are two thirds of the time of a checked COPY. Without
// that right, COPY checks them.
func (g *generator) copy(ctx context.Context, table string, columns []string, src pgx.CopyFromSource) (int64, error) {
	var total int64
	for {
		slice := &sliceSource{src: src, left: copyRowsPerTx}
		n, err := g.copyTx(ctx, table, columns, slice)
		total += n
		if err != nil || slice.done {
			return total, err
		}
	}
}

// sliceSource yields at most left rows of src; done tells that src ended.
type sliceSource struct {
	src  pgx.CopyFromSource
	left int
	done bool
}

func (s *sliceSource) Next() bool {
	if s.left == 0 {
		return false
	}
	if !s.src.Next() {
		s.done = true
		return false
	}
	s.left--
	return true
}

func (s *sliceSource) Values() ([]any, error) { return s.src.Values() }
func (s *sliceSource) Err() error             { return s.src.Err() }

// copyTx runs one COPY in its own transaction.
func (g *generator) copyTx(ctx context.Context, table string, columns []string, src pgx.CopyFromSource) (int64, error) {
	tx, err := g.db.Pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx)
	if g.skipForeignKeyChecks {
		if _, err := tx.Exec(ctx, "SET LOCAL session_replication_role = replica"); err != nil {
			return 0, err
		}
	}
	if g.walCompression != "" {
		if _, err := tx.Exec(ctx, "SET LOCAL wal_compression = "+g.walCompression); err != nil {
			return 0, err
		}
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, columns, src)
	if err != nil {
		return 0, err
	}
	return n, tx.Commit(ctx)
}

// mayReplicate reports whether this role can set session_replication_role.
func (g *generator) mayReplicate(ctx context.Context) bool {
	tx, err := g.db.Pool.Begin(ctx)
	if err != nil {
		return false
	}
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, "SET LOCAL session_replication_role = replica")
	return err == nil
}

// mayCompressWAL returns the wal_compression method this role may set for
// its own COPY transactions (a superuser setting; lz4, else pglz), or "".
// At the server's default max_wal_size a bulk load checkpoints every few
// seconds, and each checkpoint makes the next change to every page write
// the whole page to the WAL: compressed, those full-page images take a
// fraction of the WAL (docs/scale.md).
func (g *generator) mayCompressWAL(ctx context.Context) string {
	for _, method := range []string{"lz4", "pglz"} {
		tx, err := g.db.Pool.Begin(ctx)
		if err != nil {
			return ""
		}
		_, err = tx.Exec(ctx, "SET LOCAL wal_compression = "+method)
		tx.Rollback(ctx)
		if err == nil {
			return method
		}
	}
	return ""
}

// rowSource feeds COPY one generated row at a time (pgx encodes each row
// before asking for the next, so one row slice is reused).
type rowSource struct {
	n, i int
	row  []any
	fill func(i int, row []any)
}

func (s *rowSource) Next() bool {
	if s.i >= s.n {
		return false
	}
	s.fill(s.i, s.row)
	s.i++
	return true
}

func (s *rowSource) Values() ([]any, error) { return s.row, nil }
func (s *rowSource) Err() error             { return nil }

func uuidString(u [16]byte) string { return uuid.UUID(u).String() }
