package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/learning"
)

// The integration API's resources (schemas in web/apidoc/openapi.yaml).
// Each handler reads the caller's organisation from its token
// (apiCaller), never from the request.

type apiText struct {
	Ja string `json:"ja"`
	En string `json:"en"`
}

type apiCourse struct {
	ID             string      `json:"id"`
	Code           string      `json:"code"`
	Provider       apiProvider `json:"provider"`
	Title          apiText     `json:"title"`
	Summary        apiText     `json:"summary"`
	SkillArea      string      `json:"skill_area"`
	Level          string      `json:"level"`
	DeliveryMode   string      `json:"delivery_mode"`
	Language       string      `json:"language"`
	EstimatedHours float64     `json:"estimated_hours"`
	Lessons        int         `json:"lessons"`
	PublishedAt    string      `json:"published_at"`
	URL            string      `json:"url"`
}

type apiProvider struct {
	ID   string  `json:"id"`
	Code string  `json:"code,omitempty"`
	Name apiText `json:"name"`
}

// handleAPICourses lists published courses, a page per cursor.
func (s *Server) handleAPICourses(c echo.Context) error {
	page := 1
	if cur := c.QueryParam("cursor"); cur != "" {
		v, err := decodeCursor(cur)
		if err != nil {
			return err
		}
		n, perr := strconv.Atoi(strings.TrimPrefix(v, "page:"))
		if perr != nil || !strings.HasPrefix(v, "page:") || n < 1 {
			return apperr.New(apperr.Invalid, "api.err_cursor")
		}
		page = n
	}
	f := catalog.Filter{Q: c.QueryParam("q"), Skill: c.QueryParam("skill_area"), Level: c.QueryParam("level"), Page: page, DisplayLang: "ja"}
	if len([]rune(f.Q)) > 200 {
		return apperr.New(apperr.Invalid, "api.err_param")
	}
	res, err := s.Courses.Search(c.Request().Context(), f)
	if err != nil {
		return err
	}
	if len(res.Ignored) > 0 {
		return apperr.New(apperr.Invalid, "api.err_param")
	}
	out := struct {
		Items      []apiCourse `json:"items"`
		Total      int         `json:"total"`
		NextCursor string      `json:"next_cursor,omitempty"`
	}{Items: []apiCourse{}, Total: res.Total}
	if page <= res.Pages {
		for _, l := range res.Items {
			out.Items = append(out.Items, s.apiCourseOf(l))
		}
		if page < res.Pages {
			out.NextCursor = encodeCursor("page:" + strconv.Itoa(page+1))
		}
	}
	return apiJSON(c, http.StatusOK, out)
}

func (s *Server) apiCourseOf(l catalog.Listing) apiCourse {
	p := apiProvider{ID: l.ProviderID, Name: apiText(l.ProviderName)}
	if l.ProviderCode != nil {
		p.Code = *l.ProviderCode
	}
	return apiCourse{
		ID: l.ID, Code: l.Code, Provider: p, Title: apiText(l.Title), Summary: apiText(l.Summary),
		SkillArea: l.SkillAreaCode, Level: l.Level, DeliveryMode: l.DeliveryMode, Language: l.Language,
		EstimatedHours: l.EstimatedHours, Lessons: l.LessonCount, PublishedAt: apiTime(l.PublishedAt),
		URL: s.Config.BaseURL + "/courses/" + l.ProviderRef() + "/" + l.Code,
	}
}

// handleAPISkillAreas lists the skill areas.
func (s *Server) handleAPISkillAreas(c echo.Context) error {
	areas, err := s.Courses.SkillAreas(c.Request().Context())
	if err != nil {
		return err
	}
	type area struct {
		Code        string  `json:"code"`
		Name        apiText `json:"name"`
		Description apiText `json:"description"`
	}
	out := struct {
		Items []area `json:"items"`
	}{Items: []area{}}
	for _, a := range areas {
		out.Items = append(out.Items, area{Code: a.Code, Name: apiText(a.Name), Description: apiText(a.Description)})
	}
	return apiJSON(c, http.StatusOK, out)
}

