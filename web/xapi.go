package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/learning"
	"takumi/internal/xapi"
)

// The xAPI learning record store (issue 17, docs/xapi.md): the protocol
// side of internal/xapi. SECURITY: these endpoints authenticate every
// request with an LRS client's key and secret (HTTP Basic), not with the
// session cookie, so they are outside the session, CSRF and cross-origin
// middleware (isInfraPath, Server.Handler): a browser's cookies give no
// access here, and content on other origins may call it (CORS).

// xapiMaxBody bounds an xAPI request body (statements and attachments).
const xapiMaxBody = 2 << 20

// xapiMethods are the methods the document and statement resources answer.
var xapiMethods = []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodOptions}

// isXAPIPath reports whether p is under the LRS.
func isXAPIPath(p string) bool { return p == "/xapi" || strings.HasPrefix(p, "/xapi/") }

// xreq is an authenticated LRS request, with the alternate request syntax
// (1.0.3) already unfolded.
type xreq struct {
	c       echo.Context
	method  string
	version xapi.Version
	client  *xapi.Client
	// cmi5 is the session of a cmi5 auth token (web/cmi5.go), else nil
	cmi5   *learning.Cmi5Session
	params url.Values
	header http.Header
	body   []byte
}

// xapiError writes err as the LRS's answer: the status of its kind and its
// message (text), or 500 for an internal error.
func (s *Server) xapiError(c echo.Context, err error) error {
	status := http.StatusInternalServerError
	msg := "internal error"
	var xe *xapi.Error
	if errors.As(err, &xe) {
		msg = xe.Msg
		switch xe.Kind {
		case xapi.KindInvalid:
			status = http.StatusBadRequest
		case xapi.KindNotFound:
			status = http.StatusNotFound
		case xapi.KindConflict:
			status = http.StatusConflict
		case xapi.KindPrecondition:
			status = http.StatusPreconditionFailed
		case xapi.KindUnauthorized:
			status = http.StatusUnauthorized
			c.Response().Header().Set("WWW-Authenticate", `Basic realm="xAPI"`)
		case xapi.KindForbidden:
			status = http.StatusForbidden
		}
	} else {
		s.Logger.Error("xapi", slog.String("path", c.Request().URL.Path), slog.Any("err", err))
	}
	if c.Request().Method == http.MethodHead {
		return c.NoContent(status)
	}
	return c.JSON(status, map[string]string{"error": msg})
}

// xapiStatusMessage is the message of an error the router or a middleware
// raised on an LRS path (no such resource, body too large, timeout).
func xapiStatusMessage(status int) string {
	switch status {
	case http.StatusNotFound:
		return "no such xAPI resource: the LRS has /xapi/statements, /xapi/activities, /xapi/activities/state, " +
			"/xapi/activities/profile, /xapi/agents, /xapi/agents/profile and /xapi/about"
	case http.StatusMethodNotAllowed:
		return "this xAPI resource does not answer that method"
	case http.StatusRequestEntityTooLarge:
		return fmt.Sprintf("the request body is larger than the LRS accepts (%d bytes)", xapiMaxBody)
	}
	return strings.ToLower(http.StatusText(status))
}

// xapiCORS lets content on other origins call the LRS with its own
// credentials (never cookies).
func xapiCORS(c echo.Context) {
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, PUT, POST, DELETE, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match")
	h.Set("Access-Control-Expose-Headers", "ETag, Last-Modified, X-Experience-API-Version, X-Experience-API-Consistent-Through")
}

