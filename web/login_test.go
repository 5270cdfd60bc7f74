package web_test

import (
	"net/http"
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
