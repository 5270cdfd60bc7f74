package oidc_test

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"parindex/internal/testkit"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"parindex/oidc"
	"parindex/oidc/devprovider"
)

// clock is a moving test clock.
var demoAccounts = []devprovider.Account{
	{Subject: "u-updater", Name: "Nguyễn Văn An", Email: "an.nv@stp.example.gov.vn", Username: "an.nv", Role: "Người cập nhật", Agency: "Sở Tư pháp"},
	{Subject: "u-approver", Name: "Trần Thị <script>Bình</script>", Email: "binh.tt@stp.example.gov.vn", Username: "binh.tt", Role: "Người duyệt", Agency: "Sở Tư pháp"},
}

// devSetup is a development provider and a relying party registered with
// it, on two real HTTP servers; the RP's server takes back-channel logouts
// and records the (sid, sub) it verified.
type devSetup struct {
	provider *devprovider.Provider
	rp       *oidc.RP
	clock    *testkit.Clock
	rpURL    string

	mu      sync.Mutex
	loggedO [][2]string // (sid, sub) of verified back-channel logouts
	refused int
}

func newDevSetup(t *testing.T) *devSetup {
	t.Helper()
	s := &devSetup{clock: testkit.NewClock(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC))}
	var providerHandler http.Handler
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { providerHandler.ServeHTTP(w, r) }))
	t.Cleanup(idp.Close)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/auth/backchannel-logout" {
			http.NotFound(w, r)
			return
		}
		sid, sub, err := s.rp.VerifyBackChannelLogout(r.Context(), r.PostFormValue("logout_token"))
		s.mu.Lock()
		defer s.mu.Unlock()
		if err != nil {
			s.refused++
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.loggedO = append(s.loggedO, [2]string{sid, sub})
	}))
	t.Cleanup(app.Close)
	s.rpURL = app.URL
	p, err := devprovider.New(devprovider.Config{
		Issuer: idp.URL + "/dev-sso",
		Clients: []devprovider.Client{{
			ID: "parindex", Secret: "s3cret",
			RedirectURIs:           []string{app.URL + "/auth/callback"},
			PostLogoutRedirectURIs: []string{app.URL + "/"},
			BackChannelLogoutURI:   app.URL + "/auth/backchannel-logout",
		}},
		Accounts: demoAccounts,
		Now:      s.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	providerHandler, s.provider = p, p
	s.rp, err = oidc.New(context.Background(), oidc.Config{
		Issuer: p.Issuer(), ClientID: "parindex", ClientSecret: "s3cret",
		RedirectURL: app.URL + "/auth/callback", Now: s.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
var formAction = regexp.MustCompile(`<form method="post" action="([^"]+)">`)

// pickAccount plays the browser at the development provider: it opens the
// authorization URL, reads the page's form, picks subject and returns the
// callback URL the provider redirects to.
func pickAccount(t *testing.T, authURL, subject string) *url.URL {
	t.Helper()
	return pickAccountWith(t, noRedirect, authURL, subject)
}

func pickAccountWith(t *testing.T, browser *http.Client, authURL, subject string) *url.URL {
	t.Helper()
	res, err := browser.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("authorize page: %s: %s", res.Status, page)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("authorize page CSP = %q", csp)
	}
	action := formAction.FindStringSubmatch(page)
	if action == nil {
		t.Fatalf("no form in the page:\n%s", page)
	}
	form := url.Values{"account": {subject}}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	base, _ := url.Parse(authURL)
	target, _ := base.Parse(html.UnescapeString(action[1]))
	res, err = browser.PostForm(target.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("pick %s: %s", subject, res.Status)
	}
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return back
}

func TestLoginThroughTheDevelopmentProvider(t *testing.T) {
	s := newDevSetup(t)
	authURL, state := s.rp.Begin("/reports/7?tab=history")
	u, _ := url.Parse(authURL)
	q := u.Query()
	if q.Get("state") != state || q.Get("nonce") == "" || q.Get("code_challenge") == "" ||
		q.Get("code_challenge_method") != "S256" || q.Get("client_id") != "parindex" ||
		!strings.Contains(q.Get("scope"), "openid") {
		t.Fatalf("authorization URL lacks state, nonce or PKCE: %s", authURL)
	}
	if q.Has("code_verifier") {
		t.Fatal("the verifier leaked into the authorization URL")
	}

	// The page lists every account, names shown as text.
	res, err := http.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{"Nguyễn Văn An", "Người cập nhật", "Sở Tư pháp", "an.nv@stp.example.gov.vn", "&lt;script&gt;Bình", `lang="vi"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the authorize page lacks %q", want)
		}
	}
	if strings.Contains(string(body), "<script>") {
		t.Error("an account name was written as markup")
	}

	back := pickAccount(t, authURL, "u-updater")
	if got := back.Scheme + "://" + back.Host + back.Path; got != s.rpURL+"/auth/callback" {
		t.Fatalf("redirected to %s", back)
	}
	if back.Query().Get("state") != state {
		t.Fatalf("state came back as %q, sent %q", back.Query().Get("state"), state)
	}
	id, returnTo, err := s.rp.Finish(context.Background(), back.Query().Get("state"), back.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if returnTo != "/reports/7?tab=history" {
		t.Errorf("returnTo = %q", returnTo)
	}
	if id.Issuer != s.provider.Issuer() || id.Subject != "u-updater" || id.Email != "an.nv@stp.example.gov.vn" ||
		!id.EmailVerified || id.Username != "an.nv" || id.Name != "Nguyễn Văn An" || id.SID == "" ||
		id.RawIDToken == "" || !id.Expiry.Equal(s.clock.Now().Add(5*time.Minute)) {
		t.Fatalf("identity = %+v", id)
	}

	// The state was used: the same callback again is refused, and so is
	// the code (used once at the provider).
	if _, _, err := s.rp.Finish(context.Background(), state, back.Query().Get("code")); !errors.Is(err, oidc.ErrAttempt) {
		t.Fatalf("replayed state: %v", err)
	}
}

func TestSeveralTabsLogInAtOnce(t *testing.T) {
	s := newDevSetup(t)
	url1, state1 := s.rp.Begin("/one")
	url2, state2 := s.rp.Begin("/two")
	if state1 == state2 {
		t.Fatal("two attempts share a state")
	}
	back2 := pickAccount(t, url2, "u-approver")
	back1 := pickAccount(t, url1, "u-updater")
	id2, ret2, err := s.rp.Finish(context.Background(), state2, back2.Query().Get("code"))
	if err != nil || id2.Subject != "u-approver" || ret2 != "/two" {
		t.Fatalf("second tab: %+v %q %v", id2, ret2, err)
	}
	id1, ret1, err := s.rp.Finish(context.Background(), state1, back1.Query().Get("code"))
	if err != nil || id1.Subject != "u-updater" || ret1 != "/one" {
		t.Fatalf("first tab: %+v %q %v", id1, ret1, err)
	}
}

func TestRefusedAttempts(t *testing.T) {
	ctx := context.Background()

	t.Run("unknown state", func(t *testing.T) {
		s := newDevSetup(t)
		authURL, _ := s.rp.Begin("/")
		back := pickAccount(t, authURL, "u-updater")
		if _, _, err := s.rp.Finish(ctx, "not-a-state", back.Query().Get("code")); !errors.Is(err, oidc.ErrAttempt) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("expired attempt", func(t *testing.T) {
		s := newDevSetup(t)
		authURL, state := s.rp.Begin("/")
		back := pickAccount(t, authURL, "u-updater")
		s.clock.Add(11 * time.Minute)
		if _, _, err := s.rp.Finish(ctx, state, back.Query().Get("code")); !errors.Is(err, oidc.ErrAttempt) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("code of another attempt", func(t *testing.T) {
		s := newDevSetup(t)
		// The code was issued for attempt 1's PKCE challenge: attempt 2's
		// verifier does not match it.
		url1, _ := s.rp.Begin("/")
		_, state2 := s.rp.Begin("/")
		back := pickAccount(t, url1, "u-updater")
		if _, _, err := s.rp.Finish(ctx, state2, back.Query().Get("code")); !errors.Is(err, oidc.ErrRejected) ||
			!strings.Contains(err.Error(), "PKCE") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("cancelled at the provider", func(t *testing.T) {
		s := newDevSetup(t)
		authURL, state := s.rp.Begin("/x")
		u, _ := url.Parse(authURL)
		form := u.Query()
		form.Set("cancel", "1")
		res, err := noRedirect.PostForm(u.Scheme+"://"+u.Host+u.Path, form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		back, _ := url.Parse(res.Header.Get("Location"))
		if back.Query().Get("error") != "access_denied" || back.Query().Get("state") != state {
			t.Fatalf("cancel redirected to %s", back)
		}
		if got := s.rp.Cancel(state); got != "/x" {
			t.Fatalf("Cancel = %q", got)
		}
		if _, _, err := s.rp.Finish(ctx, state, "x"); !errors.Is(err, oidc.ErrAttempt) {
			t.Fatalf("a cancelled attempt finished: %v", err)
		}
	})
}

func TestOpenRedirectRefusedAtLogin(t *testing.T) {
	s := newDevSetup(t)
	for _, evil := range []string{"//evil.example/x", "https://evil.example/", `/\evil.example`, "javascript:alert(1)"} {
		authURL, state := s.rp.Begin(evil)
		back := pickAccount(t, authURL, "u-updater")
		_, returnTo, err := s.rp.Finish(context.Background(), state, back.Query().Get("code"))
		if err != nil {
			t.Fatal(err)
		}
		if returnTo != "/" {
			t.Errorf("Begin(%q) returns to %q", evil, returnTo)
		}
	}
}

func TestLogoutAtTheDevelopmentProvider(t *testing.T) {
	s := newDevSetup(t)
	authURL, state := s.rp.Begin("/")
	back := pickAccount(t, authURL, "u-updater")
	id, _, err := s.rp.Finish(context.Background(), state, back.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}

	logout := s.rp.LogoutURL(id.RawIDToken, s.rpURL+"/")
	u, err := url.Parse(logout)
	if err != nil || !strings.HasPrefix(logout, s.provider.Issuer()+"/end_session?") {
		t.Fatalf("logout URL %q", logout)
	}
	if q := u.Query(); q.Get("id_token_hint") != id.RawIDToken || q.Get("post_logout_redirect_uri") != s.rpURL+"/" || q.Get("client_id") != "parindex" {
		t.Fatalf("logout URL query %v", q)
	}
	res, err := noRedirect.Get(logout)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != s.rpURL+"/" {
		t.Fatalf("end_session: %s to %q", res.Status, res.Header.Get("Location"))
	}
	// The provider told the RP, on the back channel, before redirecting.
	s.mu.Lock()
	got, refused := s.loggedO, s.refused
	s.mu.Unlock()
	if len(got) != 1 || got[0] != [2]string{id.SID, "u-updater"} || refused != 0 {
		t.Fatalf("back-channel logouts %v (refused %d), want sid %s", got, refused, id.SID)
	}

	// An unregistered post-logout redirect is refused by the provider.
	res, err = noRedirect.Get(s.rp.LogoutURL(id.RawIDToken, "https://evil.example/"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("unregistered post_logout_redirect_uri: %s", res.Status)
	}
}

func TestBackChannelLogoutFromTheDevelopmentProvider(t *testing.T) {
	s := newDevSetup(t)
	var ids []oidc.Identity
	for range 2 {
		authURL, state := s.rp.Begin("/")
		back := pickAccount(t, authURL, "u-approver")
		id, _, err := s.rp.Finish(context.Background(), state, back.Query().Get("code"))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := s.provider.EndSessionsOf(context.Background(), "u-approver"); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.loggedO) != 2 {
		t.Fatalf("back-channel logouts %v", s.loggedO)
	}
	seen := map[string]bool{}
	for _, l := range s.loggedO {
		seen[l[0]] = l[1] == "u-approver"
	}
	if !seen[ids[0].SID] || !seen[ids[1].SID] {
		t.Fatalf("logouts %v do not name sessions %s and %s", s.loggedO, ids[0].SID, ids[1].SID)
	}
}

func TestDemoWiringInProcess(t *testing.T) {
	// The demo builds its relying party before its server listens: the
	// provider's in-process client carries discovery, keys and tokens.
	// Nothing listens on port 1.
	p, err := devprovider.New(devprovider.Config{
		Issuer:   "http://127.0.0.1:1/dev-sso",
		Clients:  []devprovider.Client{{ID: "parindex", Secret: "s", RedirectURIs: []string{"http://127.0.0.1:1/auth/callback"}}},
		Accounts: demoAccounts,
	})
	if err != nil {
		t.Fatal(err)
	}
	rp, err := oidc.New(context.Background(), oidc.Config{Issuer: p.Issuer(), ClientID: "parindex", ClientSecret: "s",
		RedirectURL: "http://127.0.0.1:1/auth/callback", HTTPClient: p.Client()})
	if err != nil {
		t.Fatal(err)
	}
	browser := &http.Client{Transport: p.Client().Transport, CheckRedirect: noRedirect.CheckRedirect}
	authURL, state := rp.Begin("/")
	back := pickAccountWith(t, browser, authURL, "u-updater")
	id, _, err := rp.Finish(context.Background(), state, back.Query().Get("code"))
	if err != nil || id.Subject != "u-updater" {
		t.Fatalf("%+v %v", id, err)
	}
	if _, err := p.Client().Get("http://127.0.0.1:2/elsewhere"); err == nil {
		t.Fatal("the in-process client reached another host")
	}
}