type apiEnrolment struct {
	ID              string  `json:"id"`
	UserID          string  `json:"user_id"`
	Email           string  `json:"email"`
	ExternalID      *string `json:"external_id,omitempty"`
	CourseID        string  `json:"course_id"`
	EnrolledAt      string  `json:"enrolled_at"`
	UpdatedAt       string  `json:"updated_at"`
	AwaitingConsent bool    `json:"awaiting_consent"`
	Status          *string `json:"status,omitempty"`
	ProgressPercent *int    `json:"progress_percent,omitempty"`
	LessonsDone     *int    `json:"lessons_done,omitempty"`
	MinutesOnTask   *int    `json:"minutes_on_task,omitempty"`
	CompletedAt     *string `json:"completed_at,omitempty"`
	WithdrawnAt     *string `json:"withdrawn_at,omitempty"`
	LastActivityAt  *string `json:"last_activity_at,omitempty"`
}

func apiEnrolmentOf(e learning.OrgEnrolment) apiEnrolment {
	out := apiEnrolment{
		ID: e.ID, UserID: e.UserID, Email: e.Email, ExternalID: e.ExternalID, CourseID: e.CourseID,
		EnrolledAt: apiTime(e.EnrolledAt), UpdatedAt: apiTime(e.ChangedAt), AwaitingConsent: e.AwaitingConsent,
		Status: e.Status, ProgressPercent: e.ProgressPercent, LessonsDone: e.LessonsDone,
		CompletedAt: apiTimePtr(e.CompletedAt), WithdrawnAt: apiTimePtr(e.WithdrawnAt), LastActivityAt: apiTimePtr(e.LastActivityAt),
	}
	if e.AwaitingConsent {
		// SECURITY: the change time would tell when the person last
		// studied; without consent the enrolment shows its enrolment time.
		out.UpdatedAt = out.EnrolledAt
	}
	if e.SecondsOnTask != nil {
		m := *e.SecondsOnTask / 60
		out.MinutesOnTask = &m
	}
	return out
}

// handleAPIEnrolments lists the organisation's enrolments by change time.
func (s *Server) handleAPIEnrolments(c echo.Context) error {
	limit, err := apiLimit(c)
	if err != nil {
		return err
	}
	var since time.Time
	if v := c.QueryParam("updated_since"); v != "" {
		if since, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return apperr.New(apperr.Invalid, "api.err_param")
		}
	}
	var after *learning.OrgEnrolmentCursor
	if cur := c.QueryParam("cursor"); cur != "" {
		v, err := decodeCursor(cur)
		if err != nil {
			return err
		}
		at, id, ok := strings.Cut(v, "|")
		t, terr := time.Parse(time.RFC3339Nano, at)
		if !ok || terr != nil {
			return apperr.New(apperr.Invalid, "api.err_cursor")
		}
		after = &learning.OrgEnrolmentCursor{ChangedAt: t, ID: id}
	}
	rows, err := s.Learning.OrgEnrolments(c.Request().Context(), apiCaller(c).OrgID, since, after, limit+1)
	if err != nil {
		return err
	}
	out := struct {
		Items      []apiEnrolment `json:"items"`
		NextCursor string         `json:"next_cursor,omitempty"`
	}{Items: []apiEnrolment{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		out.NextCursor = encodeCursor(last.ChangedAt.UTC().Format(time.RFC3339Nano) + "|" + last.ID)
	}
	for _, r := range rows {
		out.Items = append(out.Items, apiEnrolmentOf(r))
	}
	return apiJSON(c, http.StatusOK, out)
}

