package web

// cmi5 (issue 17, docs/xapi.md): the AU launch on the content origin, the
// fetch URL, and the LRS's side of a cmi5 session's auth token.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"takumi/internal/learning"
	"takumi/internal/xapi"
)

// cmi5Actor is the learner as a cmi5 actor: an account on this site named
// by the person's random id (never a name or an address).
func (s *Server) cmi5Actor(userID string) map[string]any {
	return map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": s.Config.BaseURL, "name": userID}}
}

// contentLaunchCmi5 starts a cmi5 session for a launch token, writes the
// LMS.LaunchData state document and redirects the frame to the AU with
// the cmi5 launch parameters (endpoint, fetch, actor, registration,
// activityId).
func (s *Server) contentLaunchCmi5(w http.ResponseWriter, r *http.Request, tok string) {
	ctx := r.Context()
	l, err := s.Learning.Cmi5LaunchOf(ctx, tok)
	if err != nil {
		contentHeaders(w, "default-src 'none'")
		http.NotFound(w, r)
		return
	}
	actor := s.cmi5Actor(l.UserID)
	ld := map[string]any{
		"contextTemplate": map[string]any{"extensions": map[string]any{
			cmi5SessionExt: l.SessionID}},
		"launchMode": "Normal",
		"moveOn":     l.MoveOn,
		"returnURL":  s.Config.BaseURL + "/learn/" + l.Registration,
	}
	if l.Parameters != "" {
		ld["launchParameters"] = l.Parameters
	}
	if l.MasteryScore != nil {
		ld["masteryScore"] = *l.MasteryScore
	}
	body, _ := json.Marshal(ld)
	if _, err := s.XAPI.SaveDocument(ctx, l.OrgID, xapi.DocKey{Kind: "state", ActivityID: l.ActivityID, Agent: xapi.AgentKey(actor),
		Registration: l.Registration, DocID: "LMS.LaunchData"}, "application/json", body, false, false, false, xapi.Preconditions{}); err != nil {
		s.Logger.Error("cmi5 launch data", "error", err.Error())
		http.Error(w, "error", http.StatusInternalServerError)
		return
	}
	actorJSON, _ := json.Marshal(actor)
	q := url.Values{}
	q.Set("endpoint", s.Config.BaseURL+"/xapi/")
	q.Set("fetch", s.Config.BaseURL+"/xapi/cmi5/fetch/"+l.FetchToken)
	q.Set("actor", string(actorJSON))
	q.Set("registration", l.Registration)
	q.Set("activityId", l.ActivityID)
	sep := "?"
	if strings.Contains(l.LaunchPath, "?") {
		sep = "&"
	}
	launchURL := "/c/" + tok + "/" + l.LaunchPath
	// The LMS's own "launched" statement (cmi5 9.3.1), with the authority
	// of the LMS itself.
	ext := "https://w3id.org/xapi/cmi5/context/extensions/"
	launched := map[string]any{
		"id":     uuid.NewString(),
		"actor":  actor,
		"verb":   map[string]any{"id": "http://adlnet.gov/expapi/verbs/launched", "display": map[string]any{"en-US": "Launched"}},
		"object": map[string]any{"objectType": "Activity", "id": l.ActivityID},
		"context": map[string]any{"registration": l.Registration,
			"contextActivities": map[string]any{"category": []any{map[string]any{"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"}}},
			"extensions": map[string]any{ext + "sessionid": l.SessionID, ext + "launchmode": "Normal", ext + "moveon": l.MoveOn,
				ext + "launchurl": s.Config.ContentBaseURL + "/c/-/" + l.LaunchPath}},
		"timestamp": time.Now().UTC().Format(time.RFC3339Nano),
	}
	lms := &xapi.Client{OrgID: l.OrgID, Name: "Takumi LMS", Key: "takumi-lms", CanRead: true, CanWrite: true, XAPIVersion: string(xapi.V103)}
	if _, err := s.XAPI.StoreStatements(ctx, lms, xapi.V103, []any{launched}, nil, ""); err != nil {
		s.Logger.Error("cmi5 launched statement", "error", err.Error())
		http.Error(w, "error", http.StatusInternalServerError)
		return
	}
	contentHeaders(w, "default-src 'none'")
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, launchURL+sep+q.Encode(), http.StatusFound)
}