// xapiBegin reads, unfolds and authenticates a request. write says whether
// the resource needs the write scope for this method.
func (s *Server) xapiBegin(c echo.Context, needAuth bool) (*xreq, error) {
	r := c.Request()
	xapiCORS(c)
	c.Response().Header().Set("X-Experience-API-Version", string(xapi.V200))
	body, err := io.ReadAll(io.LimitReader(r.Body, xapiMaxBody+1))
	if err != nil {
		return nil, xapi.Invalidf("the request body could not be read")
	}
	if len(body) > xapiMaxBody {
		return nil, xapi.Invalidf("the request body is larger than %d bytes", xapiMaxBody)
	}
	q := r.URL.Query()
	x := &xreq{c: c, method: r.Method, params: q, header: r.Header.Clone(), body: body}
	if _, alt := q["method"]; alt {
		version, _ := xapi.ParseVersion(r.Header.Get("X-Experience-API-Version"))
		if r.Method != http.MethodPost {
			return nil, xapi.Invalidf("the alternate request syntax must use POST")
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, xapi.Invalidf("the alternate request syntax needs a form body: %v", err)
		}
		if v := form.Get("X-Experience-API-Version"); v != "" {
			version, _ = xapi.ParseVersion(v)
		}
		if version == xapi.V200 {
			return nil, xapi.Invalidf("xAPI 2.0 has no alternate request syntax (method parameter)")
		}
		if len(q) != 1 {
			return nil, xapi.Invalidf("the alternate request syntax carries its parameters in the form, not the query string")
		}
		x.method = strings.ToUpper(q.Get("method"))
		switch x.method {
		case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost, http.MethodDelete:
		default:
			return nil, xapi.Invalidf("method %q is not an HTTP method of the LRS", q.Get("method"))
		}
		x.params = url.Values{}
		x.body = nil
		for k, vs := range form {
			switch k {
			case "Authorization", "X-Experience-API-Version", "Content-Type", "Content-Length", "If-Match", "If-None-Match":
				x.header.Set(k, vs[0])
			case "content":
				x.body = []byte(vs[0])
			default:
				x.params[k] = vs
			}
		}
		if strings.HasPrefix(strings.ToLower(x.header.Get("Content-Type")), "application/x-www-form-urlencoded") {
			x.header.Set("Content-Type", "application/json")
		}
	}
	vh := x.header.Get("X-Experience-API-Version")
	if !needAuth {
		x.version = xapi.V200
		if vh != "" {
			v, err := xapi.ParseVersion(vh)
			if err != nil {
				return nil, err
			}
			x.version = v
		}
		c.Response().Header().Set("X-Experience-API-Version", string(x.version))
		return x, nil
	}
	user, pass, ok := parseBasic(x.header.Get("Authorization"))
	if !ok {
		return nil, &xapi.Error{Kind: xapi.KindUnauthorized, Msg: "the LRS needs HTTP Basic authentication with an LRS client's key and secret"}
	}
	var cl *xapi.Client
	if learning.IsCmi5Key(user) {
		// a cmi5 session's auth token (web/cmi5.go): read and write, for its
		// registration only
		sess, err := s.Learning.Cmi5Authenticate(r.Context(), user, pass)
		if err != nil {
			return nil, &xapi.Error{Kind: xapi.KindUnauthorized, Msg: "the cmi5 auth token is wrong or has expired"}
		}
		x.cmi5 = sess
		cl = &xapi.Client{OrgID: sess.OrgID, Name: "Takumi cmi5", Key: user, CanRead: true, CanWrite: true, XAPIVersion: string(xapi.V103)}
	} else {
		var err error
		cl, err = s.XAPI.Authenticate(r.Context(), user, pass, clientIP(c))
		if err != nil {
			return nil, err
		}
	}
	v, err := xapi.ParseVersion(vh)
	if err != nil {
		// A request naming no version is answered in the version the
		// client's software speaks (set when the client was made).
		c.Response().Header().Set("X-Experience-API-Version", cl.XAPIVersion)
		return nil, err
	}
	x.version = v
	c.Response().Header().Set("X-Experience-API-Version", string(x.version))
	write := x.method != http.MethodGet && x.method != http.MethodHead
	if write && !cl.CanWrite {
		return nil, &xapi.Error{Kind: xapi.KindForbidden, Msg: "this LRS client may not write"}
	}
	if !write && !cl.CanRead {
		return nil, &xapi.Error{Kind: xapi.KindForbidden, Msg: "this LRS client may not read"}
	}
	x.client = cl
	return x, nil
}

