package main

import (
	"strings"
	"testing"

	"parindex/internal/browser"
	"parindex/store/storetest"
)

// TestDemoInTheBrowser is make run as a newcomer meets it: serve --demo,
// a browser at its address, the development provider's page listing the
// demo's people; the updater of Sở Tư pháp picks their account and finds
// the report with its forms, the council its board of 19 agencies, the
// administrator the administration, each through the same login code as
// production.
func TestDemoInTheBrowser(t *testing.T) {
	browser.Available(t)
	m, _ := serve(t, nil, nil, "--addr", "127.0.0.1:0", "--db", storetest.URL(t, "sqlite"), "--demo")
	login := func(email string) *browser.Tab {
		t.Helper()
		tab := browser.Shared(t).NewTab(t, m.URL())
		tab.Go("/")
		tab.WaitPath("/dev-sso/authorize")
		tab.WaitText("main", "Chuyên viên Sở Tư pháp")
		tab.Click(`button[name="account"][value="demo-` + email + `"]`)
		tab.WaitFor(`location.pathname === "/" && document.readyState === "complete"`)
		return tab
	}

	u := login(demoEmail("updater", "STP"))
	u.WaitText("header .name", "Chuyên viên Sở Tư pháp")
	u.WaitText("main", "Sở Tư pháp")
	u.Click(`main a[href^="/reports/"]`)
	u.WaitText("main h1", "Sở Tư pháp")
	if !u.Has(`input[name="self_score"]`) || !u.Has(`form[data-upload]`) {
		t.Error("the demo's updater finds no score or upload form on their report")
	}
	u.CheckLabels()

	c := login(demoCouncil)
	c.Go("/council")
	c.Click(`main a[href^="/council/campaigns/"]`)
	c.WaitText("main", "UBND huyện A Lưới")
	if got := c.Text("main"); !strings.Contains(got, "Sở Tư pháp") || !strings.Contains(got, "(demo)") {
		t.Errorf("the council's board lacks the demo's agencies or campaign:\n%.400s", got)
	}

	a := login(demoAdmin)
	a.Go("/admin")
	a.WaitText("main", "Người dùng")
	a.Go("/admin/users?q=stp")
	a.WaitText("main", "updater.stp@demo.example.vn")
}
