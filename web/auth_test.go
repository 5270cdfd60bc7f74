package web_test

// Login, sessions and cross-site protection end to end, over the real pages
// and API: through the development provider (as with --demo) and through a
// second, separate provider (oauth2-proxy's mockoidc, its own key and
// issuer), on both stores.

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"parindex/oidc"
	"parindex/oidc/devprovider"
	"parindex/store/storetest"
	"parindex/web"
	"parindex/workflow"
)

// evil is another site's origin, as a browser names it on a request one of
// that site's pages sends here.
var evil = []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}

// send makes one request with b's cookies and stops at the first answer
// (no redirect followed); header pairs are added. Its URL is the request's.
func (b *browser) send(method, path, body string, header ...string) *page {
	b.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, b.site.URL+path, r)
	if err != nil {
		b.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := *b.http
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.read(res)
}

// pick chooses u on the development provider's page p and follows the way back.
func (b *browser) pick(p *page, u *workflow.User) *page {
	b.t.Helper()
	if !strings.Contains(p.URL.Path, "/dev-sso/authorize") {
		b.t.Fatalf("at %s (%d), not the provider's page:\n%s", p.URL, p.Status, p.Body)
	}
	action := pickForm.FindStringSubmatch(p.Body)
	if action == nil {
		b.t.Fatalf("no form on the provider's page:\n%s", p.Body)
	}
	form := url.Values{"account": {"sub-" + u.Email}}
	for _, m := range hiddenInput.FindAllStringSubmatch(p.Body, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	target, _ := p.URL.Parse(html.UnescapeString(action[1]))
	res, err := b.http.PostForm(target.String(), form)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.read(res)
}

// cookie is the session cookie b holds ("" for none).
func (b *browser) cookie() string {
	u, _ := url.Parse(b.site.URL)
	for _, c := range b.http.Jar.Cookies(u) {
		if c.Name == web.CookieName {
			return c.Value
		}
	}
	return ""
}

// withCookie is a fresh browser holding the session cookie value (an old
// cookie kept, or one planted by someone else).
func (s *site) withCookie(t testing.TB, value string) *browser {
	b := s.newBrowser(t)
	u, _ := url.Parse(s.URL)
	b.http.Jar.SetCookies(u, []*http.Cookie{{Name: web.CookieName, Value: value, Path: "/"}})
	return b
}

// loggedIn reports whether b's session opens a page, and fails the test on
// anything but the page or a redirect to the login of that page.
func (b *browser) loggedIn() bool {
	b.t.Helper()
	p := b.send(http.MethodGet, "/", "", "Sec-Fetch-Site", "none")
	switch {
	case p.Status == http.StatusOK:
		return true
	case p.Status == http.StatusSeeOther && p.Header.Get("Location") == "/login?next=%2F":
		return false
	}
	b.t.Fatalf("GET /: %d %q\n%s", p.Status, p.Header.Get("Location"), p.Body)
	return false
}

// apiRefuses checks that the API refuses b's cookie with a 401 problem.
func (b *browser) apiRefuses() {
	b.t.Helper()
	p := b.call(http.MethodGet, "/api/v1/me", "")
	if p.Status != http.StatusUnauthorized || !strings.HasPrefix(p.Header.Get("Content-Type"), "application/problem+json") {
		b.t.Errorf("GET /api/v1/me with an ended session: %d %s\n%s", p.Status, p.Header.Get("Content-Type"), p.Body)
	}
}

// apiAccepts checks that the API takes b's cookie.
func (b *browser) apiAccepts() {
	b.t.Helper()
	if p := b.call(http.MethodGet, "/api/v1/me", ""); p.Status != http.StatusOK {
		b.t.Errorf("GET /api/v1/me with a live session: %d\n%s", p.Status, p.Body)
	}
}

func TestLoginReturnsToDeepLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		for _, deep := range []string{fmt.Sprintf("/reports/%d", s.Dept.ReportID), "/?trang=2&loc=cho+duyet"} {
			b := s.newBrowser(t)
			first := b.send(http.MethodGet, deep, "", "Sec-Fetch-Site", "none")
			if want := "/login?next=" + url.QueryEscape(deep); first.Status != http.StatusSeeOther || first.Header.Get("Location") != want {
				t.Fatalf("GET %s without a session: %d %q, want 303 to %s", deep, first.Status, first.Header.Get("Location"), want)
			}
			p := b.pick(b.get(deep), s.Dept.Updater)
			if p.URL.Host != strings.TrimPrefix(s.URL, "http://") || p.URL.RequestURI() != deep {
				t.Errorf("after login from %s: at %s", deep, p.URL)
			}
			if p.Status != http.StatusOK {
				t.Errorf("after login at %s: %d\n%s", deep, p.Status, p.Body)
			}
		}
	})
}