// handleCmi5Fetch is the cmi5 fetch URL: POST answers the session's auth
// token once; again, or an unknown or expired token, answers cmi5's error
// document. Authorisation: the one-time fetch token in the path (no
// session; exempt from CSRF as part of /xapi/, like the LRS).
func (s *Server) handleCmi5Fetch(c echo.Context) error {
	xapiCORS(c)
	if c.Request().Method == http.MethodOptions {
		return c.NoContent(http.StatusNoContent)
	}
	if c.Request().Method != http.MethodPost {
		return c.JSON(http.StatusMethodNotAllowed, map[string]string{"error-code": "3", "error-text": "the fetch URL answers POST"})
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	tok, err := s.Learning.Cmi5Fetch(c.Request().Context(), c.Param("token"))
	if err != nil {
		return c.JSON(http.StatusOK, map[string]string{"error-code": "1",
			"error-text": "the fetch URL was already used, or the launch has expired: launch the AU again"})
	}
	return c.JSON(http.StatusOK, map[string]string{"auth-token": tok})
}

// cmi5Statements checks, before anything is stored, the statements a cmi5
// session sends. SECURITY: an auth token writes only statements of its own
// registration. The cmi5 rules checked for statements about the session's
// AU: "initialized" comes first and once, nothing after "terminated", and
// each carries the session id extension of LMS.LaunchData's
// contextTemplate (sessionID is the session's).
func cmi5Statements(sess *learning.Cmi5Session, sessionID string, list []any) error {
	initialized, terminated := sess.Initialized, sess.Terminated
	for i, v := range list {
		st, _ := v.(map[string]any)
		ctx, _ := st["context"].(map[string]any)
		reg, _ := ctx["registration"].(string)
		bad := func(msg string) error {
			return &xapi.Error{Kind: xapi.KindForbidden, Msg: "statement " + itoa(i) + ": " + msg}
		}
		if !strings.EqualFold(reg, sess.Registration) {
			return bad("a cmi5 auth token writes only statements with context.registration " + sess.Registration)
		}
		obj, _ := st["object"].(map[string]any)
		if id, _ := obj["id"].(string); id != sess.ActivityID {
			continue
		}
		ext, _ := ctx["extensions"].(map[string]any)
		if sid, _ := ext[cmi5SessionExt].(string); sid != sessionID {
			return bad("a cmi5 statement needs context.extensions " + cmi5SessionExt + " of its session (from LMS.LaunchData)")
		}
		verb, _ := st["verb"].(map[string]any)
		vid, _ := verb["id"].(string)
		switch {
		case terminated:
			return bad("the AU's session is terminated: no statement after terminated")
		case vid == learning.Cmi5VerbInitialized && initialized:
			return bad("the AU's session is already initialized")
		case vid != learning.Cmi5VerbInitialized && !initialized:
			return bad("the AU's first statement must be initialized")
		}
		initialized = initialized || vid == learning.Cmi5VerbInitialized
		terminated = vid == learning.Cmi5VerbTerminated
	}
	return nil
}

const cmi5SessionExt = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"

// cmi5Recorded tells learning about the stored statements of a session
// about its own AU (cmi5 completed, passed, failed).
func (s *Server) cmi5Recorded(x *xreq, list []any) error {
	for _, v := range list {
		st, _ := v.(map[string]any)
		obj, _ := st["object"].(map[string]any)
		verb, _ := st["verb"].(map[string]any)
		id, _ := obj["id"].(string)
		vid, _ := verb["id"].(string)
		if id != x.cmi5.ActivityID {
			continue
		}
		if err := s.Learning.Cmi5Mark(x.c.Request().Context(), x.cmi5, vid); err != nil {
			return err
		}
		if _, err := s.Learning.Cmi5Recorded(x.c.Request().Context(), x.cmi5, vid); err != nil {
			return err
		}
	}
	return nil
}

// cmi5Documents limits a cmi5 session to the documents an AU uses: the
// State of its own activity and registration, and the learner's own
// Agent Profile (cmi5LearnerPreferences).
func (s *Server) cmi5Documents(x *xreq, kind string, k xapi.DocKey) error {
	if x.cmi5 == nil {
		return nil
	}
	own := xapi.AgentKey(s.cmi5Actor(x.cmi5.UserID))
	switch {
	case kind == "state" && k.ActivityID == x.cmi5.ActivityID && k.Registration == x.cmi5.Registration && k.Agent == own:
		return nil
	case kind == "agent" && k.Agent == own:
		return nil
	}
	return &xapi.Error{Kind: xapi.KindForbidden, Msg: "a cmi5 auth token reaches only its AU's State documents of its registration and the learner's Agent Profile"}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
