package bulkenrol

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Checking against the database (set-based, on a staging table)

// pgxRunner is what staging needs: a pgx transaction or connection.
type pgxRunner interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error)
}

// stageBulkRows creates the temporary staging tables on the session of q
// and copies rows into bulk_rows with COPY. bulk_courses resolves each
// distinct course reference: "<provider code>/<course code>", or a bare
// course code when exactly one published course has it.
func stageBulkRows(ctx context.Context, q pgxRunner, rows []bulkRow) error {
	_, err := q.Exec(ctx, `
		DROP TABLE IF EXISTS pg_temp.bulk_rows, pg_temp.bulk_courses, pg_temp.bulk_errors;
		CREATE TEMP TABLE bulk_rows (
			idx int NOT NULL, line int NOT NULL, email text, name text NOT NULL, prefecture text NOT NULL,
			industry text NOT NULL, segment text NOT NULL, course text NOT NULL, cohort text,
			has_cohort boolean NOT NULL, bad boolean NOT NULL);
		CREATE TEMP TABLE bulk_courses (ref text PRIMARY KEY, n_any int NOT NULL, n_pub int NOT NULL,
			course_id uuid, cohort_based boolean, provider_id uuid, skill_area text, next_lesson text);
		CREATE TEMP TABLE bulk_errors (line int NOT NULL, col text NOT NULL, key text NOT NULL, arg text)`)
	if err != nil {
		return fmt.Errorf("bulk staging: %w", err)
	}
	_, err = q.CopyFrom(ctx, pgx.Identifier{"bulk_rows"},
		[]string{"idx", "line", "email", "name", "prefecture", "industry", "segment", "course", "cohort", "has_cohort", "bad"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := rows[i]
			return []any{r.idx, r.line, nullIfEmpty(r.email), r.name, r.prefecture, r.industry, r.segment, r.course,
				nullIfEmpty(r.cohort), r.hasCohort, r.bad}, nil
		}))
	if err != nil {
		return fmt.Errorf("bulk copy: %w", err)
	}
	_, err = q.Exec(ctx, `
		CREATE INDEX ON bulk_rows (idx);
		CREATE INDEX ON bulk_rows (email);
		ANALYZE bulk_rows;
		INSERT INTO bulk_courses (ref, n_any, n_pub, course_id)
		SELECT f.ref, count(c.id), count(c.id) FILTER (WHERE c.status = 'published'),
		       (array_agg(c.id) FILTER (WHERE c.status = 'published'))[1]
		FROM (SELECT DISTINCT course AS ref FROM bulk_rows WHERE course <> '') f
		LEFT JOIN organisations o ON strpos(f.ref, '/') > 0 AND o.code = split_part(f.ref, '/', 1)
		LEFT JOIN courses c ON c.code = CASE WHEN strpos(f.ref, '/') > 0 THEN substr(f.ref, strpos(f.ref, '/') + 1) ELSE f.ref END
		     AND (strpos(f.ref, '/') = 0 OR c.provider_id = o.id)
		GROUP BY f.ref;
		UPDATE bulk_courses b SET cohort_based = (c.delivery_mode = 'cohort'), provider_id = c.provider_id,
		       skill_area = coalesce(c.skill_area_code, lr.content->>'skill_area'),
		       next_lesson = (SELECT l.les->>'id'
		           FROM jsonb_array_elements(pr.content->'modules') WITH ORDINALITY m(mod, mi),
		                jsonb_array_elements(m.mod->'lessons') WITH ORDINALITY l(les, li)
		           ORDER BY m.mi, l.li LIMIT 1)
		FROM courses c
		LEFT JOIN course_revisions pr ON pr.course_id = c.id AND pr.number = c.published_revision
		LEFT JOIN LATERAL (SELECT content FROM course_revisions WHERE course_id = c.id ORDER BY number DESC LIMIT 1) lr ON true
		WHERE b.n_pub = 1 AND c.id = b.course_id`)
	if err != nil {
		return fmt.Errorf("bulk courses: %w", err)
	}
	return nil
}

