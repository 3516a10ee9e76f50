package xapi_test

import (
	"context"
	"strings"
	"testing"

	"takumi/internal/xapi"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	v, err := xapi.Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestValidateStatementMessages: each refusal names the property and the rule.
func TestValidateStatementMessages(t *testing.T) {
	base := `"actor":{"mbox":"mailto:a@example.jp"},"verb":{"id":"http://adlnet.gov/expapi/verbs/completed"},"object":{"id":"https://takumi.example/a/1"}`
	cases := map[string]struct{ json, want string }{
		"OK":                       {`{` + base + `}`, ""},
		"ErrUnknownProp":           {`{` + base + `,"colour":"red"}`, `statement: the property "colour" is not allowed here`},
		"ErrNull":                  {`{` + base + `,"result":null}`, `statement.result: must not be null`},
		"ErrTwoIFIs":               {`{"actor":{"mbox":"mailto:a@example.jp","openid":"http://o.example"},"verb":{"id":"http://v.example"},"object":{"id":"http://a.example"}}`, "exactly one of mbox"},
		"ErrMbox":                  {`{"actor":{"mbox":"a@example.jp"},"verb":{"id":"http://v.example"},"object":{"id":"http://a.example"}}`, "statement.actor.mbox: must be a mailto: IRI"},
		"ErrVerbIRI":               {`{"actor":{"mbox":"mailto:a@example.jp"},"verb":{"id":"completed"},"object":{"id":"http://a.example"}}`, `statement.verb.id: "completed" is not an absolute IRI`},
		"ErrLang":                  {`{"actor":{"mbox":"mailto:a@example.jp"},"verb":{"id":"http://v.example","display":{"not a tag":"x"}},"object":{"id":"http://a.example"}}`, "is not a language tag"},
		"ErrScaled":                {`{` + base + `,"result":{"score":{"scaled":1.5}}}`, "statement.result.score.scaled: must be between -1 and 1"},
		"ErrDuration":              {`{` + base + `,"result":{"duration":"P4W1D"}}`, "is not an ISO 8601 duration"},
		"ErrStamp":                 {`{` + base + `,"timestamp":"2026-12-06T10:00:00-00:00"}`, "is not an ISO 8601 timestamp"},
		"ErrVoidNotRef":            {`{"actor":{"mbox":"mailto:a@example.jp"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"id":"http://a.example"}}`, "a voiding statement's object must be a StatementRef"},
		"ErrSubInSub":              {`{"actor":{"mbox":"mailto:a@example.jp"},"verb":{"id":"http://v.example"},"object":{"objectType":"SubStatement","actor":{"mbox":"mailto:b@example.jp"},"verb":{"id":"http://v.example"},"object":{"objectType":"SubStatement"}}}`, "must not contain a SubStatement"},
		"ErrRevisionAgent":         {`{"actor":{"mbox":"mailto:a@example.jp"},"verb":{"id":"http://v.example"},"object":{"objectType":"Agent","mbox":"mailto:b@example.jp"},"context":{"revision":"2"}}`, "statement.context.revision: must not be used when the object is not an Activity"},
		"OKContextAgentsGroups":    {`{` + base + `,"context":{"contextAgents":[{"objectType":"contextAgent","agent":{"mbox":"mailto:c@example.jp"},"relevantTypes":["http://t.example"]}],"contextGroups":[{"objectType":"contextGroup","group":{"objectType":"Group","member":[{"mbox":"mailto:d@example.jp"}]}}]}}`, ""},
		"ErrContextAgentsNotArray": {`{` + base + `,"context":{"contextAgents":{}}}`, "statement.context.contextAgents: must be an array"},
		"ErrContextAgentType":      {`{` + base + `,"context":{"contextAgents":[{"objectType":"Agent","agent":{"mbox":"mailto:c@example.jp"}}]}}`, `statement.context.contextAgents[0].objectType: must be "contextAgent"`},
		"ErrContextAgentMissing":   {`{` + base + `,"context":{"contextAgents":[{"objectType":"contextAgent"}]}}`, "statement.context.contextAgents[0].agent: is required"},
		"ErrContextAgentProp":      {`{` + base + `,"context":{"contextAgents":[{"objectType":"contextAgent","agent":{"mbox":"mailto:c@example.jp"},"group":{}}]}}`, `the property "group" is not allowed here`},
		"ErrContextAgentIFI":       {`{` + base + `,"context":{"contextAgents":[{"objectType":"contextAgent","agent":{"name":"x"}}]}}`, "statement.context.contextAgents[0].agent: an Agent must have exactly one"},
		"ErrContextGroupsNotArray": {`{` + base + `,"context":{"contextGroups":"x"}}`, "statement.context.contextGroups: must be an array"},
		"ErrContextGroupType":      {`{` + base + `,"context":{"contextGroups":[{"group":{"objectType":"Group","member":[]}}]}}`, `statement.context.contextGroups[0].objectType: must be "contextGroup"`},
		"ErrContextGroupMissing":   {`{` + base + `,"context":{"contextGroups":[{"objectType":"contextGroup"}]}}`, "statement.context.contextGroups[0].group: is required"},
		"ErrContextGroupNotGroup":  {`{` + base + `,"context":{"contextGroups":[{"objectType":"contextGroup","group":{"mbox":"mailto:c@example.jp"}}]}}`, "statement.context.contextGroups[0].group: must be a Group"},
		"ErrContextGroupTypes":     {`{` + base + `,"context":{"contextGroups":[{"objectType":"contextGroup","group":{"objectType":"Group","member":[{"mbox":"mailto:d@example.jp"}]},"relevantTypes":[]}]}}`, "statement.context.contextGroups[0].relevantTypes"},
		"ErrGroupMember":           {`{"actor":{"objectType":"Group","member":[{"objectType":"Group","member":[]}]},"verb":{"id":"http://v.example"},"object":{"id":"http://a.example"}}`, "must be Agents, not Groups"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			err := xapi.ValidateStatement(xapi.V200, decode(t, c.json))
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || xapi.KindOf(err) != xapi.KindInvalid || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an invalid error containing %q", err, c.want)
			}
		})
	}
}

