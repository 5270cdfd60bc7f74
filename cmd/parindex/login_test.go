package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"parindex/store/storetest"
	"parindex/workflow"
)

// The login as serve wires it: the demo's development provider, no provider
// at all, and a real provider (mockoidc) named by PARINDEX_OIDC_* variables.

// person is a browser: cookies kept, redirects followed unless stop is set.
type person struct {
	t    *testing.T
	base string
	http *http.Client
}

func newPerson(t *testing.T, base string) *person {
	jar, _ := cookiejar.New(nil)
	return &person{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

// answer is a response read whole.
type answer struct {
	status int
	url    *url.URL
	header http.Header
	body   string
}

// do sends one request; follow says whether redirects are followed.
func (p *person) do(method, target string, form url.Values, follow bool, header ...string) answer {
	p.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = p.base + target
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		p.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := *p.http
	if !follow {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	res, err := c.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		p.t.Fatal(err)
	}
	return answer{status: res.StatusCode, url: res.Request.URL, header: res.Header, body: string(b)}
}

var (
	pickForm    = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
)

// pick chooses the account subject on the development provider's page a
// and follows the way back.
func (p *person) pick(a answer, subject string) answer {
	p.t.Helper()
	action := pickForm.FindStringSubmatch(a.body)
	if action == nil {
		p.t.Fatalf("no form on the provider's page %s:\n%s", a.url, a.body)
	}
	form := url.Values{"account": {subject}}
	for _, m := range hiddenInput.FindAllStringSubmatch(a.body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	target, _ := a.url.Parse(html.UnescapeString(action[1]))
	return p.do(http.MethodPost, target.String(), form, true)
}

// me is the API's /me with the page session's cookie, as the page's script
// calls it.
func (p *person) me() answer {
	p.t.Helper()
	return p.do(http.MethodGet, "/api/v1/me", nil, false, "Accept", "application/json", "Origin", p.base, "Sec-Fetch-Site", "same-origin")
}

func TestDemoLogin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		// Every flag from the environment, as the unit file sets them.
		m, _ := serve(t, nil, map[string]string{"PARINDEX_DB": storetest.URL(t, dialect), "PARINDEX_ADDR": "127.0.0.1:0", "PARINDEX_DEMO": "true"})
		p := newPerson(t, m.URL())

		// /login goes to the service's own development provider.
		a := p.do(http.MethodGet, "/login?next=%2F", nil, false)
		if a.status != http.StatusFound || !strings.HasPrefix(a.header.Get("Location"), m.URL()+"/dev-sso/authorize?") {
			t.Fatalf("/login with --demo: %d %q", a.status, a.header.Get("Location"))
		}
		// A person picks the updater of Sở Tư pháp and lands on Việc của tôi.
		a = p.do(http.MethodGet, "/", nil, true)
		if a.status != http.StatusOK || a.url.Path != "/dev-sso/authorize" {
			t.Fatalf("/ without a session: %d at %s", a.status, a.url)
		}
		email := demoEmail(string(workflow.RoleUpdater), "STP")
		if !strings.Contains(a.body, email) {
			t.Errorf("the provider's page does not list %s", email)
		}
		a = p.pick(a, "demo-"+email)
		if a.status != http.StatusOK || a.url.String() != m.URL()+"/" || !strings.Contains(a.body, "Việc của tôi") {
			t.Fatalf("after picking %s: %d at %s\n%s", email, a.status, a.url, a.body)
		}
		if a := p.me(); a.status != http.StatusOK || !strings.Contains(a.body, `"email":"`+email+`"`) {
			t.Fatalf("/api/v1/me with the session: %d %s", a.status, a.body)
		}
		// Logout goes through the provider and back.
		a = p.do(http.MethodPost, "/logout", url.Values{}, true, "Origin", m.URL(), "Sec-Fetch-Site", "same-origin")
		if a.status != http.StatusOK || a.url.Path != "/logged-out" {
			t.Fatalf("logout: %d at %s", a.status, a.url)
		}
		if a := p.me(); a.status != http.StatusUnauthorized {
			t.Fatalf("/api/v1/me after logout: %d", a.status)
		}
	})
}

func TestNoLoginConfigured(t *testing.T) {
	t.Parallel()
	m, _ := serve(t, nil, map[string]string{"PARINDEX_DB": storetest.URL(t, "sqlite"), "PARINDEX_ADDR": "127.0.0.1:0"})
	p := newPerson(t, m.URL())
	for _, path := range []string{"/dev-sso/.well-known/openid-configuration", "/dev-sso/authorize"} {
		if a := p.do(http.MethodGet, path, nil, false); a.status != http.StatusNotFound {
			t.Errorf("%s without --demo: %d", path, a.status)
		}
	}
	a := p.do(http.MethodGet, "/", nil, true)
	if a.url.Path != "/login" || a.status != http.StatusServiceUnavailable ||
		!strings.Contains(a.body, "chưa được cấu hình đăng nhập một lần") || !strings.Contains(a.body, `lang="vi"`) {
		t.Fatalf("/ with no provider: %d at %s\n%s", a.status, a.url, a.body)
	}
	if a := p.do(http.MethodPost, "/auth/backchannel-logout", url.Values{"logout_token": {"x"}}, false); a.status != http.StatusNotFound {
		t.Errorf("back-channel logout with no provider: %d", a.status)
	}
}