func parseBasic(h string) (user, pass string, ok bool) {
	r := http.Request{Header: http.Header{"Authorization": {h}}}
	return r.BasicAuth()
}

// only refuses parameters other than allowed.
func (x *xreq) only(allowed ...string) error {
	for k := range x.params {
		found := false
		for _, a := range allowed {
			if k == a {
				found = true
				break
			}
		}
		if !found {
			return xapi.Invalidf("the parameter %q is not recognised by this resource", k)
		}
	}
	return nil
}

func (x *xreq) agentParam(name string, required bool) (map[string]any, string, error) {
	raw := x.params.Get(name)
	if raw == "" {
		if required {
			return nil, "", xapi.Invalidf("the %s parameter is required", name)
		}
		return nil, "", nil
	}
	v, err := xapi.Decode([]byte(raw))
	if err != nil {
		return nil, "", xapi.Invalidf("the %s parameter is not JSON", name)
	}
	if err := xapi.ValidateAgent(x.version, v); err != nil {
		return nil, "", xapi.Invalidf("the %s parameter: %v", name, err)
	}
	o := v.(map[string]any)
	key := xapi.AgentKey(o)
	if key == "" {
		return nil, "", xapi.Invalidf("the %s parameter must be an Agent or identified Group", name)
	}
	return o, key, nil
}

func (x *xreq) timeParam(name string) (*time.Time, error) {
	raw := x.params.Get(name)
	if raw == "" {
		return nil, nil
	}
	t, ok := xapi.ValidTimestamp(raw)
	if !ok {
		return nil, xapi.Invalidf("the %s parameter %q is not an ISO 8601 timestamp", name, raw)
	}
	return &t, nil
}

func (x *xreq) iriParam(name string, required bool) (string, error) {
	v := x.params.Get(name)
	if v == "" {
		if required {
			return "", xapi.Invalidf("the %s parameter is required", name)
		}
		return "", nil
	}
	if !strings.Contains(v, ":") {
		return "", xapi.Invalidf("the %s parameter %q is not an IRI", name, v)
	}
	return v, nil
}

