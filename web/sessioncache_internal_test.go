package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/labstack/echo/v4"
)

// forgettingStore records ForgetUser calls.
type forgettingStore struct {
	*memstore.MemStore
	forgot []string
}

func (f *forgettingStore) ForgetUser(id string) { f.forgot = append(f.forgot, id) }

// TestForgetAfterWrite: after a signed-in person's request that may have
// written (not GET, HEAD, OPTIONS), their sessions kept in memory are
// dropped (issue 20, internal/app/sessioncache.go).
func TestForgetAfterWrite(t *testing.T) {
	store := &forgettingStore{MemStore: memstore.New()}
	sm := scs.New()
	sm.Store = store
	s := &Server{Deps: Deps{Sessions: sm}}
	e := echo.New()
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		s.forgetAfterWrite(e.NewContext(httptest.NewRequest(m, "/account", nil), httptest.NewRecorder()), m)
	}
	want := []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	if len(store.forgot) != len(want) {
		t.Fatalf("forgot %v, want %v", store.forgot, want)
	}
	for i := range want {
		if store.forgot[i] != want[i] {
			t.Fatalf("forgot %v, want %v", store.forgot, want)
		}
	}
}