// startMock runs mockoidc on 127.0.0.1:0 with a fresh key.
func startMock(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	mock, err := mockoidc.NewServer(key)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := mock.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mock.Shutdown() })
	return mock
}

func TestLoginFlagsFromEnvironment(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		mock := startMock(t)
		db := storetest.URL(t, dialect)
		mustRun(t, nil, map[string]string{"PARINDEX_DB": db}, "migrate", "up")
		mustRun(t, nil, map[string]string{"PARINDEX_DB": db}, "token", "issue", "--email", "lan.pt@snv.example.gov.vn", "--role", "admin")
		secretFile := filepath.Join(t.TempDir(), "oidc-secret")
		if err := os.WriteFile(secretFile, []byte(mock.ClientSecret+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		// mockoidc signs by the real clock: the service's starts there.
		clock := storetest.NewClock(time.Now())
		m, _ := serve(t, clock, map[string]string{
			"PARINDEX_DB": db, "PARINDEX_ADDR": "127.0.0.1:0",
			"PARINDEX_OIDC_ISSUER": mock.Issuer(), "PARINDEX_OIDC_CLIENT_ID": mock.ClientID,
			"PARINDEX_OIDC_CLIENT_SECRET_FILE": secretFile, "PARINDEX_OIDC_CLIENT_AUTH": "client_secret_post",
			"PARINDEX_SESSION_IDLE": "10m", "PARINDEX_SESSION_MAX": "1h",
		})
		p := newPerson(t, m.URL())
		a := p.do(http.MethodGet, "/login", nil, false)
		if loc := a.header.Get("Location"); a.status != http.StatusFound || !strings.HasPrefix(loc, mock.AuthorizationEndpoint()+"?") ||
			!strings.Contains(loc, "client_id="+mock.ClientID) || !strings.Contains(loc, "redirect_uri="+url.QueryEscape(m.URL()+"/auth/callback")) {
			t.Fatalf("/login: %d %q", a.status, loc)
		}
		if a := p.do(http.MethodGet, "/dev-sso/authorize", nil, false); a.status != http.StatusNotFound {
			t.Errorf("/dev-sso with a real provider: %d", a.status)
		}
		mock.QueueUser(&mockoidc.MockUser{Subject: "kc-1", Email: "lan.pt@snv.example.gov.vn", EmailVerified: true})
		if a := p.do(http.MethodGet, "/", nil, true); a.status != http.StatusOK || a.url.Path != "/" {
			t.Fatalf("login at the configured provider: %d at %s\n%s", a.status, a.url, a.body)
		}
		// PARINDEX_SESSION_IDLE=10m: 9 minutes keep the session, 11 end it.
		clock.Add(9 * time.Minute)
		if a := p.me(); a.status != http.StatusOK {
			t.Fatalf("after 9 minutes: %d", a.status)
		}
		clock.Add(11 * time.Minute)
		if a := p.me(); a.status != http.StatusUnauthorized {
			t.Fatalf("after 11 idle minutes: %d", a.status)
		}
	})
}

func TestLoginFlagErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"PARINDEX_SESSION_IDLE": "0s"}, "--session-idle"},
		{map[string]string{"PARINDEX_SESSION_MAX": "-1h"}, "--session-max"},
		{map[string]string{"PARINDEX_OIDC_CLIENT_SECRET_FILE": "/nonexistent/secret"}, "--oidc-client-secret-file"},
		{map[string]string{"PARINDEX_OIDC_ISSUER": "http://127.0.0.1:1/realms/tinh"}, "--oidc-issuer"},
	} {
		env := map[string]string{"PARINDEX_DB": storetest.URL(t, "sqlite"), "PARINDEX_ADDR": "127.0.0.1:0"}
		for k, v := range c.env {
			env[k] = v
		}
		m, _, _ := newMain(nil, withDataDir(t, env, nil))
		err := m.Run(context.Background(), []string{"serve"})
		m.Close()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err %v, want one naming %s", c.env, err, c.want)
		}
	}
}

// TestCLIDisableEndsSessions: `parindex user disable` ends the person's page
// sessions as the API's deactivate does; enabled again, the old cookie stays
// dead.
func TestCLIDisableEndsSessions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		db := storetest.URL(t, dialect)
		m, _ := serve(t, nil, nil, "--addr", "127.0.0.1:0", "--db", db, "--demo")
		email := demoEmail(string(workflow.RoleApprover), "STC")
		p := newPerson(t, m.URL())
		if a := p.pick(p.do(http.MethodGet, "/", nil, true), "demo-"+email); a.status != http.StatusOK || a.url.Path != "/" {
			t.Fatalf("login as %s: %d at %s", email, a.status, a.url)
		}
		if a := p.me(); a.status != http.StatusOK {
			t.Fatalf("/api/v1/me: %d", a.status)
		}
		if out := mustRun(t, nil, nil, "user", "disable", email, "--db", db); !strings.Contains(out, "sessions ended") {
			t.Errorf("user disable printed %q", out)
		}
		mustRun(t, nil, nil, "user", "enable", email, "--db", db)
		if a := p.me(); a.status != http.StatusUnauthorized {
			t.Fatalf("the session from before `user disable`, after `user enable`: %d", a.status)
		}
	})
}