// TestVoidingAndPaging: a voided statement leaves queries, its voiding
// statement matches the voided one's filters, and "more" pages through in order.
func TestVoidingAndPaging(t *testing.T) {
	svc, c := setup(t)
	ctx := context.Background()
	ids, err := svc.StoreStatements(ctx, c, xapi.V200, batch(25, 0), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	void := decode(t, `{"actor":{"mbox":"mailto:admin@example.jp"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"`+ids[0]+`"}}`)
	vids, err := svc.StoreStatements(ctx, c, xapi.V200, []any{void}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Statement(ctx, c.OrgID, ids[0], false); xapi.KindOf(err) != xapi.KindNotFound {
		t.Fatalf("a voided statement by statementId: %v", err)
	}
	if _, err := svc.Statement(ctx, c.OrgID, ids[0], true); err != nil {
		t.Fatalf("a voided statement by voidedStatementId: %v", err)
	}
	// ids[0] and ids[20] have verb v0 and activity 0 (batch): ids[0] is
	// voided, and its voiding statement matches in its place (newest first).
	page, err := svc.Statements(ctx, c.OrgID, xapi.Query{Verb: "http://adlnet.gov/expapi/verbs/v0", Activity: "https://takumi.example/activities/0"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Statements) != 2 || page.Statements[0]["id"] != vids[0] || page.Statements[1]["id"] != ids[20] {
		t.Fatalf("filter of the voided statement returned %d statements", len(page.Statements))
	}
	// Voiding a voiding statement is refused and stores nothing.
	again := decode(t, `{"actor":{"mbox":"mailto:admin@example.jp"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"`+vids[0]+`"}}`)
	if _, err := svc.StoreStatements(ctx, c, xapi.V200, []any{again}, nil, ""); xapi.KindOf(err) != xapi.KindInvalid {
		t.Fatalf("voiding a voiding statement: %v", err)
	}
	var got []string
	q := xapi.Query{Limit: 10, Ascending: true}
	for i := 0; i < 10; i++ {
		page, err := svc.Statements(ctx, c.OrgID, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page.Statements {
			got = append(got, s["id"].(string))
		}
		if page.More == nil {
			break
		}
		q, err = xapi.ParseCursor(page.More.Cursor())
		if err != nil {
			t.Fatal(err)
		}
	}
	want := append(append([]string{}, ids[1:]...), vids[0])
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("paged ascending: %d statements %v, want %d", len(got), got, len(want))
	}
}

// TestDocumentConcurrency: ETags, preconditions and the JSON merge.
func TestDocumentConcurrency(t *testing.T) {
	svc, c := setup(t)
	ctx := context.Background()
	k := xapi.DocKey{Kind: "activity", ActivityID: "https://takumi.example/a/1", DocID: "p"}
	d, err := svc.SaveDocument(ctx, c.OrgID, k, "application/json", []byte(`{"a":1}`), false, true, false, xapi.Preconditions{IfNoneMatch: "*"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SaveDocument(ctx, c.OrgID, k, "application/json", []byte(`{"a":2}`), false, true, false, xapi.Preconditions{}); xapi.KindOf(err) != xapi.KindConflict {
		t.Fatalf("PUT over a document without a precondition: %v", err)
	}
	if _, err := svc.SaveDocument(ctx, c.OrgID, k, "application/json", []byte(`{"a":2}`), false, true, false, xapi.Preconditions{IfMatch: `"nope"`}); xapi.KindOf(err) != xapi.KindPrecondition {
		t.Fatalf("PUT with a stale If-Match: %v", err)
	}
	if _, err := svc.SaveDocument(ctx, c.OrgID, k, "application/json", []byte(`{"b":3}`), true, true, false, xapi.Preconditions{IfMatch: d.ETag}); err != nil {
		t.Fatal(err)
	}
	got, err := svc.Document(ctx, c.OrgID, k)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Content) != `{"a":1,"b":3}` || got.ETag != xapi.ETagOf(got.Content) {
		t.Fatalf("merged %s %s", got.Content, got.ETag)
	}
	if _, err := svc.SaveDocument(ctx, c.OrgID, k, "text/plain", []byte(`x`), true, true, false, xapi.Preconditions{}); xapi.KindOf(err) != xapi.KindInvalid {
		t.Fatalf("POST of a text document: %v", err)
	}
}
