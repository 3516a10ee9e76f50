package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/labstack/echo/v4"

	"takumi/internal/account"
	"takumi/internal/org"
)

// forgettingStore records ForgetUser and AwaitSessionSignal calls.
type forgettingStore struct {
	*memstore.MemStore
	forgot []string
	awaits int
}

func (f *forgettingStore) ForgetUser(id string)                 { f.forgot = append(f.forgot, id) }
func (f *forgettingStore) AwaitSessionSignal(_ context.Context) { f.awaits++ }

// TestForgetAfterWrite: after a signed-in person's request that may have
// written (not GET, HEAD, OPTIONS), their sessions kept in memory are
// dropped, and after an administrator's the instance waits for the
// session signal (issue 20, internal/app/sessioncache.go).
func TestForgetAfterWrite(t *testing.T) {
	store := &forgettingStore{MemStore: memstore.New()}
	sm := scs.New()
	sm.Store = store
	s := &Server{Deps: Deps{Sessions: sm}}
	e := echo.New()
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		s.forgetAfterWrite(e.NewContext(httptest.NewRequest(m, "/account", nil), httptest.NewRecorder()), &auth{User: &account.User{ID: m}})
	}
	want := []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	if len(store.forgot) != len(want) || store.awaits != 0 {
		t.Fatalf("forgot %v, awaited %d times; want %v and none", store.forgot, store.awaits, want)
	}
	for i := range want {
		if store.forgot[i] != want[i] {
			t.Fatalf("forgot %v, want %v", store.forgot, want)
		}
	}
	// A route marked writesNoAccount keeps the session, an admin's too.
	forgot, awaits := len(store.forgot), store.awaits
	marked := e.NewContext(httptest.NewRequest(http.MethodPost, "/learn/e/lessons/l/heartbeat", nil), httptest.NewRecorder())
	if err := writesNoAccount(func(echo.Context) error { return nil })(marked); err != nil {
		t.Fatal(err)
	}
	s.forgetAfterWrite(marked, &auth{User: &account.User{ID: "learner", IsPlatformAdmin: true}})
	if len(store.forgot) != forgot || store.awaits != awaits {
		t.Fatalf("a writesNoAccount route dropped the session (%v) or awaited the signal", store.forgot[forgot:])
	}
	for _, a := range []*auth{
		{User: &account.User{ID: "platform", IsPlatformAdmin: true}},
		{User: &account.User{ID: "org"}, Roles: org.RoleSummary{OrgAdmin: true}},
	} {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			s.forgetAfterWrite(e.NewContext(httptest.NewRequest(m, "/admin/users", nil), httptest.NewRecorder()), a)
		}
	}
	if store.awaits != 2 {
		t.Fatalf("administrators' writes awaited the signal %d times, want 2", store.awaits)
	}
}
