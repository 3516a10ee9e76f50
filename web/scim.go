package web

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/sso"
)

// SCIM 2.0 (RFC 7643/7644) at /scim/v2, issue 18: the protocol side of
// internal/sso's provisioning. The access rule of every route is the
// organisation's bearer token (requireSCIMToken); being an API with its own
// authentication and no cookies, it is exempt from the CSRF token.

const (
	scimUserSchema  = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimListSchema  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	scimErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimPatchSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	ctxSCIMOrg      = "scim_org"
	scimMaxCount    = 200
)

// isSCIM reports whether p is a SCIM endpoint.
func isSCIM(p string) bool { return strings.HasPrefix(p, "/scim/") }

// requireSCIMToken resolves the bearer token to its organisation, or
// answers 401 in SCIM's error format.
func (s *Server) requireSCIMToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get("Authorization")
		bearer, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return scimError(c, http.StatusUnauthorized, "", "bearer token required")
		}
		orgID, err := s.SSO.SCIMOrg(c.Request().Context(), strings.TrimSpace(bearer))
		if err != nil {
			if apperr.Is(err, apperr.Unauthorized) {
				return scimError(c, http.StatusUnauthorized, "", "invalid or revoked token")
			}
			return err
		}
		c.Set(ctxSCIMOrg, orgID)
		return next(c)
	}
}

func scimOrg(c echo.Context) string { s, _ := c.Get(ctxSCIMOrg).(string); return s }

func scimJSON(c echo.Context, status int, v any) error {
	c.Response().Header().Set(echo.HeaderContentType, "application/scim+json")
	c.Response().WriteHeader(status)
	return json.NewEncoder(c.Response()).Encode(v)
}

func scimError(c echo.Context, status int, scimType, detail string) error {
	body := map[string]any{"schemas": []string{scimErrorSchema}, "status": strconv.Itoa(status), "detail": detail}
	if scimType != "" {
		body["scimType"] = scimType
	}
	return scimJSON(c, status, body)
}

// scimDomainError maps a domain error to SCIM's format.
func scimDomainError(c echo.Context, err error) error {
	e, ok := apperr.As(err)
	switch {
	case !ok:
		return err
	case e.Code == apperr.NotFound:
		return scimError(c, http.StatusNotFound, "", "resource not found")
	case e.Code == apperr.Conflict:
		return scimError(c, http.StatusConflict, "uniqueness", e.Key)
	case e.Code == apperr.Invalid && e.Key == "invalidFilter":
		return scimError(c, http.StatusBadRequest, "invalidFilter", "filter supports userName eq and externalId eq")
	case e.Code == apperr.Invalid:
		return scimError(c, http.StatusBadRequest, "invalidValue", e.Key)
	}
	return err
}

func (s *Server) scimResource(u *sso.SCIMUser) map[string]any {
	return map[string]any{
		"schemas":     []string{scimUserSchema},
		"id":          u.ID,
		"externalId":  u.ExternalID,
		"userName":    u.UserName,
		"displayName": u.DisplayName,
		"active":      u.Active,
		"emails":      []map[string]any{{"value": u.UserName, "primary": true, "type": "work"}},
		"meta": map[string]any{"resourceType": "User", "created": u.CreatedAt.UTC().Format(time.RFC3339),
			"lastModified": u.UpdatedAt.UTC().Format(time.RFC3339),
			"location":     strings.TrimRight(s.Config.BaseURL, "/") + "/scim/v2/Users/" + u.ID},
	}
}