func TestLoginNeverLeavesTheSite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		host := strings.TrimPrefix(s.URL, "http://")
		for _, next := range []string{"//evil.example", "https://evil.example", `/\evil.example`, "/%2Fevil.example",
			"/%5cevil.example", "javascript:alert(1)", " //evil.example", "http:/evil.example"} {
			b := s.newBrowser(t)
			p := b.loginAs(s.Dept.Updater, next)
			if p.URL.Host != host || p.URL.Path != "/" {
				t.Errorf("login with next=%q ended at %s", next, p.URL)
			}
			// Someone already logged in is sent on at once: still home.
			again := b.send(http.MethodGet, "/login?next="+url.QueryEscape(next), "", "Sec-Fetch-Site", "none")
			if again.Status != http.StatusSeeOther || again.Header.Get("Location") != "/" {
				t.Errorf("/login?next=%q when logged in: %d %q", next, again.Status, again.Header.Get("Location"))
			}
		}
	})
}

// startMock runs mockoidc on 127.0.0.1:0 with a fresh key (its default key
// is published in its source).
func startMock(t testing.TB) *mockoidc.MockOIDC {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mockoidc.NewServer(key)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}

// atMock makes the site log in through m instead of the development
// provider. mockoidc tells time by the real clock: so does this relying party.
func atMock(t testing.TB, m *mockoidc.MockOIDC) siteOption {
	return func(c *siteConfig) {
		rp, err := oidc.New(context.Background(), oidc.Config{
			Issuer: m.Issuer(), ClientID: m.ClientID, ClientSecret: m.ClientSecret,
			RedirectURL: c.session.BaseURL + "/auth/callback",
			// mockoidc reads the secret from the form only.
			ClientAuth: "client_secret_post",
		})
		if err != nil {
			t.Fatal(err)
		}
		c.web.RP = rp
	}
}

// tamperedUser is a mockoidc user whose ID token claims a test changes.
type tamperedUser struct {
	*mockoidc.MockUser
	tamper func(*mockoidc.IDTokenClaims)
}

func (u tamperedUser) Claims(scope []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	u.tamper(c)
	return u.MockUser.Claims(scope, c)
}

func TestLoginAtASecondProvider(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		m := startMock(t)
		s := newSite(t, dialect, atMock(t, m))

		// A provisioned user, found by their verified email at the first
		// login; mockoidc logs the queued user in at once.
		m.QueueUser(&mockoidc.MockUser{Subject: "kc-7f3a", Email: s.Dept.Approver.Email, EmailVerified: true, PreferredUsername: "duyet.stp"})
		b := s.newBrowser(t)
		p := b.get("/")
		if p.Status != http.StatusOK || p.URL.Path != "/" {
			t.Fatalf("login at mockoidc ended %d at %s:\n%s", p.Status, p.URL, p.Body)
		}
		p.has(t, s.Dept.Approver.Name, "Đăng xuất")
		b.apiAccepts()
		// The same identity again: linked by (issuer, subject) now.
		m.QueueUser(&mockoidc.MockUser{Subject: "kc-7f3a", Email: s.Dept.Approver.Email, EmailVerified: true})
		if p := s.newBrowser(t).get("/"); p.Status != http.StatusOK {
			t.Fatalf("second login of the linked identity: %d\n%s", p.Status, p.Body)
		}
		// mockoidc has no end_session_endpoint: the logout stays here.
		out := b.send(http.MethodPost, "/logout", "", "Origin", s.URL, "Sec-Fetch-Site", "same-origin")
		if out.Status != http.StatusSeeOther || out.Header.Get("Location") != "/logged-out" {
			t.Fatalf("logout: %d %q", out.Status, out.Header.Get("Location"))
		}
		b.apiRefuses()

		refused := func(name string, u mockoidc.User, texts ...string) {
			m.QueueUser(u)
			b := s.newBrowser(t)
			p := b.get("/")
			if p.Status != http.StatusUnauthorized || p.URL.Path != "/auth/callback" {
				t.Fatalf("%s: %d at %s, want 401 at the callback:\n%s", name, p.Status, p.URL, p.Body)
			}
			p.has(t, append(texts, "Không đăng nhập được", `href="/login"`)...)
			b.apiRefuses()
		}
		// Someone the provider knows but parindex does not.
		refused("unknown identity", &mockoidc.MockUser{Subject: "kc-0000", Email: "nguoi.la@example.gov.vn", EmailVerified: true},
			"chưa được cấp quyền", "liên hệ quản trị viên")
		// An unverified email is not enough to be linked.
		refused("unverified email", &mockoidc.MockUser{Subject: "kc-0001", Email: s.Dept.Updater.Email, EmailVerified: false},
			"chưa được cấp quyền", "liên hệ quản trị viên")
		// An ID token from another login (its nonce is not this attempt's).
		refused("nonce mismatch", tamperedUser{&mockoidc.MockUser{Subject: "kc-7f3a", Email: s.Dept.Approver.Email, EmailVerified: true},
			func(c *mockoidc.IDTokenClaims) { c.Nonce = "another-login" }},
			"Không xác minh được thông tin đăng nhập", "liên hệ quản trị viên")
	})
}

func TestSessionTimesOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)

		// Idle: 44 minutes between requests is fine, 46 is not.
		b := s.login(t, s.Dept.Updater)
		s.Clock.Add(44 * time.Minute)
		if !b.loggedIn() {
			t.Fatal("logged out after 44 idle minutes")
		}
		s.Clock.Add(46 * time.Minute)
		if b.loggedIn() {
			t.Fatal("still logged in after 46 idle minutes")
		}
		b.apiRefuses()
		// The page sends the person to the provider, and back.
		if p := b.pick(b.get("/"), s.Dept.Updater); p.Status != http.StatusOK || p.URL.Path != "/" {
			t.Fatalf("login after the time-out: %d at %s", p.Status, p.URL)
		}

		// Idle through the API alone counts as use too.
		s.Clock.Add(40 * time.Minute)
		b.apiAccepts()
		s.Clock.Add(40 * time.Minute)
		if !b.loggedIn() {
			t.Fatal("API calls did not keep the session alive")
		}

		// Absolute: used every 40 minutes, the session still ends 8 hours
		// after login; the API with its cookie answers 401.
		c := s.login(t, s.Dept2.Updater)
		for range 11 { // 7 h 20
			s.Clock.Add(40 * time.Minute)
			c.apiAccepts()
		}
		s.Clock.Add(30 * time.Minute) // 7 h 50
		if !c.loggedIn() {
			t.Fatal("logged out at 7 h 50")
		}
		s.Clock.Add(20 * time.Minute) // 8 h 10
		c.apiRefuses()
		if c.loggedIn() {
			t.Fatal("still logged in 8 h 10 after login")
		}
	})
}

func TestLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		b := s.login(t, s.Dept.Updater)
		other := s.login(t, s.Dept.Updater) // another browser, another provider session
		old := b.cookie()

		// GET /logout is not a logout (a link or an image could send it).
		if p := b.get("/logout"); p.Status != http.StatusNotFound {
			t.Errorf("GET /logout: %d", p.Status)
		}
		if !b.loggedIn() {
			t.Fatal("GET /logout logged out")
		}

		out := b.send(http.MethodPost, "/logout", "", "Origin", s.URL, "Sec-Fetch-Site", "same-origin",
			"Content-Type", "application/x-www-form-urlencoded")
		if out.Status != http.StatusSeeOther {
			t.Fatalf("POST /logout: %d\n%s", out.Status, out.Body)
		}
		to, err := url.Parse(out.Header.Get("Location"))
		if err != nil || !strings.HasPrefix(to.String(), s.provider.Issuer()+"/") {
			t.Fatalf("logout sends to %q, not the provider's end_session", out.Header.Get("Location"))
		}
		q := to.Query()
		if q.Get("id_token_hint") == "" || q.Get("post_logout_redirect_uri") != s.URL+"/logged-out" || q.Get("client_id") != "parindex" {
			t.Errorf("end_session parameters %v", q)
		}
		// The local session has ended before the provider is reached: the
		// old cookie opens nothing, on pages or the API.
		gone := s.withCookie(t, old)
		if gone.loggedIn() {
			t.Error("the cookie still opens pages after logout")
		}
		gone.apiRefuses()

		// At the provider the single sign-on session ends and the browser
		// comes back to Đã đăng xuất.
		p := b.get(to.String())
		if p.Status != http.StatusOK || p.URL.Path != "/logged-out" {
			t.Fatalf("after the provider's logout: %d at %s\n%s", p.Status, p.URL, p.Body)
		}
		p.has(t, "Đã đăng xuất")
		if b.loggedIn() {
			t.Error("logged in after logout")
		}
		// Another browser's login (another provider session of the same
		// person) is untouched: the back-channel ended the sid, not the subject.
		if !other.loggedIn() {
			t.Error("logging out one browser ended another's session")
		}
	})
}

func TestBackChannelLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		ctx := context.Background()
		a1, a2 := s.login(t, s.Dept.Updater), s.login(t, s.Dept.Updater)
		c := s.login(t, s.Dept.Approver)

		// The provider ends the updater's single sign-on sessions and tells
		// parindex through the back channel: both their sessions end.
		if err := s.provider.EndSessionsOf(ctx, "sub-"+s.Dept.Updater.Email); err != nil {
			t.Fatalf("back-channel delivery: %v", err)
		}
		for _, b := range []*browser{a1, a2} {
			if b.loggedIn() {
				t.Error("a session survived the provider's logout")
			}
			b.apiRefuses()
		}
		if !c.loggedIn() {
			t.Fatal("another user's session ended")
		}

		post := func(token string) int {
			res, err := http.PostForm(s.URL+"/auth/backchannel-logout", url.Values{"logout_token": {token}})
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res.StatusCode
		}
		// A token signed by anyone but the provider: 400, nothing ends.
		forger, err := devprovider.New(devprovider.Config{Issuer: s.provider.Issuer(),
			Clients: []devprovider.Client{{ID: "parindex", Secret: "s3cret"}}, Accounts: accountsOf(s.World), Now: s.Clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		forged, err := forger.LogoutToken("parindex", "sub-"+s.Dept.Approver.Email, "")
		if err != nil {
			t.Fatal(err)
		}
		for name, tok := range map[string]string{"forged": forged, "garbage": "not-a-token", "empty": ""} {
			if got := post(tok); got != http.StatusBadRequest {
				t.Errorf("%s logout token: %d, want 400", name, got)
			}
		}
		if !c.loggedIn() {
			t.Fatal("a refused logout token ended a session")
		}
		// The provider's own token for the approver (by subject): 200, their
		// session ends; the same token again is a replay: 400.
		tok, err := s.provider.LogoutToken("parindex", "sub-"+s.Dept.Approver.Email, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := post(tok); got != http.StatusOK {
			t.Fatalf("the provider's logout token: %d", got)
		}
		if c.loggedIn() {
			t.Error("the approver's session survived their back-channel logout")
		}
		if got := post(tok); got != http.StatusBadRequest {
			t.Errorf("replayed logout token: %d, want 400", got)
		}
	})
}

func TestDeactivationEndsSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		adminToken := storetest.MustToken(t, s.Store, s.Admin)

		// By token (a tool): both of the updater's browsers are logged out
		// at their next request.
		u1, u2 := s.login(t, s.Dept.Updater), s.login(t, s.Dept.Updater)
		tool := s.newBrowser(t)
		p := tool.send(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/deactivate", s.Dept.Updater.ID), "", "Authorization", "Bearer "+adminToken)
		if p.Status != http.StatusOK {
			t.Fatalf("deactivate by token: %d\n%s", p.Status, p.Body)
		}
		// They cannot log in again while deactivated.
		x := s.newBrowser(t)
		if p := x.pick(x.get("/login"), s.Dept.Updater); p.Status != http.StatusUnauthorized {
			t.Errorf("a deactivated user logging in again: %d at %s", p.Status, p.URL)
		}
		x.apiRefuses()
		// The sessions were ended, not merely refused while the user is
		// inactive: activated again, the old cookies still open nothing.
		p = tool.send(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/activate", s.Dept.Updater.ID), "", "Authorization", "Bearer "+adminToken)
		if p.Status != http.StatusOK {
			t.Fatalf("activate: %d\n%s", p.Status, p.Body)
		}
		u1.apiRefuses()
		if u2.loggedIn() {
			t.Error("a session from before the deactivation opens pages again")
		}
		if p := u2.pick(u2.get("/"), s.Dept.Updater); p.Status != http.StatusOK {
			t.Errorf("login after activation: %d\n%s", p.Status, p.Body)
		}

		// By the admin's page session (the page's script).
		admin := s.login(t, s.Admin)
		v := s.login(t, s.Dept.Approver)
		if p := admin.call(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/deactivate", s.Dept.Approver.ID), ""); p.Status != http.StatusOK {
			t.Fatalf("deactivate by session: %d\n%s", p.Status, p.Body)
		}
		if v.loggedIn() {
			t.Error("the approver's session survived deactivation")
		}
		v.apiRefuses()
		if !admin.loggedIn() {
			t.Error("the admin was logged out")
		}
	})
}

func TestCrossSiteRequestsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		b := s.login(t, s.Dept.Updater)
		entry := fmt.Sprintf("/api/v1/reports/%d/entries/1.1.1", s.Dept.ReportID)
		before := s.Report(t, s.Dept)

		refused := func(name string, p *page) {
			t.Helper()
			if p.Status != http.StatusForbidden {
				t.Errorf("%s: %d, want 403\n%s", name, p.Status, p.Body)
			}
		}
		// Another site's page posting a logout form: refused, still logged in.
		refused("cross-site POST /logout", b.send(http.MethodPost, "/logout", "", evil...))
		refused("cross-origin POST /logout (Origin only)", b.send(http.MethodPost, "/logout", "", "Origin", "https://evil.example"))
		if !b.loggedIn() {
			t.Fatal("a cross-site POST /logout logged the person out")
		}
		// …or calling the API with the person's cookie.
		p := b.call(http.MethodPatch, entry, `{"self_score":0.5,"explanation":"giả mạo"}`, evil...)
		refused("cross-site PATCH entry", p)
		if !strings.HasPrefix(p.Header.Get("Content-Type"), "application/problem+json") || !strings.Contains(p.Body, "không xuất phát từ trang của hệ thống") {
			t.Errorf("cross-site PATCH answer: %s %s", p.Header.Get("Content-Type"), p.Body)
		}
		refused("cross-site PUT entry", b.call(http.MethodPut, entry, `{"self_score":0.5,"explanation":"giả mạo"}`, evil...))
		refused("cross-origin PATCH (Origin only)", b.call(http.MethodPatch, entry, `{"explanation":"giả mạo"}`, "Origin", "https://evil.example", "Sec-Fetch-Site", ""))
		refused("cross-site transition", b.call(http.MethodPost, fmt.Sprintf("/api/v1/reports/%d/transitions", s.Dept.ReportID), `{"event":"complete"}`, evil...))
		if after := s.Report(t, s.Dept); after.Version != before.Version || after.State != before.State {
			t.Fatalf("refused requests changed the report: version %d→%d, %s→%s", before.Version, after.Version, before.State, after.State)
		}
		// A same-site page's read is not a write: GET passes.
		if p := b.call(http.MethodGet, "/api/v1/me", "", evil...); p.Status != http.StatusOK {
			t.Errorf("cross-site GET /api/v1/me: %d", p.Status)
		}

		// The page's own script: accepted.
		if p := b.call(http.MethodPatch, entry, `{"self_score":0.5,"explanation":"Ban hành đúng hạn"}`); p.Status != http.StatusOK {
			t.Fatalf("same-origin PATCH: %d\n%s", p.Status, p.Body)
		}
		s.FillEntries(t, s.Dept)
		if p := b.call(http.MethodPost, fmt.Sprintf("/api/v1/reports/%d/transitions", s.Dept.ReportID), `{"event":"complete"}`); p.Status != http.StatusOK {
			t.Fatalf("same-origin transition: %d\n%s", p.Status, p.Body)
		}
		if s.Report(t, s.Dept).State == workflow.StateDraft {
			t.Fatal("the same-origin transition did not happen")
		}

		// A token is no login for pages: a page asked with one goes to the
		// login, as if nothing had been sent.
		tok := storetest.MustToken(t, s.Store, s.Dept2.Updater)
		tool := s.newBrowser(t)
		p = tool.send(http.MethodGet, "/", "", "Authorization", "Bearer "+tok)
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login?") {
			t.Errorf("a page with a bearer token: %d %q", p.Status, p.Header.Get("Location"))
		}
		// The API keeps taking tokens (tools), writes included.
		if p := tool.send(http.MethodGet, "/api/v1/me", "", "Authorization", "Bearer "+tok); p.Status != http.StatusOK {
			t.Errorf("the API with a token: %d\n%s", p.Status, p.Body)
		}
		if p := tool.send(http.MethodPatch, fmt.Sprintf("/api/v1/reports/%d/entries/1.1.1", s.Dept2.ReportID), `{"explanation":"Từ công cụ"}`,
			"Authorization", "Bearer "+tok, "Content-Type", "application/json"); p.Status != http.StatusOK {
			t.Errorf("an API write with a token: %d\n%s", p.Status, p.Body)
		}
		// A request with a token is the token's: a wrong token does not fall
		// back on the browser's cookie.
		if p := b.call(http.MethodGet, "/api/v1/me", "", "Authorization", "Bearer pxt_wrong"); p.Status != http.StatusUnauthorized {
			t.Errorf("a wrong token beside a live cookie: %d", p.Status)
		}
	})
}