func (x *xreq) boolParam(name string) (bool, error) {
	switch x.params.Get(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, xapi.Invalidf("the %s parameter must be true or false", name)
}

// handleXAPIAbout answers GET /xapi/about: the versions the LRS speaks. No
// authentication: the spec lets anyone ask.
func (s *Server) handleXAPIAbout(c echo.Context) error {
	if c.Request().Method == http.MethodOptions {
		xapiCORS(c)
		return c.NoContent(http.StatusNoContent)
	}
	x, err := s.xapiBegin(c, false)
	if err != nil {
		return s.xapiError(c, err)
	}
	if x.method != http.MethodGet && x.method != http.MethodHead {
		return s.xapiError(c, xapi.Invalidf("the About resource answers GET only"))
	}
	return x.json(http.StatusOK, map[string]any{"version": []string{"1.0.3", "2.0.0"}, "extensions": map[string]any{}})
}

func (x *xreq) json(status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return x.blob(status, "application/json", b)
}

func (x *xreq) blob(status int, ct string, b []byte) error {
	h := x.c.Response().Header()
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if x.method == http.MethodHead {
		h.Set("Content-Type", ct)
		x.c.Response().WriteHeader(status)
		return nil
	}
	return x.c.Blob(status, ct, b)
}

// handleXAPIStatements answers the Statement Resource.
func (s *Server) handleXAPIStatements(c echo.Context) error {
	if c.Request().Method == http.MethodOptions {
		xapiCORS(c)
		return c.NoContent(http.StatusNoContent)
	}
	if m := c.Request().Method; m == http.MethodGet || m == http.MethodHead {
		// on every GET answer, errors included
		c.Response().Header().Set("X-Experience-API-Consistent-Through", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	x, err := s.xapiBegin(c, true)
	if err == nil {
		switch x.method {
		case http.MethodGet, http.MethodHead:
			err = s.xapiStatementsGet(x)
		case http.MethodPut, http.MethodPost:
			err = s.xapiStatementsWrite(x)
		default:
			err = xapi.Invalidf("the Statement Resource answers GET, HEAD, PUT and POST")
		}
	}
	if err != nil {
		return s.xapiError(c, err)
	}
	return nil
}

func (s *Server) xapiStatementsWrite(x *xreq) error {
	ctx := x.c.Request().Context()
	putID := ""
	if x.method == http.MethodPut {
		if err := x.only("statementId"); err != nil {
			return err
		}
		putID = x.params.Get("statementId")
		if putID == "" {
			return xapi.Invalidf("PUT needs the statementId parameter")
		}
		if !xapi.IsUUID(putID) {
			return xapi.Invalidf("the statementId parameter %q is not a UUID", putID)
		}
	} else if err := x.only(); err != nil {
		return err
	}
	body, parts, err := splitStatementBody(x.header.Get("Content-Type"), x.body)
	if err != nil {
		return err
	}
	v, err := xapi.Decode(body)
	if err != nil {
		return err
	}
	var list []any
	switch t := v.(type) {
	case []any:
		if x.method == http.MethodPut {
			return xapi.Invalidf("PUT takes one statement, not an array")
		}
		list = t
	case map[string]any:
		list = []any{t}
	default:
		return xapi.Invalidf("the body must be a statement or an array of statements")
	}
	if x.cmi5 != nil {
		if err := cmi5Statements(x.cmi5, x.cmi5.ID, list); err != nil {
			return err
		}
	}
	ids, err := s.XAPI.StoreStatements(ctx, x.client, x.version, list, parts, putID)
	if err != nil {
		return err
	}
	if x.cmi5 != nil {
		if err := s.cmi5Recorded(x, list); err != nil {
			return err
		}
	}
	if x.method == http.MethodPut {
		return x.c.NoContent(http.StatusNoContent)
	}
	return x.json(http.StatusOK, ids)
}

// splitStatementBody returns the JSON of a statement request and, for
// multipart/mixed, its attachment parts by hash (checked against their
// content). Errors: invalid.
func splitStatementBody(contentType string, body []byte) ([]byte, map[string]xapi.Attachment, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, nil, xapi.Invalidf("the Content-Type %q is not valid", contentType)
	}
	switch mt {
	case "application/json":
		return body, nil, nil
	case "multipart/mixed":
	default:
		return nil, nil, xapi.Invalidf("statements are sent as application/json or multipart/mixed, not %s", mt)
	}
	if params["boundary"] == "" {
		return nil, nil, xapi.Invalidf("the multipart/mixed Content-Type has no boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var first []byte
	parts := map[string]xapi.Attachment{}
	for i := 0; ; i++ {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, xapi.Invalidf("the multipart body does not parse: %v", err)
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, xapi.Invalidf("the multipart body does not parse: %v", err)
		}
		if i == 0 {
			pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			if pt != "application/json" {
				return nil, nil, xapi.Invalidf("the first part of a multipart request must be the statements, application/json")
			}
			first = data
			continue
		}
		h := p.Header.Get("X-Experience-API-Hash")
		if h == "" {
			return nil, nil, xapi.Invalidf("attachment part %d has no X-Experience-API-Hash header", i)
		}
		if te := p.Header.Get("Content-Transfer-Encoding"); te != "binary" {
			return nil, nil, xapi.Invalidf("attachment part %d must have Content-Transfer-Encoding: binary", i)
		}
		sum := sha256.Sum256(data)
		if !strings.EqualFold(hex.EncodeToString(sum[:]), h) {
			return nil, nil, xapi.Invalidf("attachment part %d: its content does not have the SHA-256 %s its header names", i, h)
		}
		parts[h] = xapi.Attachment{ContentType: p.Header.Get("Content-Type"), Content: data}
	}
	if first == nil {
		return nil, nil, xapi.Invalidf("the multipart body has no statement part")
	}
	return first, parts, nil
}

var statementParams = []string{"statementId", "voidedStatementId", "agent", "verb", "activity", "registration", "related_activities",
	"related_agents", "since", "until", "limit", "format", "attachments", "ascending", "more"}

func (s *Server) xapiStatementsGet(x *xreq) error {
	ctx := x.c.Request().Context()
	if x.cmi5 != nil {
		return &xapi.Error{Kind: xapi.KindForbidden, Msg: "a cmi5 auth token may not read statements"}
	}
	if err := x.only(statementParams...); err != nil {
		return err
	}
	h := x.c.Response().Header()
	h.Set("X-Experience-API-Consistent-Through", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"))
	format := x.params.Get("format")
	switch format {
	case "", "exact", "ids", "canonical":
	default:
		return xapi.Invalidf("the format parameter must be ids, exact or canonical")
	}
	attach, err := x.boolParam("attachments")
	if err != nil {
		return err
	}
	langs := acceptLanguages(x.header.Get("Accept-Language"))
	id, voided := x.params.Get("statementId"), false
	if v := x.params.Get("voidedStatementId"); v != "" {
		if id != "" {
			return xapi.Invalidf("statementId and voidedStatementId cannot be used together")
		}
		id, voided = v, true
	}
	if _, has := x.params["statementId"]; has && id == "" {
		return xapi.Invalidf("the statementId parameter is empty")
	}
	if id != "" {
		for k := range x.params {
			if k != "statementId" && k != "voidedStatementId" && k != "format" && k != "attachments" {
				return xapi.Invalidf("the parameter %q cannot be used with statementId or voidedStatementId", k)
			}
		}
		st, err := s.XAPI.Statement(ctx, x.client.OrgID, id, voided)
		if err != nil {
			return err
		}
		if t, ok := xapi.ValidTimestamp(fmt.Sprint(st["stored"])); ok {
			h.Set("Last-Modified", t.UTC().Format(http.TimeFormat))
		}
		return s.xapiSendStatements(x, xapi.Format(st, format, langs), nil, attach)
	}
	var q xapi.Query
	if m := x.params.Get("more"); m != "" {
		if len(x.params) > 1 {
			return xapi.Invalidf("the more parameter cannot be used with other parameters")
		}
		if q, err = xapi.ParseCursor(m); err != nil {
			return err
		}
	} else {
		if _, key, err := x.agentParam("agent", false); err != nil {
			return err
		} else {
			q.Agent = key
		}
		if q.Verb, err = x.iriParam("verb", false); err != nil {
			return err
		}
		if q.Activity, err = x.iriParam("activity", false); err != nil {
			return err
		}
		if r := x.params.Get("registration"); r != "" {
			if !xapi.IsUUID(r) {
				return xapi.Invalidf("the registration parameter %q is not a UUID", r)
			}
			q.Registration = r
		}
		if q.RelatedActivities, err = x.boolParam("related_activities"); err != nil {
			return err
		}
		if q.RelatedAgents, err = x.boolParam("related_agents"); err != nil {
			return err
		}
		if q.Ascending, err = x.boolParam("ascending"); err != nil {
			return err
		}
		if q.Since, err = x.timeParam("since"); err != nil {
			return err
		}
		if q.Until, err = x.timeParam("until"); err != nil {
			return err
		}
		if l := x.params.Get("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil || n < 0 {
				return xapi.Invalidf("the limit parameter must be a whole number of 0 or more")
			}
			q.Limit = n
		}
		q.Format, q.Attachments, q.Languages = format, attach, langs
	}
	page, err := s.XAPI.Statements(ctx, x.client.OrgID, q)
	if err != nil {
		return err
	}
	out := make([]any, len(page.Statements))
	for i, st := range page.Statements {
		out[i] = xapi.Format(st, q.Format, q.Languages)
	}
	result := map[string]any{"statements": out, "more": ""}
	if page.More != nil {
		result["more"] = "/xapi/statements?more=" + page.More.Cursor()
	}
	return s.xapiSendStatements(x, result, page.Statements, q.Attachments)
}

// xapiSendStatements writes a statement or a statement result, as JSON or,
// with attachments, as multipart/mixed with the attachments' contents.
func (s *Server) xapiSendStatements(x *xreq, v any, statements []map[string]any, attach bool) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !attach {
		return x.blob(http.StatusOK, "application/json", body)
	}
	if statements == nil {
		if st, ok := v.(map[string]any); ok {
			statements = []map[string]any{st}
		}
	}
	order, parts, err := s.XAPI.AttachmentsOf(x.c.Request().Context(), x.client.OrgID, statements)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/json"}})
	if err != nil {
		return err
	}
	_, _ = pw.Write(body)
	for _, h := range order {
		a := parts[h]
		pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {a.ContentType}, "Content-Transfer-Encoding": {"binary"},
			"X-Experience-API-Hash": {h}})
		if err != nil {
			return err
		}
		_, _ = pw.Write(a.Content)
	}
	if err := mw.Close(); err != nil {
		return err
	}
	return x.blob(http.StatusOK, "multipart/mixed; boundary="+mw.Boundary(), buf.Bytes())
}

