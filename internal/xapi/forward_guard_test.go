package xapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"takumi/internal/xapi"
)

// TestForwardTargetGuardInProduction: in production an organisation admin
// cannot point forwarding at the operator's own network (SSRF) nor at
// plain http (the credentials travel with every batch); in development a
// local LRS is allowed. Checked before anything is saved, with the
// message key the form shows.
func TestForwardTargetGuardInProduction(t *testing.T) {
	hits := 0
	lrs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.WriteHeader(http.StatusOK)
	}))
	defer lrs.Close()
	tls := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer tls.Close()
	ctx := context.Background()
	prod := &xapi.Service{Production: true}
	for _, endpoint := range []string{lrs.URL + "/xapi/", tls.URL + "/xapi/", "https://127.0.0.1:1/xapi/", "https://169.254.169.254/xapi/"} {
		err := prod.TestForward(ctx, endpoint, "key", "secret")
		if err == nil || err.Error() != "xapi.forward_err_https" {
			t.Errorf("production, %s: %v, want xapi.forward_err_https", endpoint, err)
		}
	}
	if hits != 0 {
		t.Fatalf("the production guard let %d requests reach a loopback server", hits)
	}
	// Development: the same loopback LRS is reached.
	_ = (&xapi.Service{}).TestForward(ctx, lrs.URL+"/xapi/", "key", "secret")
	if hits == 0 {
		t.Fatal("in development the local LRS was not asked")
	}
}
