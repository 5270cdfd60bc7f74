package web_test

import (
	"fmt"
	"strings"
	"testing"

	chrome "parindex/internal/browser"
	"parindex/workflow"
)

// person is someone at the shared browser, logged in to the site through
// the development provider's page, as in the demo.
func (s *site) person(t *testing.T, u *workflow.User) *chrome.Tab {
	t.Helper()
	tab := chrome.Shared(t).NewTab(t, s.URL)
	tab.Go("/")
	tab.WaitPath("/dev-sso/authorize")
	tab.CheckLabels()
	if u == s.Dept.Updater {
		tab.Shot("dang-nhap-chon-tai-khoan")
	}
	tab.Click(fmt.Sprintf(`button[name="account"][value="sub-%s"]`, u.Email))
	tab.WaitFor(`location.pathname === "/" && document.readyState === "complete"`)
	return tab
}

// TestBrowserLogin: in Chromium, the updater opens the site, picks their
// account at the provider and reaches Việc của tôi; logging out ends the
// session, and the site asks for a login again.
func TestBrowserLogin(t *testing.T) {
	s := newSite(t, "sqlite")
	tab := s.person(t, s.Dept.Updater)
	tab.WaitText("main h1", "Việc của tôi")
	if got := tab.Text("header .name"); got != s.Dept.Updater.Name {
		t.Errorf("header names %q, want %q", got, s.Dept.Updater.Name)
	}
	tab.CheckLabels()
	tab.Shot("dang-nhap-viec-cua-toi")
	tab.Click(`form[action="/logout"] button`)
	tab.WaitPath("/logged-out")
	tab.WaitText("main h1", "Bạn đã đăng xuất")
	tab.Shot("dang-xuat")
	// A callback this browser did not begin: the page says why and offers
	// to log in again.
	tab.Go("/auth/callback?state=khong-co&code=x")
	tab.WaitText("main h1", "Không đăng nhập được")
	tab.WaitText("main [role=alert]", "Lượt đăng nhập này không còn hiệu lực")
	tab.Shot("dang-nhap-khong-duoc")
	// Chromium logs the page's own 401 as a console error: that one, and
	// nothing else.
	for _, p := range tab.TakeConsole() {
		if !strings.Contains(p, "status of 401") {
			t.Errorf("browser console: %s", p)
		}
	}
	tab.Go("/reports/999999")
	tab.WaitPath("/dev-sso/authorize")
	tab.Go("/")
	tab.WaitPath("/dev-sso/authorize")
}
