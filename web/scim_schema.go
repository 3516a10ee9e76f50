package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// SCIM discovery (RFC 7644 §4, RFC 7643 §6–7): ResourceTypes and Schemas,
// describing exactly what web/scim.go accepts. Same access rule as every
// SCIM route: the organisation's bearer token (no cookies, so no CSRF
// token).

const (
	scimResourceTypeSchema = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	scimSchemaSchema       = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

func (s *Server) scimLocation(p string) string {
	return strings.TrimRight(s.Config.BaseURL, "/") + "/scim/v2/" + p
}

func (s *Server) scimUserResourceType() map[string]any {
	return map[string]any{
		"schemas": []string{scimResourceTypeSchema}, "id": "User", "name": "User", "endpoint": "/Users",
		"description": "A person of the organisation (their Takumi account and membership)", "schema": scimUserSchema,
		"meta": map[string]any{"resourceType": "ResourceType", "location": s.scimLocation("ResourceTypes/User")},
	}
}

// scimAttr is one attribute definition (RFC 7643 §7).
func scimAttr(name, typ, description, mutability string, required bool, uniqueness string) map[string]any {
	return map[string]any{"name": name, "type": typ, "multiValued": false, "description": description, "required": required,
		"caseExact": false, "mutability": mutability, "returned": "default", "uniqueness": uniqueness}
}

func (s *Server) scimUserSchemaResource() map[string]any {
	email := scimAttr("emails", "complex", "The work address (the same as userName); read only", "readOnly", false, "none")
	email["multiValued"] = true
	email["subAttributes"] = []map[string]any{
		scimAttr("value", "string", "The address", "readOnly", false, "none"),
		scimAttr("type", "string", "Always work", "readOnly", false, "none"),
		scimAttr("primary", "boolean", "Always true", "readOnly", false, "none"),
	}
	name := scimAttr("name", "complex", "Used for the display name when displayName is empty, at creation only", "writeOnly", false, "none")
	name["returned"] = "never"
	name["subAttributes"] = []map[string]any{
		scimAttr("formatted", "string", "Full name", "writeOnly", false, "none"),
		scimAttr("familyName", "string", "Family name", "writeOnly", false, "none"),
		scimAttr("givenName", "string", "Given name", "writeOnly", false, "none"),
	}
	return map[string]any{
		"schemas": []string{scimSchemaSchema}, "id": scimUserSchema, "name": "User",
		"description": "A person the organisation provisions. Only active and externalId change after creation.",
		"attributes": []map[string]any{
			scimAttr("userName", "string", "The work email address, at one of the organisation's approved domains", "immutable", true, "server"),
			scimAttr("displayName", "string", "Name shown in Takumi, at creation only (the person edits it afterwards)", "immutable", false, "none"),
			scimAttr("externalId", "string", "The provisioning client's identifier", "readWrite", false, "none"),
			scimAttr("active", "boolean", "false ends the membership and every session at once", "readWrite", false, "none"),
			email, name,
		},
		"meta": map[string]any{"resourceType": "Schema", "location": s.scimLocation("Schemas/" + scimUserSchema)},
	}
}

func scimList(c echo.Context, res []map[string]any) error {
	return scimJSON(c, http.StatusOK, map[string]any{"schemas": []string{scimListSchema}, "totalResults": len(res),
		"startIndex": 1, "itemsPerPage": len(res), "Resources": res})
}

// handleSCIMResourceTypes lists the resource types (GET /scim/v2/ResourceTypes).
func (s *Server) handleSCIMResourceTypes(c echo.Context) error {
	return scimList(c, []map[string]any{s.scimUserResourceType()})
}

// handleSCIMResourceType returns one (GET /scim/v2/ResourceTypes/:id).
func (s *Server) handleSCIMResourceType(c echo.Context) error {
	if c.Param("id") != "User" {
		return scimError(c, http.StatusNotFound, "", "resource type not found (only User is supported)")
	}
	return scimJSON(c, http.StatusOK, s.scimUserResourceType())
}

// handleSCIMSchemas lists the schemas (GET /scim/v2/Schemas).
func (s *Server) handleSCIMSchemas(c echo.Context) error {
	return scimList(c, []map[string]any{s.scimUserSchemaResource()})
}

// handleSCIMSchema returns one (GET /scim/v2/Schemas/:id).
func (s *Server) handleSCIMSchema(c echo.Context) error {
	if c.Param("id") != scimUserSchema {
		return scimError(c, http.StatusNotFound, "", "schema not found (only the core User schema is supported)")
	}
	return scimJSON(c, http.StatusOK, s.scimUserSchemaResource())
}