// acceptLanguages lists the languages of an Accept-Language header, most
// wanted first.
func acceptLanguages(h string) []string {
	type lq struct {
		l string
		q float64
	}
	var ls []lq
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		l, q := part, 1.0
		if i := strings.Index(part, ";q="); i >= 0 {
			l = part[:i]
			if f, err := strconv.ParseFloat(part[i+3:], 64); err == nil {
				q = f
			}
		}
		ls = append(ls, lq{l, q})
	}
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].q > ls[j].q })
	out := make([]string, len(ls))
	for i, x := range ls {
		out[i] = x.l
	}
	return out
}

// handleXAPIDocuments answers the State, Activity Profile and Agent Profile
// resources; kind is "state", "activity" or "agent".
func (s *Server) handleXAPIDocuments(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method == http.MethodOptions {
			xapiCORS(c)
			return c.NoContent(http.StatusNoContent)
		}
		x, err := s.xapiBegin(c, true)
		if err == nil {
			err = s.xapiDocuments(x, kind)
		}
		if err != nil {
			return s.xapiError(c, err)
		}
		return nil
	}
}

func (s *Server) xapiDocuments(x *xreq, kind string) error {
	ctx := x.c.Request().Context()
	k := xapi.DocKey{Kind: kind}
	idParam := "profileId"
	var err error
	switch kind {
	case "state":
		idParam = "stateId"
		if err := x.only("activityId", "agent", "registration", "stateId", "since"); err != nil {
			return err
		}
		if k.ActivityID, err = x.iriParam("activityId", true); err != nil {
			return err
		}
		if _, k.Agent, err = x.agentParam("agent", true); err != nil {
			return err
		}
		if r, has := x.params["registration"]; has {
			if !xapi.IsUUID(r[0]) {
				return xapi.Invalidf("the registration parameter %q is not a UUID", r[0])
			}
			k.Registration = strings.ToLower(r[0])
		}
	case "activity":
		if err := x.only("activityId", "profileId", "since"); err != nil {
			return err
		}
		if k.ActivityID, err = x.iriParam("activityId", true); err != nil {
			return err
		}
	case "agent":
		if err := x.only("agent", "profileId", "since"); err != nil {
			return err
		}
		if _, k.Agent, err = x.agentParam("agent", true); err != nil {
			return err
		}
	}
	k.DocID = x.params.Get(idParam)
	if err := s.cmi5Documents(x, kind, k); err != nil {
		return err
	}
	_, hasID := x.params[idParam]
	pre := xapi.Preconditions{IfMatch: x.header.Get("If-Match"), IfNoneMatch: x.header.Get("If-None-Match")}
	switch x.method {
	case http.MethodGet, http.MethodHead:
		if hasID {
			if _, has := x.params["since"]; has {
				return xapi.Invalidf("since lists documents; it cannot be used with %s", idParam)
			}
			d, err := s.XAPI.Document(ctx, x.client.OrgID, k)
			if err != nil {
				return err
			}
			h := x.c.Response().Header()
			h.Set("ETag", d.ETag)
			h.Set("Last-Modified", d.Updated.UTC().Format(http.TimeFormat))
			return x.blob(http.StatusOK, d.ContentType, d.Content)
		}
		since, err := x.timeParam("since")
		if err != nil {
			return err
		}
		ids, err := s.XAPI.DocumentIDs(ctx, x.client.OrgID, k, since)
		if err != nil {
			return err
		}
		return x.json(http.StatusOK, ids)
	case http.MethodPut, http.MethodPost:
		if !hasID || k.DocID == "" {
			return xapi.Invalidf("the %s parameter is required", idParam)
		}
		if _, has := x.params["since"]; has {
			return xapi.Invalidf("since is a parameter of GET only")
		}
		ct := x.header.Get("Content-Type")
		if ct == "" {
			ct = "application/octet-stream"
		}
		requirePre := x.version == xapi.V200 || kind != "state"
		preToCreate := x.version == xapi.V103 && kind != "state"
		d, err := s.XAPI.SaveDocument(ctx, x.client.OrgID, k, ct, x.body, x.method == http.MethodPost, requirePre, preToCreate, pre)
		if err != nil {
			return err
		}
		x.c.Response().Header().Set("ETag", d.ETag)
		return x.c.NoContent(http.StatusNoContent)
	case http.MethodDelete:
		if _, has := x.params["since"]; has {
			return xapi.Invalidf("since is a parameter of GET only")
		}
		if kind != "state" && (!hasID || k.DocID == "") {
			return xapi.Invalidf("the %s parameter is required", idParam)
		}
		if err := s.XAPI.DeleteDocument(ctx, x.client.OrgID, k, pre); err != nil {
			return err
		}
		return x.c.NoContent(http.StatusNoContent)
	}
	return xapi.Invalidf("this resource answers GET, HEAD, PUT, POST and DELETE")
}

