package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/credential"
)

// The integration API's credentials (issue 19): those of the organisation's
// consenting people and those it issued, read; those it issued, revoked.

type apiCredential struct {
	ID          string  `json:"id"`
	UserID      string  `json:"user_id"`
	CourseID    *string `json:"course_id,omitempty"`
	PathID      *string `json:"path_id,omitempty"`
	EnrolmentID *string `json:"enrolment_id,omitempty"`
	Achievement apiText `json:"achievement"`
	Provider    apiText `json:"provider"`
	IssuedAt    string  `json:"issued_at"`
	ValidFrom   string  `json:"valid_from"`
	ValidUntil  *string `json:"valid_until,omitempty"`
	Revoked     bool    `json:"revoked"`
	RevokedAt   *string `json:"revoked_at,omitempty"`
	URL         string  `json:"url"`
	JSONURL     string  `json:"json_url"`
}

func (s *Server) apiCredentialOf(h credential.Holding) apiCredential {
	page := s.Credentials.PageURL(h.ID)
	return apiCredential{
		ID: h.ID, UserID: h.UserID, CourseID: h.CourseID, PathID: h.PathID, EnrolmentID: h.EnrolmentID,
		Achievement: apiText(h.Name), Provider: apiText(h.Provider),
		IssuedAt: apiTime(h.IssuedAt), ValidFrom: apiTime(h.ValidFrom), ValidUntil: apiTimePtr(h.ValidUntil),
		Revoked: h.RevokedAt != nil, RevokedAt: apiTimePtr(h.RevokedAt),
		URL: page, JSONURL: page + "/credential.json",
	}
}

// handleAPICredentials lists the credentials the organisation may read.
func (s *Server) handleAPICredentials(c echo.Context) error {
	limit, err := apiLimit(c)
	if err != nil {
		return err
	}
	var afterAt time.Time
	afterID := ""
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
		afterAt, afterID = t, id
	}
	rows, err := s.Credentials.ListForOrg(c.Request().Context(), apiCaller(c).OrgID, afterAt, afterID, limit+1)
	if err != nil {
		return err
	}
	out := struct {
		Items      []apiCredential `json:"items"`
		NextCursor string          `json:"next_cursor,omitempty"`
	}{Items: []apiCredential{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		out.NextCursor = encodeCursor(last.IssuedAt.UTC().Format(time.RFC3339Nano) + "|" + last.ID)
	}
	for _, h := range rows {
		out.Items = append(out.Items, s.apiCredentialOf(h))
	}
	return apiJSON(c, http.StatusOK, out)
}

// handleAPICredential shows one credential the organisation may read.
func (s *Server) handleAPICredential(c echo.Context) error {
	h, err := s.Credentials.GetForOrg(c.Request().Context(), apiCaller(c).OrgID, c.Param("id"))
	if err != nil {
		return err
	}
	return apiJSON(c, http.StatusOK, s.apiCredentialOf(*h))
}

// handleAPICredentialRevoke revokes a credential the organisation issued.
func (s *Server) handleAPICredentialRevoke(c echo.Context) error {
	var in struct {
		Reason string `json:"reason"`
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return apperr.New(apperr.Invalid, "api.err_body")
	}
	caller := apiCaller(c)
	err := s.Credentials.RevokeAsProvider(c.Request().Context(), caller.OrgID, clientIP(c), c.Param("id"), in.Reason)
	if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid && len(e.Fields) > 0 {
		return apperr.FieldErrors(map[string]string{"reason": "api.err_reason"})
	}
	if err != nil {
		return err
	}
	h, err := s.Credentials.GetForOrg(c.Request().Context(), caller.OrgID, c.Param("id"))
	if err != nil {
		return err
	}
	return apiJSON(c, http.StatusOK, s.apiCredentialOf(*h))
}
