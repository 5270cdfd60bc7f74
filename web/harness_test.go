package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"parindex/evidence"
	"parindex/handlers"
	"parindex/internal/testkit"
	"parindex/oidc"
	"parindex/oidc/devprovider"
	"parindex/session"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/web"
	"parindex/workflow"
)

// zone is the province's zone, as the service is configured in production.
var zone = testkit.Zone(workflow.DefaultZone)

// start is where every test's clock begins: inside the world's window.
var start = time.Date(2026, 11, 20, 10, 0, 0, 0, zone)

// site is the whole service over a world (storetest.World): the API and the
// pages behind one real HTTP server on 127.0.0.1, logging in through a
// development provider served by the same server at /dev-sso, as with --demo.
type site struct {
	*storetest.World
	URL      string
	srv      *httptest.Server
	pages    *web.Server
	api      *handlers.Server
	sessions *session.Manager
	provider *devprovider.Provider
	bucket   *evidence.Bucket
}

// siteOption adjusts a site before it starts.
type siteOption func(*siteConfig)

type siteConfig struct {
	web      web.Config
	provider devprovider.Config
	handlers handlers.Config
	session  session.Config
}

// newSite builds a world on a fresh database of the dialect and serves it.
func newSite(t testing.TB, dialect string, opts ...siteOption) *site {
	t.Helper()
	clock := storetest.NewClock(start)
	return newSiteOn(t, storetest.NewWorld(t, storetest.Open(t, dialect, clock), clock), opts...)
}

// newSiteOn serves an existing world.
func newSiteOn(t testing.TB, w *storetest.World, opts ...siteOption) *site {
	t.Helper()
	s := &site{World: w}
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.URL = "http://" + l.Addr().String()
	s.bucket, err = evidence.Open(ctx, "file://"+filepath.ToSlash(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.bucket.Close() })

	var c siteConfig
	c.session = session.Config{BaseURL: s.URL, CookieName: web.CookieName, Now: w.Clock.Now, CleanupInterval: -1}
	c.provider = devprovider.Config{
		Issuer: s.URL + "/dev-sso",
		Clients: []devprovider.Client{{ID: "parindex", Secret: "s3cret",
			RedirectURIs:           []string{s.URL + "/auth/callback"},
			PostLogoutRedirectURIs: []string{s.URL + "/logged-out"},
			BackChannelLogoutURI:   s.URL + "/auth/backchannel-logout"}},
		Accounts: accountsOf(w),
		Now:      w.Clock.Now,
	}
	for _, o := range opts {
		o(&c)
	}
	s.sessions, err = session.New(w.Store.DB().DB, w.Store.Dialect(), c.session)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.sessions.Close)
	s.provider, err = devprovider.New(c.provider)
	if err != nil {
		t.Fatal(err)
	}
	rp, err := oidc.New(ctx, oidc.Config{Issuer: s.provider.Issuer(), ClientID: "parindex", ClientSecret: "s3cret",
		RedirectURL: s.URL + "/auth/callback", Now: w.Clock.Now, HTTPClient: s.provider.Client()})
	if err != nil {
		t.Fatal(err)
	}
	wc := c.web
	wc.Store, wc.Sessions, wc.DevProvider = w.Store, s.sessions, s.provider
	if wc.RP == nil { // an option may log in through another provider
		wc.RP = rp
	}
	wc.Log, wc.Zone, wc.BaseURL, wc.Now = zerolog.Nop(), zone, s.URL, w.Clock.Now
	if wc.Province == "" {
		wc.Province = "Tỉnh Thừa Thiên Huế"
	}
	s.pages, err = web.New(wc)
	if err != nil {
		t.Fatal(err)
	}
	hc := c.handlers
	hc.Store, hc.Log, hc.Zone, hc.Bucket, hc.Pages, hc.Sessions = w.Store, zerolog.Nop(), zone, s.bucket, s.pages, s.pages
	if hc.Province == "" {
		hc.Province = "Tỉnh Thừa Thiên Huế"
	}
	s.api, err = handlers.New(hc)
	if err != nil {
		t.Fatal(err)
	}
	s.srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: s.api}}
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

