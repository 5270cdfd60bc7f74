package web_test

import (
	"net/http"
	"strings"
	"testing"

	"parindex/store/storetest"
)

// TestLoginReachesHome: a person opens the site, is sent to the provider,
// picks their account and lands on Việc của tôi with their name, on both
// stores.
func TestLoginReachesHome(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		b := s.newBrowser(t)
		p := b.loginAs(s.Dept.Updater, "/")
		if p.URL.Path != "/" {
			t.Fatalf("after login at %s, want /", p.URL)
		}
		p.has(t, "Việc của tôi", s.Dept.Updater.Name, "Đăng xuất")
		if csp := p.Header.Get("Content-Security-Policy"); csp == "" {
			t.Error("no Content-Security-Policy on a page")
		}
		if p := b.call(http.MethodGet, "/api/v1/me", ""); p.Status != http.StatusOK {
			t.Errorf("the API with the session cookie: %s %s", p, p.Body)
		}
	})
}

// TestLoginBeginsAtTheBaseURL: a login begun at another name of the host
// (127.0.0.1 for localhost) moves to the base URL first, where the
// provider will send the browser back, so that the attempt's cookie is
// there at the callback.
func TestLoginBeginsAtTheBaseURL(t *testing.T) {
	s := newSite(t, "sqlite")
	b := s.newBrowser(t)
	b.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	other := strings.Replace(s.URL, "127.0.0.1", "localhost", 1)
	res, err := b.http.Get(other + "/login?next=%2Freports%2F1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got, want := res.Header.Get("Location"), s.URL+"/login?next=%2Freports%2F1"; res.StatusCode != http.StatusFound || got != want {
		t.Errorf("login at %s: %d to %q, want 302 to %q", other, res.StatusCode, got, want)
	}
}
