package web_test

import (
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"

	"takumi/internal/fixtures"
)

var updateRoutes = flag.Bool("update-routes", false, "rewrite testdata/routes.txt from the current route table")

// TestRouteTable pins the route table: every route's method, path, handler
// name and effective access rule, found by asking as an anonymous visitor and
// as each kind of signed-in person. A change to web/routes.go that adds,
// removes or renames a route, or gives one a different guard, shows up as a
// diff against testdata/routes.txt (rewrite it with -update-routes, then read
// the diff). Group catch-alls (echo_route_not_found) are left out: they answer
// 404 behind the group's guard and belong to no handler.
func TestRouteTable(t *testing.T) {
	ta := startApp(t)
	type person struct {
		name  string
		b     *browser
		token string
	}
	signedIn := func(name string, platformAdmin bool, org, kind, role string, analyst bool) person {
		email := "routes-" + name + "@example.jp"
		// Two-factor sign-in on, as admins must have it.
		id, secret := adminTOTPUser(t, ta, email, platformAdmin)
		if org != "" {
			fixtures.MustAddMember(t, ta.DB, org, kind, id, role, analyst)
		}
		b := ta.newBrowser(t)
		ta.signIn(t, b, email, fixtures.Password, secret)
		return person{name: name, b: b, token: b.csrf("/")}
	}
	learner := signedIn("learner", false, "", "", "", false)
	roles := []person{
		signedIn("author", false, "経路研修機関", "provider", "instructor", false),
		signedIn("orgadmin", false, "経路商事", "employer", "admin", false),
		signedIn("analyst", false, "経路省", "ministry", "member", true),
		signedIn("admin", true, "", "", "", false),
	}
	anon := person{name: "anonymous", b: ta.newBrowser(t)}
	anon.token = anon.b.csrf("/")

	ask := func(p person, method, path string) *response {
		if method == http.MethodGet {
			return p.b.get(path)
		}
		return p.b.postRaw(path, url.Values{"_csrf": {p.token}})
	}
	routes := ta.App.Server.Echo().Routes()
	sort.Slice(routes, func(i, j int) bool {
		if routes[i].Path != routes[j].Path {
			return routes[i].Path < routes[j].Path
		}
		return routes[i].Method < routes[j].Method
	})
	var lines []string
	for _, r := range routes {
		if r.Method == "echo_route_not_found" {
			continue
		}
		rule := "untested method"
		if r.Method == http.MethodGet || r.Method == http.MethodPost {
			path := concretePath(r.Path)
			res := ask(anon, r.Method, path)
			switch {
			case !(res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/login")) &&
				res.StatusCode != http.StatusUnauthorized:
				rule = "public"
			case ask(learner, r.Method, path).StatusCode != http.StatusForbidden:
				rule = "signed in"
			default:
				var allowed []string
				for _, p := range roles {
					if ask(p, r.Method, path).StatusCode != http.StatusForbidden {
						allowed = append(allowed, p.name)
					}
				}
				rule = "only " + strings.Join(allowed, ",")
			}
		}
		lines = append(lines, fmt.Sprintf("%-6s %-58s %-48s %s", r.Method, r.Path, strings.TrimPrefix(r.Name, "takumi/web."), rule))
	}
	got := strings.Join(lines, "\n") + "\n"
	const golden = "testdata/routes.txt"
	if *updateRoutes {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		wantLines := strings.Split(string(want), "\n")
		gotLines := strings.Split(got, "\n")
		seen := map[string]bool{}
		for _, l := range wantLines {
			seen[l] = true
		}
		for _, l := range gotLines {
			if !seen[l] {
				t.Errorf("route changed or added: %s", l)
			}
			delete(seen, l)
		}
		for _, l := range wantLines {
			if seen[l] {
				t.Errorf("route changed or removed: %s", l)
			}
		}
	}
}
