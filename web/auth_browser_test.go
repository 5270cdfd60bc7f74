package web_test

import (
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	chrome "parindex/internal/browser"
)

// evilPage is another site's page that, once opened, posts a form to the
// site with whatever cookies the browser chooses to send.
var evilPage = template.Must(template.New("evil").Parse(`<!doctype html>
<html><head><title>Trang khác</title></head><body>
<form id="f" method="post" action="{{.Action}}"{{if .Plain}} enctype="text/plain"{{end}}>
{{if .Plain}}<input type="hidden" name='{"event":"complete","x":"' value='"}'>{{end}}
</form>
<script>document.getElementById("f").submit()</script>
</body></html>`))

// TestBrowserCrossSite: in Chromium, a deep link survives the login, and
// another site's pages posting to /logout and to the API (a JSON body
// smuggled in a text/plain form) with the person's browser change nothing:
// the session stays and the report stays in draft.
func TestBrowserCrossSite(t *testing.T) {
	s := newSite(t, "sqlite")
	s.FillEntries(t, s.Dept)

	tab := chrome.Shared(t).NewTab(t, s.URL)
	tab.Go("/?trang=2")
	tab.WaitPath("/dev-sso/authorize")
	tab.Click(fmt.Sprintf(`button[name="account"][value="sub-%s"]`, s.Dept.Updater.Email))
	tab.WaitPath("/?trang=2")
	tab.WaitText("main h1", "Việc của tôi")

	// The other site: localhost is another site than 127.0.0.1.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	evil := &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data := map[string]any{"Action": s.URL + "/logout"}
		if r.URL.Path == "/api" {
			data = map[string]any{"Action": fmt.Sprintf("%s/api/v1/reports/%d/transitions", s.URL, s.Dept.ReportID), "Plain": true}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		evilPage.Execute(w, data)
	})}}
	evil.Start()
	t.Cleanup(evil.Close)
	evilURL := fmt.Sprintf("http://localhost:%d", l.Addr().(*net.TCPAddr).Port)

	for _, c := range []struct{ path, refused string }{
		// Cross-site POST: the cookie (SameSite=Lax) stays home, and the
		// cross-origin check refuses the request anyway.
		{"/logout", "status of 403 (Forbidden) (" + s.URL + "/logout"},
		// No cookie sent, no token: the API does not know who asks.
		{"/api", "status of 401 (Unauthorized) (" + s.URL + "/api/v1/reports/"},
	} {
		tab.Go(evilURL + c.path)
		tab.WaitFor(fmt.Sprintf(`location.href.startsWith(%q)`, s.URL))
		var seen bool
		for _, p := range tab.TakeConsole() {
			switch {
			case strings.Contains(p, c.refused):
				seen = true
			case strings.Contains(p, "/favicon.ico"): // a JSON answer's tab asks for an icon
			default:
				t.Errorf("browser console: %s", p)
			}
		}
		if !seen {
			t.Errorf("%s: the browser did not show the refusal %q", c.path, c.refused)
		}
		tab.Go("/")
		tab.WaitPath("/")
		tab.WaitText("main h1", "Việc của tôi")
	}
	for _, p := range tab.TakeConsole() {
		if !strings.Contains(p, "/favicon.ico") {
			t.Errorf("browser console: %s", p)
		}
	}
	if st := s.Report(t, s.Dept).State; st != "draft" {
		t.Fatalf("another site's form moved the report to %s", st)
	}
}