// setCookies records the session cookies the server sets, by path.
type setCookies struct {
	next http.RoundTripper
	mu   sync.Mutex
	by   map[string][]*http.Cookie
}

func (r *setCookies) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := r.next.RoundTrip(req)
	if err == nil {
		for _, c := range res.Cookies() {
			if c.Name == web.CookieName {
				r.mu.Lock()
				r.by[req.URL.Path] = append(r.by[req.URL.Path], c)
				r.mu.Unlock()
			}
		}
	}
	return res, err
}

func TestSessionCookie(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		b := s.newBrowser(t)
		rec := &setCookies{next: http.DefaultTransport, by: map[string][]*http.Cookie{}}
		b.http.Transport = rec
		b.loginAs(s.Dept.Updater, "/")

		begun, done := rec.by["/login"], rec.by["/auth/callback"]
		if len(begun) != 1 || len(done) != 1 {
			t.Fatalf("cookies set: %v", rec.by)
		}
		for _, c := range []*http.Cookie{begun[0], done[0]} {
			// Plain HTTP on 127.0.0.1 (the demo): not Secure, or it would
			// never come back.
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.MaxAge != 0 || !c.Expires.IsZero() {
				t.Errorf("session cookie %s", c)
			}
		}
		// Session fixation: the login renews the token.
		if begun[0].Value == done[0].Value {
			t.Error("the session token did not change at login")
		}

		// A token planted before login (the attacker's own, from /login) is
		// worth nothing after the victim logs in with it.
		attacker := s.newBrowser(t)
		attacker.get("/login")
		planted := attacker.cookie()
		if planted == "" {
			t.Fatal("no cookie after /login")
		}
		victim := s.withCookie(t, planted)
		if p := victim.loginAs(s.Dept.Approver, "/"); p.Status != http.StatusOK {
			t.Fatal(p)
		}
		if victim.cookie() == planted {
			t.Error("the planted token was kept at login")
		}
		if attacker.loggedIn() {
			t.Error("the attacker's planted session is logged in as the victim")
		}
		attacker.apiRefuses()

		// Behind HTTPS (any real address), the cookie is Secure.
		secure := newSite(t, dialect, func(c *siteConfig) { c.session.BaseURL = "https://parindex.example.gov.vn" })
		p := secure.newBrowser(t).send(http.MethodGet, "/login", "", "Sec-Fetch-Site", "none")
		var found bool
		for _, c := range (&http.Response{Header: p.Header}).Cookies() {
			if c.Name == web.CookieName {
				found = true
				if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
					t.Errorf("session cookie behind HTTPS: %s", c)
				}
			}
		}
		if !found {
			t.Errorf("/login set no session cookie: %v", p.Header)
		}
	})
}