// handleAPIEnrolmentCreate enrols a member of the organisation by email.
func (s *Server) handleAPIEnrolmentCreate(c echo.Context) error {
	var in struct {
		Email      string `json:"email"`
		ExternalID string `json:"external_id"`
		CourseID   string `json:"course_id"`
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return apperr.New(apperr.Invalid, "api.err_body")
	}
	// Exactly one of email and external_id names the person.
	if in.CourseID == "" || (in.Email == "") == (in.ExternalID == "") {
		return apperr.New(apperr.Invalid, "api.err_body")
	}
	var e *learning.OrgEnrolment
	var err error
	if in.ExternalID != "" {
		e, err = s.APIEnroller.EnrolByExternalID(c.Request().Context(), apiCaller(c), in.ExternalID, in.CourseID)
	} else {
		e, err = s.APIEnroller.EnrolByEmail(c.Request().Context(), apiCaller(c), in.Email, in.CourseID)
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", apiPrefix+"/enrolments/"+e.ID)
	return apiJSON(c, http.StatusCreated, apiEnrolmentOf(*e))
}

// handleAPIEnrolment shows one of the organisation's enrolments with its
// progress.
func (s *Server) handleAPIEnrolment(c echo.Context) error {
	e, err := s.Learning.OrgEnrolmentByID(c.Request().Context(), apiCaller(c).OrgID, c.Param("id"))
	if err != nil {
		return err
	}
	return apiJSON(c, http.StatusOK, apiEnrolmentOf(*e))
}

// handleAPIEnrolmentWithdraw withdraws one of the organisation's enrolments.
func (s *Server) handleAPIEnrolmentWithdraw(c echo.Context) error {
	e, err := s.APIEnroller.Withdraw(c.Request().Context(), apiCaller(c), c.Param("id"))
	if err != nil {
		return err
	}
	return apiJSON(c, http.StatusOK, apiEnrolmentOf(*e))
}

// handleAPIMembers lists the organisation's members.
func (s *Server) handleAPIMembers(c echo.Context) error {
	limit, err := apiLimit(c)
	if err != nil {
		return err
	}
	after := ""
	if cur := c.QueryParam("cursor"); cur != "" {
		if after, err = decodeCursor(cur); err != nil {
			return err
		}
	}
	rows, err := s.APIEnroller.Members(c.Request().Context(), apiCaller(c), after, limit+1)
	if err != nil {
		return err
	}
	type member struct {
		UserID      string  `json:"user_id"`
		DisplayName string  `json:"display_name"`
		Email       string  `json:"email"`
		ExternalID  *string `json:"external_id,omitempty"`
		Role        string  `json:"role"`
		JoinedAt    string  `json:"joined_at"`
	}
	out := struct {
		Items      []member `json:"items"`
		NextCursor string   `json:"next_cursor,omitempty"`
	}{Items: []member{}}
	if len(rows) > limit {
		rows = rows[:limit]
		out.NextCursor = encodeCursor(rows[limit-1].UserID)
	}
	for _, m := range rows {
		out.Items = append(out.Items, member{UserID: m.UserID, DisplayName: m.DisplayName, Email: m.Email, ExternalID: m.ExternalID, Role: m.Role, JoinedAt: apiTime(m.JoinedAt)})
	}
	return apiJSON(c, http.StatusOK, out)
}

// handleAPIProgress answers a programme's national headline (the open
// data's figures, disclosure control applied).
func (s *Server) handleAPIProgress(c echo.Context) error {
	f, err := s.Reporting.Public(c.Request().Context(), strings.TrimSpace(c.QueryParam("programme")))
	if err != nil {
		return err
	}
	d := s.openDataOf(f, s.Config.BaseURL)
	type programme struct {
		Code     string  `json:"code"`
		Name     apiText `json:"name"`
		StartsOn string  `json:"starts_on"`
		EndsOn   string  `json:"ends_on"`
		Flagship bool    `json:"flagship"`
	}
	return apiJSON(c, http.StatusOK, struct {
		Programme      programme `json:"programme"`
		AsOf           string    `json:"as_of"`
		Learners       int64     `json:"learners"`
		Target         int64     `json:"target"`
		Percent        float64   `json:"percent"`
		RunRatePerWeek float64   `json:"run_rate_per_week"`
		TargetReached  bool      `json:"target_reached"`
		DisclosureK    int       `json:"disclosure_k"`
		Methodology    string    `json:"methodology"`
	}{
		Programme: programme{Code: d.Programme.Code, Name: apiText{Ja: d.Programme.NameJa, En: d.Programme.NameEn},
			StartsOn: d.Programme.StartsOn, EndsOn: d.Programme.EndsOn, Flagship: d.Programme.Flagship},
		AsOf: d.AsOf, Learners: d.Headline.Learners, Target: d.Headline.Target, Percent: d.Headline.Percent,
		RunRatePerWeek: d.Headline.RunRatePerWeek, TargetReached: d.Headline.TargetReached, DisclosureK: d.DisclosureK,
		Methodology: d.Methodology,
	})
}

// handleAPIProviderCourses lists the provider's own courses in every state.
func (s *Server) handleAPIProviderCourses(c echo.Context) error {
	limit, err := apiLimit(c)
	if err != nil {
		return err
	}
	after := ""
	if cur := c.QueryParam("cursor"); cur != "" {
		if after, err = decodeCursor(cur); err != nil {
			return err
		}
	}
	rows, err := s.Courses.ProviderCoursesAfter(c.Request().Context(), apiCaller(c).OrgID, after, limit+1)
	if err != nil {
		return err
	}
	type course struct {
		ID                string  `json:"id"`
		Code              string  `json:"code"`
		Status            string  `json:"status"`
		PublishedRevision *int    `json:"published_revision,omitempty"`
		PublishedAt       *string `json:"published_at,omitempty"`
		ArchivedAt        *string `json:"archived_at,omitempty"`
		Title             apiText `json:"title"`
		HasDraft          bool    `json:"has_draft"`
		UpdatedAt         string  `json:"updated_at"`
	}
	out := struct {
		Items      []course `json:"items"`
		NextCursor string   `json:"next_cursor,omitempty"`
	}{Items: []course{}}
	if len(rows) > limit {
		rows = rows[:limit]
		out.NextCursor = encodeCursor(rows[limit-1].ID)
	}
	for _, r := range rows {
		out.Items = append(out.Items, course{ID: r.ID, Code: r.Code, Status: r.Status, PublishedRevision: r.PublishedRevision,
			PublishedAt: apiTimePtr(r.PublishedAt), ArchivedAt: apiTimePtr(r.ArchivedAt), Title: apiText{Ja: r.TitleJa, En: r.TitleEn},
			HasDraft: r.HasDraft, UpdatedAt: apiTime(r.UpdatedAt)})
	}
	return apiJSON(c, http.StatusOK, out)
}

// --- learning paths in the public catalogue (issue 19) ---

type apiPathCourse struct {
	ID             string  `json:"id"`
	Code           string  `json:"code"`
	Position       int     `json:"position"`
	Title          apiText `json:"title"`
	EstimatedHours float64 `json:"estimated_hours"`
	URL            string  `json:"url"`
}

type apiPath struct {
	ID                    string          `json:"id"`
	Code                  string          `json:"code"`
	Provider              apiProvider     `json:"provider"`
	Title                 apiText         `json:"title"`
	Description           apiText         `json:"description"`
	CredentialValidMonths *int            `json:"credential_valid_months,omitempty"`
	EstimatedHours        float64         `json:"estimated_hours"`
	Courses               []apiPathCourse `json:"courses"`
	UpdatedAt             string          `json:"updated_at"`
	URL                   string          `json:"url"`
}

func (s *Server) apiPathOf(p catalog.PublicPath) apiPath {
	prov := apiProvider{ID: p.ProviderID, Name: apiText(p.ProviderName)}
	if p.ProviderCode != nil {
		prov.Code = *p.ProviderCode
	}
	out := apiPath{ID: p.ID, Code: p.Code, Provider: prov, Title: apiText(p.Title), Description: apiText(p.Description),
		CredentialValidMonths: p.CredentialValidMonths, EstimatedHours: p.EstimatedHours, Courses: []apiPathCourse{},
		UpdatedAt: apiTime(p.UpdatedAt), URL: s.Config.BaseURL + "/paths/" + p.ProviderRef() + "/" + p.Code}
	for _, c := range p.Courses {
		out.Courses = append(out.Courses, apiPathCourse{ID: c.ID, Code: c.Code, Position: c.Position, Title: apiText(c.Title),
			EstimatedHours: c.EstimatedHours, URL: s.Config.BaseURL + "/courses/" + c.ProviderRef() + "/" + c.Code})
	}
	return out
}

// handleAPIPaths lists the public learning paths, a page per cursor.
func (s *Server) handleAPIPaths(c echo.Context) error {
	limit, err := apiLimit(c)
	if err != nil {
		return err
	}
	after := ""
	if cur := c.QueryParam("cursor"); cur != "" {
		if after, err = decodeCursor(cur); err != nil {
			return err
		}
	}
	rows, err := s.Courses.PublishedPathsAfter(c.Request().Context(), after, limit+1)
	if err != nil {
		return err
	}
	out := struct {
		Items      []apiPath `json:"items"`
		NextCursor string    `json:"next_cursor,omitempty"`
	}{Items: []apiPath{}}
	if len(rows) > limit {
		rows = rows[:limit]
		out.NextCursor = encodeCursor(rows[limit-1].ID)
	}
	for _, p := range rows {
		out.Items = append(out.Items, s.apiPathOf(p))
	}
	return apiJSON(c, http.StatusOK, out)
}

// handleAPIPath shows one public learning path.
func (s *Server) handleAPIPath(c echo.Context) error {
	p, err := s.Courses.PublishedPathByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return apiJSON(c, http.StatusOK, s.apiPathOf(*p))
}
