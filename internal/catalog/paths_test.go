package catalog_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/storage"
)

// pathEnv is a provider with an instructor and published courses, and a
// second provider with its own instructor and course.
type pathEnv struct {
	db      *database.DB
	s       *catalog.Service
	provA   string
	a       catalog.Actor
	provB   string
	b       catalog.Actor
	courses []string // provider A's published courses
	draft   string   // provider A's never-published course
	courseB string   // provider B's published course
}

func pathSetup(t *testing.T) *pathEnv {
	t.Helper()
	db := dbtest.New(t)
	files, err := storage.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := &pathEnv{db: db, s: catalog.NewService(db.Gorm, files)}
	var instA, instB string
	e.provA, instA = catalogFixture(t, db, "path-provider-a")
	e.provB, instB = catalogFixture(t, db, "path-provider-b")
	db.Gorm.Exec(`UPDATE organisations SET code = 'path-a' WHERE id = ?`, e.provA)
	e.a, e.b = catalog.Actor{UserID: instA}, catalog.Actor{UserID: instB}
	for _, code := range []string{"path-one", "path-two", "path-three"} {
		e.courses = append(e.courses, pathCourse(t, e.s, e.a, e.provA, code, true))
	}
	e.draft = pathCourse(t, e.s, e.a, e.provA, "path-draft", false)
	e.courseB = pathCourse(t, e.s, e.b, e.provB, "path-other", true)
	return e
}

