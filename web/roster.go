package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/csvexport"
	"takumi/internal/jst"
	"takumi/internal/learning"
	orgviews "takumi/views/org"
)

// rosterFilterFrom reads the roster's filters from the URL. The domain
// drops values outside its allowlists (RosterFilter.Clean), so a bad value
// is ignored rather than an error.
func rosterFilterFrom(c echo.Context) learning.RosterFilter {
	return learning.RosterFilter{
		CourseID:    c.QueryParam("course"),
		Status:      c.QueryParam("status"),
		FlaggedOnly: c.QueryParam("flagged") == "1",
		Search:      c.QueryParam("q"),
		Sort:        c.QueryParam("sort"),
		Desc:        c.QueryParam("dir") == "desc",
		After:       c.QueryParam("after"),
		Before:      c.QueryParam("before"),
	}
}

func rosterViewer(c echo.Context) learning.RosterViewer {
	return learning.RosterViewer{UserID: currentAuth(c).User.ID, IP: clientIP(c)}
}

// handleRoster shows an organisation's roster (its people, their
// enrolments, progress and integrity flags) to an admin of that
// organisation; the domain records the view in the audit log.
func (s *Server) handleRoster(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	v, err := s.Learning.Roster(c.Request().Context(), rosterViewer(c), c.Param("id"), rosterFilterFrom(c))
	if err != nil {
		return err
	}
	p := s.page(c, "roster.title", s.localizer(c).Pick(v.OrgNameJa, v.OrgNameEn))
	return render(c, http.StatusOK, orgviews.Roster(p, v))
}

// handleRosterCSV downloads the roster rows matching the page's filters
// (every page) as CSV for Excel: UTF-8 with a byte order mark, a header row
// in the person's language, one row per person × enrolment. The domain
// records the export in the audit log before the first row.
func (s *Server) handleRosterCSV(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	l := s.localizer(c)
	w := csvexport.NewWriter(c.Response())
	started := false
	start := func() error {
		started = true
		h := c.Response().Header()
		h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		h.Set(echo.HeaderContentDisposition, `attachment; filename="roster-`+jst.Compact(time.Now())+`.csv"`)
		c.Response().WriteHeader(http.StatusOK)
		return w.Write([]string{l.T("roster.csv_name"), l.T("roster.csv_email"), l.T("roster.csv_member"),
			l.T("roster.csv_course"), l.T("roster.csv_status"), l.T("roster.csv_progress"), l.T("roster.csv_enrolled"),
			l.T("roster.csv_completed"), l.T("roster.csv_last_activity"), l.T("roster.csv_fast"), l.T("roster.csv_machine"),
			l.T("roster.csv_invited")})
	}
	yesNo := func(b bool) string {
		if b {
			return l.T("roster.yes")
		}
		return l.T("roster.no")
	}
	err := s.Learning.ExportRoster(c.Request().Context(), rosterViewer(c), c.Param("id"), rosterFilterFrom(c), func(r learning.RosterRow) error {
		if !started {
			if err := start(); err != nil {
				return err
			}
		}
		row := []string{r.DisplayName, r.Email, yesNo(r.IsMember), "", "", "", "", "", "", "", "", ""}
		if r.IsInvited() {
			// No account yet: the course and when they were invited, no progress.
			row[3], row[4], row[11] = r.CourseTitle(l.Lang), l.T(orgviews.RosterStatusKey(*r.Status)), rosterTime(r.InvitedAt)
		} else if r.HasEnrolment() {
			row[3] = r.CourseTitle(l.Lang)
			if r.AwaitingConsent {
				row[4] = l.T("roster.awaiting_consent")
			} else if r.Status != nil {
				row[4] = l.T(orgviews.RosterStatusKey(*r.Status))
			}
			if r.ProgressPercent != nil {
				row[5] = strconv.Itoa(*r.ProgressPercent)
			}
			row[6], row[7], row[8] = rosterTime(r.EnrolledAt), rosterTime(r.CompletedAt), rosterTime(r.LastActivityAt)
			row[9], row[10] = yesNo(r.FastCompletion), strconv.Itoa(r.MachineAttempts)
		}
		return w.Write(row)
	})
	if err != nil {
		if started {
			// The download has begun; all that is left is to stop it.
			s.Logger.Warn("roster export interrupted", "org", c.Param("id"), "err", err)
			return nil
		}
		return err
	}
	if !started {
		if err := start(); err != nil {
			return nil
		}
	}
	_ = w.Flush()
	return nil
}

// rosterTime is an export's time in Japan to the minute, "" when unset.
func rosterTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return jst.DateTime(*t)
}

// handleRosterResend sends an invited person's invitation again (a new
// link; org.Service.Resend checks the admin and records it) and returns to
// the roster with the filters it was posted from.
func (s *Server) handleRosterResend(c echo.Context) error {
	if err := requireAdminOfOrg(c); err != nil {
		return err
	}
	err := s.Orgs.Resend(c.Request().Context(), orgActor(c), c.Param("id"), c.Param("invID"))
	if e, ok := apperr.As(err); ok && e.Code == apperr.Conflict {
		s.flash(c, e.Key) // accepted or revoked meanwhile
	} else if err != nil {
		return err
	} else {
		s.flash(c, "org.flash_resent")
	}
	return redirect(c, "/org/"+c.Param("id")+"/roster"+rosterBack(c.FormValue("back")))
}

// rosterBack is the roster query string posted in "back", re-encoded: only
// a query string survives, so the redirect cannot leave the roster.
func rosterBack(back string) string {
	q, err := url.ParseQuery(strings.TrimPrefix(back, "?"))
	if err != nil || len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}