// scimBool reads a SCIM boolean, which Entra ID may send as a string
// ("True", "False").
func scimBool(v any) (bool, bool) {
	switch b := v.(type) {
	case bool:
		return b, true
	case string:
		switch strings.ToLower(b) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

type scimUserBody struct {
	UserName    string `json:"userName"`
	DisplayName string `json:"displayName"`
	ExternalID  string `json:"externalId"`
	Active      any    `json:"active"`
	Name        struct {
		Formatted  string `json:"formatted"`
		GivenName  string `json:"givenName"`
		FamilyName string `json:"familyName"`
	} `json:"name"`
}

func readSCIM(c echo.Context, v any) error {
	b, err := io.ReadAll(io.LimitReader(c.Request().Body, 1<<20))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// handleSCIMUserCreate provisions a person (POST /scim/v2/Users).
func (s *Server) handleSCIMUserCreate(c echo.Context) error {
	var in scimUserBody
	if err := readSCIM(c, &in); err != nil {
		return scimError(c, http.StatusBadRequest, "invalidSyntax", "the body is not a SCIM User")
	}
	active := true
	if in.Active != nil {
		if b, ok := scimBool(in.Active); ok {
			active = b
		}
	}
	name := in.DisplayName
	if name == "" {
		name = in.Name.Formatted
	}
	if name == "" {
		name = strings.TrimSpace(in.Name.FamilyName + " " + in.Name.GivenName)
	}
	u, err := s.SSO.ProvisionUser(c.Request().Context(), scimOrg(c), sso.SCIMUserInput{UserName: in.UserName, DisplayName: name,
		ExternalID: in.ExternalID, Active: active})
	if err != nil {
		return scimDomainError(c, err)
	}
	return scimJSON(c, http.StatusCreated, s.scimResource(u))
}

// handleSCIMUserGet returns one person (GET /scim/v2/Users/:id).
func (s *Server) handleSCIMUserGet(c echo.Context) error {
	u, err := s.SSO.SCIMUserByID(c.Request().Context(), scimOrg(c), c.Param("id"))
	if err != nil {
		return scimDomainError(c, err)
	}
	return scimJSON(c, http.StatusOK, s.scimResource(u))
}

var scimFilterRe = regexp.MustCompile(`^\s*(\w+)\s+(?i:eq)\s+"((?:[^"\\]|\\.)*)"\s*$`)

// handleSCIMUsers lists people (GET /scim/v2/Users?filter=&startIndex=&count=).
func (s *Server) handleSCIMUsers(c echo.Context) error {
	var f sso.SCIMFilter
	if q := c.QueryParam("filter"); q != "" {
		m := scimFilterRe.FindStringSubmatch(q)
		if m == nil {
			return scimError(c, http.StatusBadRequest, "invalidFilter", "filter supports userName eq and externalId eq")
		}
		f = sso.SCIMFilter{Attr: m[1], Value: strings.ReplaceAll(m[2], `\"`, `"`)}
	}
	start, _ := strconv.Atoi(c.QueryParam("startIndex"))
	if start < 1 {
		start = 1
	}
	count := scimMaxCount
	if v := c.QueryParam("count"); v != "" {
		count, _ = strconv.Atoi(v)
		count = max(0, min(count, scimMaxCount))
	}
	us, total, err := s.SSO.ListSCIMUsers(c.Request().Context(), scimOrg(c), f, start, count)
	if err != nil {
		return scimDomainError(c, err)
	}
	res := make([]map[string]any, 0, len(us))
	for i := range us {
		res = append(res, s.scimResource(&us[i]))
	}
	return scimJSON(c, http.StatusOK, map[string]any{"schemas": []string{scimListSchema}, "totalResults": total,
		"startIndex": start, "itemsPerPage": len(res), "Resources": res})
}

// handleSCIMUserPatch applies a PatchOp (PATCH /scim/v2/Users/:id): add
// or replace of active and externalId, by path or in a value object;
// operation names in any case (Entra ID sends "Replace").
func (s *Server) handleSCIMUserPatch(c echo.Context) error {
	var in struct {
		Operations []struct {
			Op    string `json:"op"`
			Path  string `json:"path"`
			Value any    `json:"value"`
		} `json:"Operations"`
	}
	if err := readSCIM(c, &in); err != nil || len(in.Operations) == 0 {
		return scimError(c, http.StatusBadRequest, "invalidSyntax", "the body is not a SCIM PatchOp")
	}
	var active *bool
	var external *string
	set := func(path string, v any) {
		switch strings.ToLower(path) {
		case "active":
			if b, ok := scimBool(v); ok {
				active = &b
			}
		case "externalid":
			if s, ok := v.(string); ok {
				external = &s
			}
		}
	}
	for _, op := range in.Operations {
		switch strings.ToLower(op.Op) {
		case "add", "replace":
			if op.Path != "" {
				set(op.Path, op.Value)
			} else if m, ok := op.Value.(map[string]any); ok {
				for k, v := range m {
					set(k, v)
				}
			}
		case "remove":
			if strings.EqualFold(op.Path, "externalId") {
				empty := ""
				external = &empty
			}
		default:
			return scimError(c, http.StatusBadRequest, "invalidSyntax", "op must be add, replace or remove")
		}
	}
	u, err := s.SSO.UpdateSCIMUser(c.Request().Context(), scimOrg(c), c.Param("id"), external, active)
	if err != nil {
		return scimDomainError(c, err)
	}
	return scimJSON(c, http.StatusOK, s.scimResource(u))
}

// handleSCIMUserPut replaces what Takumi keeps of a person (PUT
// /scim/v2/Users/:id): externalId and active.
func (s *Server) handleSCIMUserPut(c echo.Context) error {
	var in scimUserBody
	if err := readSCIM(c, &in); err != nil {
		return scimError(c, http.StatusBadRequest, "invalidSyntax", "the body is not a SCIM User")
	}
	active := true
	if b, ok := scimBool(in.Active); ok {
		active = b
	}
	u, err := s.SSO.UpdateSCIMUser(c.Request().Context(), scimOrg(c), c.Param("id"), &in.ExternalID, &active)
	if err != nil {
		return scimDomainError(c, err)
	}
	return scimJSON(c, http.StatusOK, s.scimResource(u))
}

// handleSCIMUserDelete deprovisions a person (DELETE /scim/v2/Users/:id).
func (s *Server) handleSCIMUserDelete(c echo.Context) error {
	if err := s.SSO.DeleteSCIMUser(c.Request().Context(), scimOrg(c), c.Param("id")); err != nil {
		return scimDomainError(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// handleSCIMServiceProviderConfig says what this SCIM server supports.
func (s *Server) handleSCIMServiceProviderConfig(c echo.Context) error {
	no := map[string]bool{"supported": false}
	return scimJSON(c, http.StatusOK, map[string]any{
		"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"patch":   map[string]bool{"supported": true}, "bulk": map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter": map[string]any{"supported": true, "maxResults": scimMaxCount}, "changePassword": no, "sort": no, "etag": no,
		"authenticationSchemes": []map[string]any{{"type": "oauthbearertoken", "name": "Bearer token",
			"description": "A token an organisation admin creates on the organisation's single sign-on page"}},
	})
}