// pathCourse creates a course with one reading lesson, published unless
// publish is false.
func pathCourse(t *testing.T, s *catalog.Service, a catalog.Actor, providerID, code string, publish bool) string {
	t.Helper()
	ctx := context.Background()
	ct := validDetails()
	ct.TitleJa = "講座 " + code
	ct.TitleEn = "Course " + code
	c, err := s.CreateCourse(ctx, a, catalog.NewCourse{ProviderID: providerID, Code: code, Content: ct})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EditDraft(ctx, a, c.ID, 0, func(ct *catalog.Content) error {
		ct.Modules = []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
			{ID: catalog.NewID(), Kind: catalog.LessonReading, TitleJa: "読む", Required: true, BodyMd: "本文"}}}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if publish {
		if _, err := s.Publish(ctx, a, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	return c.ID
}

func pathInput(e *pathEnv, code string, courses ...string) catalog.PathInput {
	return catalog.PathInput{ProviderID: e.provA, Code: code, TitleJa: "データ活用パス", TitleEn: "Data path",
		DescriptionJa: "三つの講座で学ぶ", CourseIDs: courses}
}

func pathFieldErr(t *testing.T, err error, field, key string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid || e.Fields[field] != key {
		t.Fatalf("want %s=%s, got %v (fields %v)", field, key, err, func() map[string]string {
			if ok {
				return e.Fields
			}
			return nil
		}())
	}
}

func pathCodes(d *catalog.PathDetail) string {
	var out []string
	for _, c := range d.Courses {
		out = append(out, c.Code)
	}
	return strings.Join(out, ",")
}

func TestPathCreateAndOrder(t *testing.T) {
	e := pathSetup(t)
	ctx := context.Background()
	months := 24
	in := pathInput(e, "Data-Path", e.courses[2], e.courses[0], e.courses[1])
	in.ValidMonths = &months
	p, err := e.s.CreatePath(ctx, e.a, in)
	if err != nil {
		t.Fatal(err)
	}
	if p.Code != "data-path" {
		t.Fatalf("code stored as %q, want lower case", p.Code)
	}
	t.Run("OrderKept", func(t *testing.T) {
		d, err := e.s.Path(ctx, e.a, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := pathCodes(d); got != "path-three,path-one,path-two" {
			t.Fatalf("courses in order %s", got)
		}
		for i, c := range d.Courses {
			if c.Position != i+1 {
				t.Fatalf("course %s at position %d, want %d", c.Code, c.Position, i+1)
			}
		}
		if d.CredentialValidMonths == nil || *d.CredentialValidMonths != 24 {
			t.Fatalf("validity %v", d.CredentialValidMonths)
		}
	})
	t.Run("ReorderOnUpdate", func(t *testing.T) {
		up := pathInput(e, "ignored", e.courses[1], e.courses[2])
		up.TitleJa = "  新しい題名  "
		if _, err := e.s.UpdatePath(ctx, e.a, p.ID, up); err != nil {
			t.Fatal(err)
		}
		d, _ := e.s.Path(ctx, e.a, p.ID)
		if got := pathCodes(d); got != "path-two,path-three" {
			t.Fatalf("courses after update %s", got)
		}
		if d.Code != "data-path" || d.Title.Ja != "新しい題名" || d.CredentialValidMonths != nil {
			t.Fatalf("after update: code %q title %q validity %v", d.Code, d.Title.Ja, d.CredentialValidMonths)
		}
	})
	t.Run("Audited", func(t *testing.T) {
		var n int64
		e.db.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE target_id = ? AND action IN ('path.created', 'path.updated') AND org_id = ?`,
			p.ID, e.provA).Scan(&n)
		if n != 2 {
			t.Fatalf("%d audit rows for create and update, want 2", n)
		}
	})
	t.Run("StudioList", func(t *testing.T) {
		rows, err := e.s.StudioPaths(ctx, e.a)
		if err != nil || len(rows) != 1 || rows[0].CourseCount != 2 || rows[0].ProviderRef() != "path-a" {
			t.Fatalf("studio list %+v %v", rows, err)
		}
		rows, err = e.s.StudioPaths(ctx, e.b)
		if err != nil || len(rows) != 0 {
			t.Fatalf("the other provider's instructor lists %d paths (%v)", len(rows), err)
		}
	})
	t.Run("Public", func(t *testing.T) {
		for _, ref := range []string{"path-a", e.provA, strings.ToUpper(e.provA)} {
			d, err := e.s.PublishedPath(ctx, ref, "data-path")
			if err != nil || pathCodes(d) != "path-two,path-three" {
				t.Fatalf("public path by %s: %v", ref, err)
			}
		}
		for _, c := range [][2]string{{"path-a", "no-such"}, {"path-a", "DATA-PATH"}, {"nobody", "data-path"}, {"../x", "data-path"}} {
			if _, err := e.s.PublishedPath(ctx, c[0], c[1]); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("public path %s/%s: %v, want not_found", c[0], c[1], err)
			}
		}
		cc, err := e.s.CourseCredentialInfo(ctx, e.courses[2])
		if err != nil || len(cc.Paths) != 1 || cc.Paths[0].Code != "data-path" || cc.Paths[0].CoursePosition != 2 || cc.Paths[0].CourseCount != 2 {
			t.Fatalf("course's paths %+v %v", cc, err)
		}
		if cc, _ := e.s.CourseCredentialInfo(ctx, e.courses[0]); len(cc.Paths) != 0 {
			t.Fatalf("a course taken out of the path still lists it")
		}
		for _, id := range e.courses {
			coursePageCredentialIsInfo(t, e.db, e.s, id)
		}
	})
	t.Run("HiddenWhenACourseIsArchived", func(t *testing.T) {
		if err := e.s.Archive(ctx, e.a, e.courses[2]); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.PublishedPath(ctx, "path-a", "data-path"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("path with an archived course is public: %v", err)
		}
		if cc, _ := e.s.CourseCredentialInfo(ctx, e.courses[1]); len(cc.Paths) != 0 {
			t.Fatal("course page links to a hidden path")
		}
		coursePageCredentialIsInfo(t, e.db, e.s, e.courses[1])
		d, err := e.s.Path(ctx, e.a, p.ID)
		if err != nil || d.UnpublishedCourseCount != 1 {
			t.Fatalf("studio does not flag the archived course: %v %+v", err, d)
		}
		choices, err := e.s.PathCourseChoices(ctx, e.a, e.provA, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, c := range choices {
			codes = append(codes, c.Code)
		}
		// The archived course is offered only because it is in the path; the draft never.
		if got := strings.Join(codes, ","); got != "path-one,path-three,path-two" {
			t.Fatalf("choices %s", got)
		}
		_, err = e.s.UpdatePath(ctx, e.a, p.ID, pathInput(e, "", e.courses[1], e.courses[2]))
		pathFieldErr(t, err, "courses", "paths.err_course_unknown")
	})
}

func TestPathValidation(t *testing.T) {
	e := pathSetup(t)
	ctx := context.Background()
	zero, big, ok := 0, 121, 120
	long := strings.Repeat("長", 201)
	cases := []struct {
		name, field, key string
		in               catalog.PathInput
	}{
		{"ErrCodeRequired", "code", "catalog.err_code_required", pathInput(e, " ", e.courses[0], e.courses[1])},
		{"ErrCodeFormat", "code", "catalog.err_code_format", pathInput(e, "データ", e.courses[0], e.courses[1])},
		{"ErrTitleRequired", "title_ja", "paths.err_title_required", func() catalog.PathInput {
			in := pathInput(e, "p-1", e.courses[0], e.courses[1])
			in.TitleJa = "  "
			return in
		}()},
		{"ErrTitleTooLong", "title_en", "paths.err_too_long", func() catalog.PathInput {
			in := pathInput(e, "p-1", e.courses[0], e.courses[1])
			in.TitleEn = long
			return in
		}()},
		{"ErrDescriptionTooLong", "description_ja", "paths.err_too_long", func() catalog.PathInput {
			in := pathInput(e, "p-1", e.courses[0], e.courses[1])
			in.DescriptionJa = strings.Repeat("x", 2001)
			return in
		}()},
		{"ErrValidityZero", "valid_months", "paths.err_validity", func() catalog.PathInput {
			in := pathInput(e, "p-1", e.courses[0], e.courses[1])
			in.ValidMonths = &zero
			return in
		}()},
		{"ErrValidityTooLong", "valid_months", "paths.err_validity", func() catalog.PathInput {
			in := pathInput(e, "p-1", e.courses[0], e.courses[1])
			in.ValidMonths = &big
			return in
		}()},
		{"ErrOneCourse", "courses", "paths.err_courses_min", pathInput(e, "p-1", e.courses[0])},
		{"ErrNoCourses", "courses", "paths.err_courses_min", pathInput(e, "p-1")},
		{"ErrCourseTwice", "courses", "paths.err_course_twice", pathInput(e, "p-1", e.courses[0], e.courses[0])},
		{"ErrDraftCourse", "courses", "paths.err_course_unknown", pathInput(e, "p-1", e.courses[0], e.draft)},
		{"ErrOtherProvidersCourse", "courses", "paths.err_course_unknown", pathInput(e, "p-1", e.courses[0], e.courseB)},
		{"ErrNotACourseID", "courses", "paths.err_course_unknown", pathInput(e, "p-1", e.courses[0], "'; DROP TABLE courses; --")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.s.CreatePath(ctx, e.a, c.in)
			pathFieldErr(t, err, c.field, c.key)
		})
	}
	t.Run("EveryProblemAtOnce", func(t *testing.T) {
		_, err := e.s.CreatePath(ctx, e.a, catalog.PathInput{ProviderID: e.provA, ValidMonths: &zero})
		ae, _ := apperr.As(err)
		if ae == nil || len(ae.Fields) != 4 {
			t.Fatalf("want code, title_ja, valid_months and courses at once: %v", err)
		}
	})
	t.Run("LongestValidity", func(t *testing.T) {
		in := pathInput(e, "p-max", e.courses[0], e.courses[1])
		in.ValidMonths = &ok
		in.TitleJa = strings.Repeat("長", 200)
		if _, err := e.s.CreatePath(ctx, e.a, in); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrCodeTaken", func(t *testing.T) {
		if _, err := e.s.CreatePath(ctx, e.a, pathInput(e, "same", e.courses[0], e.courses[1])); err != nil {
			t.Fatal(err)
		}
		_, err := e.s.CreatePath(ctx, e.a, pathInput(e, "SAME", e.courses[1], e.courses[2]))
		pathFieldErr(t, err, "code", "paths.err_code_taken")
	})
	t.Run("NothingStoredOnError", func(t *testing.T) {
		var n int64
		e.db.Gorm.Raw(`SELECT count(*) FROM learning_paths`).Scan(&n)
		if n != 2 {
			t.Fatalf("%d paths stored, want the 2 valid ones", n)
		}
	})
}

func TestPathOtherProvider(t *testing.T) {
	e := pathSetup(t)
	ctx := context.Background()
	p, err := e.s.CreatePath(ctx, e.a, pathInput(e, "mine", e.courses[0], e.courses[1]))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ErrGet", func(t *testing.T) {
		if _, err := e.s.Path(ctx, e.b, p.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("other provider's instructor opened the path: %v", err)
		}
	})
	t.Run("ErrUpdate", func(t *testing.T) {
		in := pathInput(e, "", e.courses[0], e.courses[1])
		in.TitleJa = "乗っ取り"
		if _, err := e.s.UpdatePath(ctx, e.b, p.ID, in); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("other provider's instructor updated the path: %v", err)
		}
		d, _ := e.s.Path(ctx, e.a, p.ID)
		if d.Title.Ja == "乗っ取り" {
			t.Fatal("path changed")
		}
	})
	t.Run("ErrCreateForOtherProvider", func(t *testing.T) {
		in := pathInput(e, "theirs", e.courses[0], e.courses[1])
		if _, err := e.s.CreatePath(ctx, e.b, in); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("created a path for a provider they do not author for: %v", err)
		}
	})
	t.Run("ErrChoicesOfOtherProvider", func(t *testing.T) {
		if _, err := e.s.PathCourseChoices(ctx, e.b, e.provA, ""); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("listed another provider's courses: %v", err)
		}
	})
	t.Run("ErrUnknownIDs", func(t *testing.T) {
		for _, id := range []string{"", "not-a-uuid", "00000000-0000-0000-0000-000000000000"} {
			if _, err := e.s.Path(ctx, e.a, id); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("path %q: %v", id, err)
			}
		}
	})
	t.Run("ErrValidityOfOtherProvidersCourse", func(t *testing.T) {
		m := 12
		if err := e.s.SetCourseValidity(ctx, e.b, e.courses[0], &m); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("set validity of another provider's course: %v", err)
		}
		if _, err := e.s.CourseValidity(ctx, e.b, e.courses[0]); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("read validity of another provider's course: %v", err)
		}
	})
}

func TestPathCourseValidity(t *testing.T) {
	e := pathSetup(t)
	ctx := context.Background()
	m, bad := 36, 0
	if err := e.s.SetCourseValidity(ctx, e.a, e.courses[0], &m); err != nil {
		t.Fatal(err)
	}
	if err := e.s.SetCourseValidity(ctx, e.a, e.courses[0], &m); err != nil { // unchanged: no second audit row
		t.Fatal(err)
	}
	got, err := e.s.CourseValidity(ctx, e.a, e.courses[0])
	if err != nil || got == nil || *got != 36 {
		t.Fatalf("validity %v %v", got, err)
	}
	if cc, err := e.s.CourseCredentialInfo(ctx, e.courses[0]); err != nil || cc.ValidMonths == nil || *cc.ValidMonths != 36 {
		t.Fatalf("public validity %+v %v", cc, err)
	}
	coursePageCredentialIsInfo(t, e.db, e.s, e.courses[0])
	pathFieldErr(t, e.s.SetCourseValidity(ctx, e.a, e.courses[0], &bad), "credential_valid_months", "paths.err_validity")
	if err := e.s.SetCourseValidity(ctx, e.a, e.courses[0], nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.s.CourseValidity(ctx, e.a, e.courses[0]); got != nil {
		t.Fatalf("validity not cleared: %v", *got)
	}
	var n int64
	e.db.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action = 'course.validity_changed' AND target_id = ?`, e.courses[0]).Scan(&n)
	if n != 2 {
		t.Fatalf("%d validity audit rows, want 2 (set, cleared)", n)
	}
	if _, err := e.s.CourseCredentialInfo(ctx, e.draft); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("credential facts of an unpublished course: %v", err)
	}
}

// coursePageCredentialIsInfo checks that the course page's credential facts,
// read in PublishedCourse's one query, are what CourseCredentialInfo reads.
func coursePageCredentialIsInfo(t *testing.T, db *database.DB, s *catalog.Service, courseID string) {
	t.Helper()
	ctx := context.Background()
	var ref struct{ ProviderID, Code string }
	db.Gorm.Raw(`SELECT provider_id, code FROM courses WHERE id = ?`, courseID).Scan(&ref)
	cp, err := s.PublishedCourse(ctx, ref.ProviderID, ref.Code)
	if err != nil {
		t.Fatalf("course page of %s: %v", ref.Code, err)
	}
	cc, err := s.CourseCredentialInfo(ctx, courseID)
	if err != nil {
		t.Fatal(err)
	}
	str := func(c *catalog.CourseCredential) string {
		out := "valid:"
		if c.ValidMonths != nil {
			out += fmt.Sprint(*c.ValidMonths)
		}
		for _, p := range c.Paths {
			code := "<nil>"
			if p.ProviderCode != nil {
				code = *p.ProviderCode
			}
			out += fmt.Sprintf(" [%s %s %s %v %d/%d]", p.Code, p.ProviderID, code, p.Title, p.CoursePosition, p.CourseCount)
		}
		return out
	}
	if got, want := str(&cp.Credential), str(cc); got != want {
		t.Fatalf("course page's credential %s, CourseCredentialInfo %s", got, want)
	}
}