// checkStagedRows finds, with set-based joins, every problem that needs the
// database: unknown prefecture and industry codes, unknown, unpublished or
// ambiguous courses, cohorts (required, refused, unknown, past deadline)
// and rows repeating an earlier row's person and course. They are stored in
// bulk_errors and returned.
func checkStagedRows(ctx context.Context, q pgxRunner) ([]RowError, error) {
	_, err := q.Exec(ctx, `
		INSERT INTO bulk_errors (line, col, key, arg)
		SELECT r.line, 'prefecture', 'bulk.err_prefecture', r.prefecture FROM bulk_rows r
		WHERE r.prefecture <> '' AND NOT EXISTS (SELECT 1 FROM prefectures p WHERE p.code = r.prefecture)
		UNION ALL
		SELECT r.line, 'industry', 'bulk.err_industry', r.industry FROM bulk_rows r
		WHERE r.industry <> '' AND NOT EXISTS (SELECT 1 FROM industries i WHERE i.code = r.industry)
		UNION ALL
		SELECT r.line, 'course',
		       CASE WHEN c.n_any = 0 THEN 'bulk.err_course_unknown'
		            WHEN c.n_pub = 0 THEN 'bulk.err_course_unpublished'
		            ELSE 'bulk.err_course_ambiguous' END, r.course
		FROM bulk_rows r JOIN bulk_courses c ON c.ref = r.course WHERE c.n_pub <> 1
		UNION ALL
		SELECT r.line, 'cohort',
		       CASE WHEN c.cohort_based AND NOT r.has_cohort THEN 'bulk.err_cohort_required'
		            WHEN NOT c.cohort_based AND r.has_cohort THEN 'bulk.err_cohort_self_paced'
		            WHEN h.id IS NULL THEN 'bulk.err_cohort_unknown'
		            ELSE 'bulk.err_cohort_deadline' END,
		       CASE WHEN h.id IS NOT NULL THEN to_char(h.enrol_deadline AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD HH24:MI') ELSE r.cohort END
		FROM bulk_rows r JOIN bulk_courses c ON c.ref = r.course AND c.n_pub = 1
		LEFT JOIN cohorts h ON h.id = r.cohort::uuid AND h.course_id = c.course_id
		WHERE (c.cohort_based AND NOT r.has_cohort)
		   OR (NOT c.cohort_based AND r.has_cohort)
		   OR (c.cohort_based AND r.cohort IS NOT NULL AND (h.id IS NULL OR h.enrol_deadline <= now()))
		UNION ALL
		SELECT d.line, 'course', 'bulk.err_duplicate', d.first::text FROM (
			SELECT r.line, min(r.line) OVER (PARTITION BY r.email, coalesce(c.course_id::text, r.course)) AS first
			FROM bulk_rows r LEFT JOIN bulk_courses c ON c.ref = r.course AND c.n_pub = 1
			WHERE r.email IS NOT NULL AND r.course <> '') d
		WHERE d.line > d.first`)
	if err != nil {
		return nil, fmt.Errorf("bulk checks: %w", err)
	}
	rows, err := q.Query(ctx, `SELECT line, col, key, coalesce(arg, '') FROM bulk_errors`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RowError
	for rows.Next() {
		var e RowError
		var arg string
		if err := rows.Scan(&e.Line, &e.Column, &e.Key, &arg); err != nil {
			return nil, err
		}
		if arg != "" {
			e.Args = []any{arg}
		}
		switch e.Key {
		case "bulk.err_duplicate":
			var first int
			fmt.Sscan(arg, &first)
			e.Args = []any{first}
		case "bulk.err_cohort_required", "bulk.err_cohort_self_paced":
			e.Args = nil
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// summarise counts what the valid rows would do. orgID scopes enrolments
// and pending enrolments. SECURITY: no count depends on whether an address
// has an account (issue 15 finding 3): a row is "unchanged" only when this
// organisation already enrolled that address in that course (or has it
// pending), and every other row counts as "to enrol or invite", whether the
// person will be enrolled now or invited; the waiting-list estimate counts
// every such row of a cohort, with or without an account.
func summarise(ctx context.Context, q pgxRunner, orgID string, rep *Report) error {
	err := q.QueryRow(ctx, `
		WITH v AS (
			SELECT r.line, r.email, r.cohort, c.course_id,
			       EXISTS (SELECT 1 FROM enrolments e JOIN users u ON u.id = e.user_id
			               WHERE u.email = r.email AND e.course_id = c.course_id AND e.org_id = $1
			                 AND e.status <> 'withdrawn' AND e.superseded_at IS NULL)
			       OR EXISTS (SELECT 1 FROM pending_enrolments p WHERE p.org_id = $1 AND p.email = r.email AND p.course_id = c.course_id) AS done
			FROM bulk_rows r JOIN bulk_courses c ON c.ref = r.course AND c.n_pub = 1
			WHERE NOT r.bad AND NOT EXISTS (SELECT 1 FROM bulk_errors e WHERE e.line = r.line)
		), seats AS (
			SELECT v.line, row_number() OVER (PARTITION BY v.cohort ORDER BY v.line) > (h.capacity - h.seats_taken) AS waits
			FROM v JOIN cohorts h ON h.id = v.cohort::uuid WHERE NOT v.done
		)
		SELECT count(*),
		       count(*) FILTER (WHERE NOT done),
		       (SELECT count(*) FROM seats WHERE waits),
		       count(*) FILTER (WHERE done)
		FROM v`, orgID).Scan(&rep.RowsOK, &rep.Enrol, &rep.Waitlisted, &rep.Unchanged)
	if err != nil {
		return fmt.Errorf("bulk summary: %w", err)
	}
	return nil
}

// checkFile reads and checks data inside q's session: the staging tables
// stay there for the caller (the import job uses them).
func (b *Service) checkFile(ctx context.Context, q pgxRunner, orgID string, data []byte) (*Report, []bulkRow, error) {
	t := time.Now()
	rows, errs, err := parseBulkCSV(data)
	if err != nil {
		return nil, nil, err
	}
	t = b.trace("parse", t)
	rep := &Report{Rows: len(rows)}
	if len(rows) > 0 || len(errs) == 0 {
		if err := stageBulkRows(ctx, q, rows); err != nil {
			return nil, nil, err
		}
		t = b.trace("stage (COPY)", t)
		dbErrs, err := checkStagedRows(ctx, q)
		if err != nil {
			return nil, nil, err
		}
		t = b.trace("checks", t)
		errs = append(errs, dbErrs...)
		if err := summarise(ctx, q, orgID, rep); err != nil {
			return nil, nil, err
		}
		b.trace("summary", t)
	}
	sortBulkErrors(errs)
	rep.Errors = errs
	lines := map[int]bool{}
	for _, e := range errs {
		lines[e.Line] = true
	}
	rep.RowsWithErrors = len(lines)
	if rep.RowsWithErrors > rep.Rows {
		rep.RowsWithErrors = rep.Rows
	}
	rep.RowsOK = rep.Rows - rep.RowsWithErrors
	if !rep.OK() {
		// Nothing would happen: the file is all-or-nothing.
		rep.Enrol, rep.Waitlisted, rep.Unchanged = 0, 0, 0
	}
	return rep, rows, nil
}

var bulkColumnOrder = map[string]int{"": 0, "email": 1, "name": 2, "prefecture": 3, "industry": 4, "segment": 5, "course": 6, "cohort": 7}

func sortBulkErrors(errs []RowError) {
	less := func(a, b RowError) bool {
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return bulkColumnOrder[a.Column] < bulkColumnOrder[b.Column]
	}
	sort.SliceStable(errs, func(i, j int) bool { return less(errs[i], errs[j]) })
}
