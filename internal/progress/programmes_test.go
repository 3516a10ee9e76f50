package progress_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/jst"
	"takumi/internal/progress"
)

// platformAdmin adds a platform admin to w and returns them as an actor.
func (w *world) platformAdmin(t *testing.T, email string, admin bool) progress.Actor {
	t.Helper()
	var id string
	if err := w.db.Gorm.Raw(`INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at, is_platform_admin)
		VALUES (?, 'x', '管理者', '2026-11', now(), ?) RETURNING id`, email, admin).Row().Scan(&id); err != nil {
		t.Fatal(err)
	}
	return progress.Actor{UserID: id, IP: "192.0.2.1"}
}

// issueCredentials gives learners credentials: learner i earns one in
// course courses[i % len(courses)] in 2026, some revoked afterwards.
func (w *world) issueCredentials(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	err := w.db.Gorm.Transaction(func(tx *gorm.DB) error {
		for i, l := range w.learners {
			course := w.courses[i%len(w.courses)]
			at := time.Date(2026, time.Month(1+i%11), 1+i%28, 9, 0, 0, 0, jst.Location)
			cred := uuid.NewString()
			for _, typ := range []string{"enrolled", "course_completed"} {
				if err := appendEvent(ctx, tx, typ, l, course, at, ""); err != nil {
					return err
				}
			}
			if err := appendEvent(ctx, tx, "credential_issued", l, course, at, cred); err != nil {
				return err
			}
			if i%9 == 0 {
				if err := appendEvent(ctx, tx, "credential_revoked", l, course, at.Add(24*time.Hour), cred); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// programmeTotal is the programme's count in progress_rollup.
func programmeTotal(t *testing.T, g *gorm.DB, id string) int64 {
	t.Helper()
	var n int64
	if err := g.Raw(`SELECT coalesce(sum(learners), 0) FROM progress_rollup WHERE programme_id = ? AND d1 = '' AND d2 = ''`, id).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// directCount counts, straight from the log, the learners with a
// qualifying, unrevoked credential in the given areas in 2026.
func directCount(t *testing.T, g *gorm.DB, areas ...string) int64 {
	t.Helper()
	var n int64
	if err := g.Raw(`SELECT count(DISTINCT e.user_id) FROM learning_events e
		WHERE e.event_type = 'credential_issued' AND e.skill_area = ANY (?::text[])
		AND e.occurred_at >= '2026-01-01 00:00+09' AND e.occurred_at < '2027-01-01 00:00+09'
		AND NOT EXISTS (SELECT 1 FROM learning_events r WHERE r.event_type = 'credential_revoked'
			AND r.details->>'credential_id' = e.details->>'credential_id')`, "{"+join(areas)+"}").Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

// catchUp runs the engine until it has applied every event in the log.
// The engine reads only below the cluster's oldest running transaction,
// which other databases' work on the same server can hold back for a
// while, so one CatchUp may stop short.
func catchUp(t *testing.T, g *gorm.DB) {
	t.Helper()
	en := progress.NewEngine(g, 100)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := en.CatchUp(context.Background()); err != nil {
			t.Fatal(err)
		}
		var applied, logged int64
		g.Raw(`SELECT applied FROM progress_engine_state`).Scan(&applied)
		g.Raw(`SELECT count(*) FROM learning_events`).Scan(&logged)
		if applied == logged {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("engine applied %d of %d events after 30 s", applied, logged)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mustReconcile catches the engine up and fails on any difference.
func mustReconcile(t *testing.T, g *gorm.DB) {
	t.Helper()
	catchUp(t, g)
	res, err := progress.Reconcile(context.Background(), g)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range res.Differences {
		if i < 10 {
			t.Error(d)
		}
	}
	if len(res.Differences) > 0 {
		t.Fatalf("reconcile: %d differences", len(res.Differences))
	}
}

func validInput(code string) progress.ProgrammeInput {
	return progress.ProgrammeInput{Code: code, NameJa: "クラウド人材", NameEn: "Cloud workforce", Target: "10,000",
		StartsOn: "2026-01-01", EndsOn: "2026-12-31", SkillAreas: []string{"cloud"}}
}

func TestProgrammeRuleChangesRecount(t *testing.T) {
	w := newWorld(t, 60)
	ctx := context.Background()
	g := w.db.Gorm
	w.issueCredentials(t)
	catchUp(t, g)
	svc := progress.NewProgrammes(g)
	admin := w.platformAdmin(t, "admin@example.jp", true)

	t.Run("CreateAfterEventsCounts", func(t *testing.T) {
		p, err := svc.Create(ctx, admin, validInput("cloud-10k"))
		if err != nil {
			t.Fatal(err)
		}
		want := directCount(t, g, "cloud")
		if want == 0 {
			t.Fatal("fixture: nobody holds a cloud credential")
		}
		if got := programmeTotal(t, g, p.ID); got != want || p.Learners != want {
			t.Fatalf("new programme counts %d (Get says %d), want %d from the log", got, p.Learners, want)
		}
		if p.Target != 10000 || p.Code != "cloud-10k" || p.Flagship {
			t.Fatalf("created %+v", p)
		}
		mustReconcile(t, g)
	})

	t.Run("ChangeSkillAreasRecounts", func(t *testing.T) {
		ps, _ := svc.List(ctx)
		var p progress.Programme
		for _, x := range ps {
			if x.Code == "cloud-10k" {
				p = x
			}
		}
		in := validInput("")
		in.SkillAreas = []string{"cloud", "cybersecurity"}
		if err := svc.Update(ctx, admin, p.ID, in); err != nil {
			t.Fatal(err)
		}
		want := directCount(t, g, "cloud", "cybersecurity")
		if got := programmeTotal(t, g, p.ID); got != want || got <= p.Learners {
			t.Fatalf("after adding cybersecurity: %d, want %d (more than %d)", got, want, p.Learners)
		}
		mustReconcile(t, g)

		// Narrower dates count fewer.
		// (Each fixture learner holds one credential, so the achievements
		// before April are those that still count.)
		var want2 int64
		g.Raw(`SELECT count(*) FROM programme_achievements WHERE programme_id = ? AND achieved_at < '2026-04-01 00:00+09'`, p.ID).Scan(&want2)
		in.EndsOn = "2026-03-31"
		if err := svc.Update(ctx, admin, p.ID, in); err != nil {
			t.Fatal(err)
		}
		if got := programmeTotal(t, g, p.ID); got >= want || got != want2 {
			t.Fatalf("after ending in March: %d (was %d)", got, want)
		}
		mustReconcile(t, g)

		// A rule of courses only.
		in.SkillAreas, in.CourseIDs, in.EndsOn = nil, []string{w.courses[3]}, "2026-12-31"
		if err := svc.Update(ctx, admin, p.ID, in); err != nil {
			t.Fatal(err)
		}
		if got, want := programmeTotal(t, g, p.ID), directCount(t, g, "cloud"); got != want {
			t.Fatalf("rule by course: %d, want %d", got, want)
		}
		mustReconcile(t, g)

		// The engine goes on from there: new events, then reconcile.
		if err := g.Transaction(func(tx *gorm.DB) error {
			return appendEvent(ctx, tx, "credential_issued", w.learners[1], w.courses[3], time.Date(2026, 10, 1, 0, 0, 0, 0, jst.Location), uuid.NewString())
		}); err != nil {
			t.Fatal(err)
		}
		mustReconcile(t, g)
	})

	t.Run("Audited", func(t *testing.T) {
		var n int64
		g.Raw(`SELECT count(*) FROM audit_events WHERE action IN ('programme.create', 'programme.update') AND actor_id = ?`, admin.UserID).Scan(&n)
		if n != 4 {
			t.Fatalf("%d programme audit events, want 1 create and 3 updates", n)
		}
	})

	t.Run("NamesOnlyKeepsCounts", func(t *testing.T) {
		ps, _ := svc.List(ctx)
		for _, p := range ps {
			if p.Code != "cloud-10k" {
				continue
			}
			in := progress.ProgrammeInput{NameJa: "新しい名前", NameEn: "New name", Target: "20000",
				StartsOn: p.StartsOn.Format(time.DateOnly), EndsOn: p.EndsOn.Format(time.DateOnly), CourseIDs: p.CourseIDs}
			if err := svc.Update(ctx, admin, p.ID, in); err != nil {
				t.Fatal(err)
			}
			after, _ := svc.Get(ctx, p.ID)
			if after.Learners != p.Learners || after.NameEn != "New name" || after.Target != 20000 {
				t.Fatalf("before %+v after %+v", p, after)
			}
		}
		mustReconcile(t, g)
	})
}

func TestProgrammeValidation(t *testing.T) {
	w := newWorld(t, 1)
	ctx := context.Background()
	svc := progress.NewProgrammes(w.db.Gorm)
	admin := w.platformAdmin(t, "admin@example.jp", true)
	var draft string
	w.db.Gorm.Raw(`INSERT INTO courses (provider_id, code, status, skill_area_code) SELECT provider_id, 'draft-course', 'draft', 'cloud'
		FROM courses LIMIT 1 RETURNING id`).Row().Scan(&draft)
	for _, c := range []struct {
		name  string
		edit  func(*progress.ProgrammeInput)
		field string
		key   string
	}{
		{"CodeRequired", func(in *progress.ProgrammeInput) { in.Code = "" }, "code", "programmes.err_code_required"},
		{"CodeFormat", func(in *progress.ProgrammeInput) { in.Code = "Cloud 10k" }, "code", "programmes.err_code_format"},
		{"CodeTaken", func(in *progress.ProgrammeInput) { in.Code = "ai-ready" }, "code", "programmes.err_code_taken"},
		{"NameRequired", func(in *progress.ProgrammeInput) { in.NameJa = "  " }, "name_ja", "programmes.err_name_required"},
		{"TargetZero", func(in *progress.ProgrammeInput) { in.Target = "0" }, "target", "programmes.err_target"},
		{"TargetText", func(in *progress.ProgrammeInput) { in.Target = "many" }, "target", "programmes.err_target"},
		{"TargetHuge", func(in *progress.ProgrammeInput) { in.Target = "99999999999" }, "target", "programmes.err_target"},
		{"DateFormat", func(in *progress.ProgrammeInput) { in.StartsOn = "2026/01/01" }, "starts_on", "programmes.err_date"},
		{"DateAbsurd", func(in *progress.ProgrammeInput) { in.EndsOn = "9999-12-31" }, "ends_on", "programmes.err_date"},
		{"EndBeforeStart", func(in *progress.ProgrammeInput) { in.EndsOn = "2025-12-31" }, "ends_on", "programmes.err_dates_order"},
		{"SameDay", func(in *progress.ProgrammeInput) { in.EndsOn = in.StartsOn }, "ends_on", "programmes.err_dates_order"},
		{"NoRule", func(in *progress.ProgrammeInput) { in.SkillAreas = nil }, "rule", "programmes.err_rule_required"},
		{"UnknownSkillArea", func(in *progress.ProgrammeInput) { in.SkillAreas = []string{"astrology"} }, "skill_areas", "programmes.err_skill_area_unknown"},
		{"UnpublishedCourse", func(in *progress.ProgrammeInput) { in.CourseIDs = []string{draft} }, "course_ids", "programmes.err_course_unknown"},
		{"NotACourseID", func(in *progress.ProgrammeInput) { in.CourseIDs = []string{"1; DROP TABLE x"} }, "course_ids", "programmes.err_course_unknown"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := validInput("valid-code")
			c.edit(&in)
			_, err := svc.Create(ctx, admin, in)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || e.Fields[c.field] != c.key {
				t.Fatalf("err = %v (fields %v), want %s on %s", err, fieldsOf(err), c.key, c.field)
			}
		})
	}
	t.Run("ErrForbidden", func(t *testing.T) {
		learner := w.platformAdmin(t, "learner@example.jp", false)
		if _, err := svc.Create(ctx, learner, validInput("valid-code")); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("non-admin create: %v", err)
		}
		if err := svc.Update(ctx, learner, w.cyber, validInput("")); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("non-admin update: %v", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, id := range []string{uuid.NewString(), "not-a-uuid"} {
			if err := svc.Update(ctx, admin, id, validInput("")); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("update %s: %v", id, err)
			}
		}
	})
	var n int64
	w.db.Gorm.Raw(`SELECT count(*) FROM programmes`).Scan(&n)
	if n != 2 {
		t.Fatalf("%d programmes after refused changes, want the fixture's 2", n)
	}
}

func fieldsOf(err error) map[string]string {
	if e, ok := apperr.As(err); ok {
		return e.Fields
	}
	return nil
}

func TestProgrammeFlagshipIsUnique(t *testing.T) {
	w := newWorld(t, 1)
	ctx := context.Background()
	g := w.db.Gorm
	svc := progress.NewProgrammes(g)
	admin := w.platformAdmin(t, "admin@example.jp", true)
	flagships := func() []string {
		var codes []string
		g.Raw(`SELECT code FROM programmes WHERE flagship`).Scan(&codes)
		return codes
	}
	in := validInput("new-flagship")
	in.Flagship = true
	if _, err := svc.Create(ctx, admin, in); err != nil {
		t.Fatal(err)
	}
	if got := flagships(); len(got) != 1 || got[0] != "new-flagship" {
		t.Fatalf("flagships after creating one: %v", got)
	}
	// The old flagship becomes it again by an update.
	old, _ := svc.Get(ctx, w.flagship)
	up := progress.ProgrammeInput{NameJa: old.NameJa, NameEn: old.NameEn, Target: "1000000", StartsOn: "2026-01-01",
		EndsOn: "2030-12-31", Flagship: true, SkillAreas: old.SkillAreas}
	if err := svc.Update(ctx, admin, w.flagship, up); err != nil {
		t.Fatal(err)
	}
	if got := flagships(); len(got) != 1 || got[0] != "ai-ready" {
		t.Fatalf("flagships after the update: %v", got)
	}
	var replaced int64
	g.Raw(`SELECT count(*) FROM audit_events WHERE action = 'programme.update' AND details LIKE '%"flagship_replaced":"new-flagship"%'`).Scan(&replaced)
	if replaced != 1 {
		t.Fatal("the audit entry does not say which flagship was replaced")
	}
	// The flagship cannot just be unmarked: the national page needs one.
	up.Flagship = false
	err := svc.Update(ctx, admin, w.flagship, up)
	if fieldsOf(err)["flagship"] != "programmes.err_flagship_keep" {
		t.Fatalf("unmarking the flagship: %v", err)
	}
}

func TestEnsureNationalProgrammes(t *testing.T) {
	w := newWorld(t, 30)
	ctx := context.Background()
	g := w.db.Gorm
	w.issueCredentials(t)
	catchUp(t, g)
	n, err := progress.EnsureProgrammes(ctx, g, progress.NationalProgrammes)
	if err != nil || n != 2 {
		t.Fatalf("created %d, %v; want 2", n, err)
	}
	var p struct {
		ID       string
		Flagship bool
	}
	g.Raw(`SELECT id, flagship FROM programmes WHERE code = 'ai-ready-2030'`).Scan(&p)
	if p.Flagship {
		t.Fatal("a second flagship was made (the fixture already has one)")
	}
	if got, want := programmeTotal(t, g, p.ID), directCount(t, g, "ai_data", "generative_ai"); got != want || got == 0 {
		t.Fatalf("ai-ready-2030 counts %d, want %d", got, want)
	}
	mustReconcile(t, g)
	if n, err := progress.EnsureProgrammes(ctx, g, progress.NationalProgrammes); err != nil || n != 0 {
		t.Fatalf("second run created %d, %v", n, err)
	}
	var count int64
	g.Raw(`SELECT count(*) FROM programmes`).Scan(&count)
	if count != 4 {
		t.Fatal(fmt.Sprint(count, " programmes"))
	}
}