// handleXAPIActivities answers the Activities Resource (GET ?activityId).
func (s *Server) handleXAPIActivities(c echo.Context) error {
	if c.Request().Method == http.MethodOptions {
		xapiCORS(c)
		return c.NoContent(http.StatusNoContent)
	}
	x, err := s.xapiBegin(c, true)
	if err == nil && x.cmi5 != nil {
		err = &xapi.Error{Kind: xapi.KindForbidden, Msg: "a cmi5 auth token reaches only its State and Agent Profile documents"}
	}
	if err == nil {
		err = func() error {
			if x.method != http.MethodGet && x.method != http.MethodHead {
				return xapi.Invalidf("the Activities Resource answers GET only")
			}
			if err := x.only("activityId"); err != nil {
				return err
			}
			id, err := x.iriParam("activityId", true)
			if err != nil {
				return err
			}
			a, err := s.XAPI.Activity(x.c.Request().Context(), x.client.OrgID, id)
			if err != nil {
				return err
			}
			return x.json(http.StatusOK, a)
		}()
	}
	if err != nil {
		return s.xapiError(c, err)
	}
	return nil
}

// handleXAPIAgents answers the Agents Resource (GET ?agent): the Person.
func (s *Server) handleXAPIAgents(c echo.Context) error {
	if c.Request().Method == http.MethodOptions {
		xapiCORS(c)
		return c.NoContent(http.StatusNoContent)
	}
	x, err := s.xapiBegin(c, true)
	if err == nil && x.cmi5 != nil {
		err = &xapi.Error{Kind: xapi.KindForbidden, Msg: "a cmi5 auth token reaches only its State and Agent Profile documents"}
	}
	if err == nil {
		err = func() error {
			if x.method != http.MethodGet && x.method != http.MethodHead {
				return xapi.Invalidf("the Agents Resource answers GET only")
			}
			if err := x.only("agent"); err != nil {
				return err
			}
			a, _, err := x.agentParam("agent", true)
			if err != nil {
				return err
			}
			return x.json(http.StatusOK, xapi.Person(a))
		}()
	}
	if err != nil {
		return s.xapiError(c, err)
	}
	return nil
}