// accountsOf lists the world's people at the development provider; the
// subject is "sub-" and the email.
func accountsOf(w *storetest.World) []devprovider.Account {
	var out []devprovider.Account
	add := func(u *workflow.User, role, agency string) {
		out = append(out, devprovider.Account{Subject: "sub-" + u.Email, Name: u.Name, Email: u.Email, Username: u.Email, Role: role, Agency: agency})
	}
	add(w.Admin, "Quản trị viên", "Sở Nội vụ")
	add(w.Council, "Hội đồng thẩm định", "Tỉnh")
	for _, a := range []*storetest.Agency{w.Dept, w.Dept2, w.District} {
		add(a.Updater, "Cán bộ cập nhật", a.Name)
		add(a.Approver, "Lãnh đạo phê duyệt", a.Name)
	}
	return out
}

// browser is a person's HTTP client with a cookie jar: it follows
// redirects as a browser does and sends what a browser sends (Origin and
// Sec-Fetch-Site on the pages' own requests).
type browser struct {
	t    testing.TB
	site *site
	http *http.Client
}

// newBrowser is a browser with an empty cookie jar (nobody logged in).
func (s *site) newBrowser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, site: s, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// login logs u in through the development provider, as a person picking
// their account on its page, and returns their browser at next.
func (s *site) login(t testing.TB, u *workflow.User) *browser {
	t.Helper()
	b := s.newBrowser(t)
	b.loginAs(u, "/")
	return b
}

var (
	pickForm    = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
)

// loginAs goes to /login?next=next, picks u at the provider and follows the
// way back; it returns the final page.
func (b *browser) loginAs(u *workflow.User, next string) *page {
	b.t.Helper()
	p := b.get("/login?next=" + url.QueryEscape(next))
	if !strings.Contains(p.URL.Path, "/dev-sso/authorize") {
		b.t.Fatalf("login: landed on %s (%d), not the provider's page:\n%s", p.URL, p.Status, p.Body)
	}
	action := pickForm.FindStringSubmatch(p.Body)
	if action == nil {
		b.t.Fatalf("login: no form on the provider's page:\n%s", p.Body)
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
	back := b.read(res)
	if back.Status != http.StatusOK {
		b.t.Fatalf("login as %s: %s ended %d:\n%s", u.Email, back.URL, back.Status, back.Body)
	}
	return back
}

// page is an answer as a browser ends up with it.
type page struct {
	Status int
	URL    *url.URL // after redirects
	Header http.Header
	Body   string
}

func (b *browser) read(res *http.Response) *page {
	b.t.Helper()
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return &page{Status: res.StatusCode, URL: res.Request.URL, Header: res.Header, Body: string(body)}
}

// get opens a path (or a full URL) the way a person following a link does.
func (b *browser) get(path string) *page {
	b.t.Helper()
	target := path
	if strings.HasPrefix(path, "/") {
		target = b.site.URL + path
	}
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Sec-Fetch-Site", "none")
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.read(res)
}

// open is get that fails the test unless the page answers 200.
func (b *browser) open(path string) *page {
	b.t.Helper()
	p := b.get(path)
	if p.Status != http.StatusOK {
		b.t.Fatalf("GET %s: %d\n%s", path, p.Status, p.Body)
	}
	return p
}

// call is the page's script calling the API with the session cookie, as the
// page's own origin (body JSON, or nil); header pairs are added.
func (b *browser) call(method, path string, body string, header ...string) *page {
	b.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, b.site.URL+path, r)
	if err != nil {
		b.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Origin", b.site.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.read(res)
}

// has fails the test unless the page holds every text (HTML as sent).
func (p *page) has(t testing.TB, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(p.Body, s) {
			t.Errorf("%s lacks %q", p.URL.Path, s)
		}
	}
}

// lacks fails the test if the page holds any of the texts.
func (p *page) lacks(t testing.TB, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(p.Body, s) {
			t.Errorf("%s holds %q", p.URL.Path, s)
		}
	}
}

func (p *page) String() string { return fmt.Sprintf("%d %s", p.Status, p.URL) }

// storeCtx is a background context for store calls in tests.
var storeCtx = context.Background()

var _ = store.Meta{}
