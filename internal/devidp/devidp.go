// Package devidp is `takumi dev-idp` (issue 18, "try it locally"): a small
// OpenID Provider for development, so that a person following the README
// can try "sign in with your organisation" without an Entra ID tenant.
//
// It is zitadel/oidc's own example provider (github.com/zitadel/oidc/v3,
// example/server: the library's op package with its in-memory storage and
// login page), the same one the SSO tests run against, with the demo
// employer's people and one web client whose redirect URI is Takumi's
// callback. It holds fixed example keys and plain-text passwords, so it
// refuses to run in production.
package devidp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

// Defaults shared by `takumi dev-idp` and `takumi demo` (which configures
// the demo employer to use this provider).
const (
	DefaultAddr  = "127.0.0.1:9998"
	ClientID     = "takumi-dev"
	ClientSecret = "takumi-dev-secret" // development only; production refuses to run this
	// Domain is the demo employer's approved domain: addresses there are
	// routed to this provider.
	Domain = "tokai.demo.takumi.localhost"
)

// Issuer returns the issuer URL of a provider listening on addr.
func Issuer(addr string) string { return "http://" + addr }

// User is one person who can sign in at the provider.
type User struct{ ID, Username, FirstName, LastName string }

// Users are the demo employer's people at the provider: none of them has
// a Takumi account until their first sign-in.
var Users = []User{
	{"sso-1", "sso.tanaka@" + Domain, "一郎", "田中"},
	{"sso-2", "sso.suzuki@" + Domain, "花子", "鈴木"},
}

// Handler returns the provider for issuer, with one web client that may
// redirect to redirectURI; every user's password is password.
func Handler(dataDir, issuer, redirectURI, password string) (http.Handler, error) {
	m := map[string]storage.User{}
	for _, u := range Users {
		m[u.ID] = storage.User{ID: u.ID, Username: u.Username, Password: password, FirstName: u.FirstName,
			LastName: u.LastName, Email: u.Username, EmailVerified: true}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	// The example storage reads its users from a file only.
	dir, err := os.MkdirTemp(dataDir, "dev-idp-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "users.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, err
	}
	us, err := storage.StoreFromFile(path)
	if err != nil {
		return nil, err
	}
	storage.RegisterClients(storage.WebClient(ClientID, ClientSecret, redirectURI))
	mux := http.NewServeMux()
	mux.Handle("/", exampleop.SetupServer(issuer, storage.NewStorage(us), nil, false))
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	return mux, nil
}

// Options configure Run.
type Options struct {
	Production bool   // the deployment is production: refuse
	Addr       string // listen address (DefaultAddr when empty)
	BaseURL    string // Takumi's base URL, for the redirect URI
	DataDir    string
	Password   string // every user's password (the demo password)
	// Ready, when set, receives the address listened on.
	Ready func(addr string)
}

// Run serves the provider until ctx ends.
func Run(ctx context.Context, o Options, out io.Writer) error {
	if o.Production {
		return errors.New("dev-idp is a development tool and does not run in production")
	}
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return err
	}
	issuer := Issuer(ln.Addr().String())
	h, err := Handler(o.DataDir, issuer, strings.TrimRight(o.BaseURL, "/")+"/sso/oidc/callback", o.Password)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(out, "Development OpenID Provider (not for production) at %s\n", issuer)
	fmt.Fprintf(out, "Client ID %s, redirect URI %s/sso/oidc/callback\n", ClientID, strings.TrimRight(o.BaseURL, "/"))
	fmt.Fprintln(out, "People (password: the demo password):")
	for _, u := range Users {
		fmt.Fprintf(out, "  %s\n", u.Username)
	}
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	case err := <-errc:
		return err
	}
}

// AddrFromEnv is TAKUMI_DEV_IDP_ADDR, or DefaultAddr: where `takumi
// dev-idp` listens and where `takumi demo` points the demo employer.
func AddrFromEnv() string {
	if a := strings.TrimSpace(os.Getenv("TAKUMI_DEV_IDP_ADDR")); a != "" {
		return a
	}
	return DefaultAddr
}
