package handlers_test

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"parindex/handlers"
	"parindex/internal/testkit"
	"parindex/metrics"
	"parindex/store/storetest"
)

// serverRequestID is the form of the server's own request ids:
// host/ten base62 characters-counter, as chi's middleware makes them.
var serverRequestID = regexp.MustCompile(`^[^\s/]+/[0-9A-Za-z]{10}-\d{6,}$`)

// requestLine is the request log line whose key holds value. That line is
// written as the handler returns, which may be just after the client has the
// answer: it is waited for, for at most ten seconds.
func requestLine(t *testing.T, log *testkit.SyncBuffer, key, value string) map[string]any {
	t.Helper()
	var m map[string]any
	log.WaitLine(t, 10*time.Second, fmt.Sprintf("with %s=%q", key, value), func(line string) bool {
		m = nil
		return json.Unmarshal([]byte(line), &m) == nil && m[key] == value && m["message"] == "request"
	})
	return m
}

// TestHeadersOnEveryAnswer: nosniff on every answer; no-store on everything
// under /api/v1, problems and downloads included.
func TestHeadersOnEveryAnswer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
		evidenceID := e.addEvidence(t, a, "1.1.1")
		for _, tc := range []struct {
			r       req
			status  int
			noStore bool
		}{
			{req{method: "GET", path: "/healthz"}, 200, false},
			{req{method: "HEAD", path: "/readyz"}, 200, false},
			{req{method: "GET", path: "/api/openapi.yaml"}, 200, false},
			{req{method: "GET", path: "/metrics"}, 200, false},
			{req{method: "GET", path: "/nothing-here"}, 404, false},
			{req{method: "POST", path: "/healthz"}, 405, false},
			{req{method: "GET", path: "/api/v1/me", as: "updater"}, 200, true},
			{req{method: "GET", path: "/api/v1/me"}, 401, true},
			{req{method: "GET", path: "/api/v1/nothing-here", as: "admin"}, 404, true},
			{req{method: "DELETE", path: "/api/v1/agencies", as: "admin"}, 405, true},
			{req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d", a.ReportID), as: "updater"}, 200, true},
			{req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d", a.ReportID), as: "other-updater"}, 404, true},
			{req{method: "GET", path: fmt.Sprintf("/api/v1/evidence/%d", evidenceID), as: "updater"}, 200, true},
			{req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d/summary.xlsx", a.ReportID), as: "updater"}, 200, true},
		} {
			res := e.do(t, tc.status, tc.r)
			if got := res.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s %s: X-Content-Type-Options %q", tc.r.method, tc.r.path, got)
			}
			if got := res.header.Get("Cache-Control"); tc.noStore && got != "no-store" {
				t.Errorf("%s %s: Cache-Control %q, want no-store", tc.r.method, tc.r.path, got)
			}
			if res.header.Get("X-Request-Id") == "" {
				t.Errorf("%s %s: no X-Request-Id", tc.r.method, tc.r.path)
			}
		}
	})
}

// TestMethodNotAllowed: 405 names the route's methods in Allow and has its
// own problem type; under /api/v1 a missing token is still 401 first.
func TestMethodNotAllowed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		for _, tc := range []struct {
			r     req
			allow string
		}{
			{req{method: "DELETE", path: "/api/v1/agencies", as: "admin"}, "GET, POST"},
			{req{method: "PATCH", path: "/api/v1/reports/1", as: "updater"}, "GET"},
			{req{method: "POST", path: "/api/v1/evidence/7", as: "updater"}, "GET, DELETE"},
			{req{method: "PROPFIND", path: "/api/v1/agencies", as: "admin"}, "GET, POST"},
			{req{method: "DELETE", path: "/api/v1/criteria-sets/1", as: "updater"}, "GET, PUT"},
			{req{method: "POST", path: "/healthz"}, "GET, HEAD"},
			{req{method: "DELETE", path: "/readyz"}, "GET, HEAD"},
			{req{method: "POST", path: "/api/openapi.yaml"}, "GET"},
			{req{method: "PROPFIND", path: "/healthz"}, "GET, HEAD"},
		} {
			res := e.do(t, 405, tc.r)
			p := wantProblem(t, res, 405)
			if p.Type != "urn:parindex:problem:method_not_allowed" {
				t.Errorf("%s %s: type %q", tc.r.method, tc.r.path, p.Type)
			}
			if got := res.header.Get("Allow"); got != tc.allow {
				t.Errorf("%s %s: Allow %q, want %q", tc.r.method, tc.r.path, got, tc.allow)
			}
		}
		// 401 before 405 under /api/v1; an unknown method on no route is 404.
		wantProblem(t, e.do(t, 401, req{method: "DELETE", path: "/api/v1/agencies"}), 401)
		wantProblem(t, e.do(t, 401, req{method: "PROPFIND", path: "/api/v1/agencies"}), 401)
		wantProblem(t, e.do(t, 401, req{method: "PROPFIND", path: "/api/v1/nothing-here"}), 401)
		wantProblem(t, e.do(t, 404, req{method: "PROPFIND", path: "/nothing-here"}), 404)
		wantProblem(t, e.do(t, 404, req{method: "PROPFIND", path: "/api/v1/nothing-here", as: "admin"}), 404)
	})
}

// TestHealthHEAD: HEAD answers the health checks' status without a body.
func TestHealthHEAD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		for _, path := range []string{"/healthz", "/readyz"} {
			if res := e.do(t, 200, req{method: "HEAD", path: path}); len(res.body) != 0 {
				t.Errorf("HEAD %s: body %q", path, res.body)
			}
		}
		// A database whose schema is not current: 503, still without a body.
		bare := storetest.OpenURL(t, storetest.URL(t, dialect), nil)
		h, err := handlers.New(handlers.Config{Store: bare, Log: zerolog.Nop()})
		if err != nil {
			t.Fatal(err)
		}
		unready := &env{World: e.World, server: h, tokens: e.tokens, srv: httptest.NewServer(h)}
		t.Cleanup(unready.srv.Close)
		if res := unready.do(t, 503, req{method: "HEAD", path: "/readyz"}); len(res.body) != 0 {
			t.Errorf("HEAD /readyz 503: body %q", res.body)
		}
		unready.do(t, 200, req{method: "HEAD", path: "/healthz"})
		if res := unready.do(t, 503, req{method: "GET", path: "/readyz"}); !strings.Contains(string(res.body), "unavailable") {
			t.Errorf("GET /readyz 503: %s", res)
		}
	})
}

// TestInternalErrorsSayNothing: a 500 tells the client the request id and
// nothing else — not a panic's value, a store's error or a file path — and
// the log has the real error.
func TestInternalErrorsSayNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		var log testkit.SyncBuffer
		e := newEnv(t, dialect, func(c *handlers.Config) { c.Log = zerolog.New(&log) })
		revealsNothing := func(t *testing.T, res *resp, secrets ...string) {
			t.Helper()
			for _, s := range secrets {
				if strings.Contains(string(res.body), s) {
					t.Errorf("the answer reveals %q: %s", s, res.body)
				}
			}
		}
		wantInternal := func(t *testing.T, res *resp, secrets ...string) {
			t.Helper()
			p := wantProblem(t, res, 500)
			id := res.header.Get("X-Request-Id")
			if want := "Lỗi nội bộ; mã yêu cầu " + id + "."; p.Detail != want || p.Type != "urn:parindex:problem:internal" || p.Errors != nil {
				t.Errorf("problem %+v, want detail %q and nothing else", p, want)
			}
			revealsNothing(t, res, secrets...)
			for _, s := range secrets {
				if strings.Contains(string(res.body), s) {
					t.Errorf("the answer reveals %q: %s", s, res.body)
				}
			}
			if !strings.Contains(log.String(), `"request_id":"`+id+`"`) {
				t.Errorf("nothing logged for request %s", id)
			}
		}

		t.Run("a panic with a path in it", func(t *testing.T) {
			e.server.Routes().(*chi.Mux).Get("/panic-for-test", func(w http.ResponseWriter, r *http.Request) {
				panic("open /var/lib/parindex/secret/parindex.db: permission denied")
			})
			wantInternal(t, e.do(t, 500, req{method: "GET", path: "/panic-for-test"}), "/var/lib", "secret", "permission denied", "panic")
			if !strings.Contains(log.String(), "/var/lib/parindex/secret/parindex.db") {
				t.Errorf("the panic's value is not in the log:\n%s", log.String())
			}
		})

		t.Run("a spool that cannot be written", func(t *testing.T) {
			// The upload spool is a file, not a directory: the server's fault
			// (500, not the 400 of a broken upload), and its path stays here.
			spool := e.bucket.SpoolDir()
			if err := os.Remove(spool); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(spool, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			defer func() { os.Remove(spool); os.Mkdir(spool, 0o700) }()
			body, ctype := upload(t, "file", "ảnh.png", pngBytes(t))
			a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
			res := e.do(t, 500, req{method: "POST", path: evidencePath(a.ReportID, "1.1.1"), as: "updater", body: body, ctype: ctype})
			wantInternal(t, res, spool, filepath.Dir(spool), "not a directory", "spool")
		})

		t.Run("a stored file that cannot be read", func(t *testing.T) {
			a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
			id := e.addEvidence(t, a, "1.1.1")
			var sha string
			if err := e.Store.DB().Get(&sha, e.Store.DB().Rebind(`SELECT sha256 FROM evidence WHERE id = ?`), id); err != nil {
				t.Fatal(err)
			}
			blob := filepath.Join(filepath.Dir(e.bucket.SpoolDir()), "sha256", sha[:2], sha)
			if err := os.Remove(blob); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(blob, blob); err != nil { // a loop: stat fails with the path in its error
				t.Fatal(err)
			}
			// The bucket calls a failing file system unavailable (503): its
			// sentence, never the error and its path.
			res := e.do(t, 503, req{method: "GET", path: fmt.Sprintf("/api/v1/evidence/%d", id), as: "updater"})
			if p := wantProblem(t, res, 503); p.Detail != "Không truy cập được kho lưu tài liệu kiểm chứng." {
				t.Errorf("detail %q", p.Detail)
			}
			revealsNothing(t, res, filepath.Dir(e.bucket.SpoolDir()), sha, "symbolic links", "stat /")
		})

		t.Run("a store error", func(t *testing.T) {
			if _, err := e.Store.DB().Exec(`ALTER TABLE notifications RENAME TO notifications_gone`); err != nil {
				t.Fatal(err)
			}
			defer e.Store.DB().Exec(`ALTER TABLE notifications_gone RENAME TO notifications`)
			res := e.do(t, 500, req{method: "GET", path: "/api/v1/notifications", as: "updater"})
			wantInternal(t, res, "notifications", "no such table", "does not exist", "SELECT")
		})
	})
}

// TestDownloadNameFollowsContent: a file is served under the extension of
// the type found in its bytes, whatever it was uploaded as.
func TestDownloadNameFollowsContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
		for _, tc := range []struct{ uploaded, served string }{
			{"poly.html", "poly.png"},
			{"Sơ đồ.SVG", "Sơ đồ.png"},
			{"ảnh chụp.PNG", "ảnh chụp.PNG"},
			{"Biên bản 12.2024", "Biên bản 12.2024.png"},
		} {
			body, ctype := upload(t, "file", tc.uploaded, pngBytes(t))
			var ev struct {
				ID       int64  `json:"id"`
				Filename string `json:"filename"`
			}
			decode(t, e.do(t, 201, req{method: "POST", path: evidencePath(a.ReportID, "1.1.1"), as: "updater", body: body, ctype: ctype}), &ev)
			if ev.Filename != tc.uploaded {
				t.Errorf("%q stored as %q", tc.uploaded, ev.Filename)
			}
			res := e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/evidence/%d", ev.ID), as: "updater"})
			_, params, err := mime.ParseMediaType(res.header.Get("Content-Disposition"))
			if err != nil || params["filename"] != tc.served {
				t.Errorf("%q served as %q (%v), want %q", tc.uploaded, params["filename"], err, tc.served)
			}
			if ct := res.header.Get("Content-Type"); ct != "image/png" {
				t.Errorf("%q served as %s", tc.uploaded, ct)
			}
		}
	})
}

// TestMetricsAllow: /metrics answers only the allowed networks, judged on
// the TCP peer, never on X-Forwarded-For.
func TestMetricsAllow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect) // the default: loopback
		if res := e.do(t, 200, req{method: "GET", path: "/metrics"}); !strings.Contains(string(res.body), "parindex_scheduler_reports_locked_total") {
			t.Errorf("the default lets loopback read no metrics: %s", res)
		}
		elsewhere := e.withServer(t, func(c *handlers.Config) {
			c.MetricsAllow = []string{"10.0.0.0/8", "fd00::/8"}
			c.TrustedProxies = []string{"127.0.0.0/8"} // X-Forwarded-For is believed for the history, not here
		})
		for _, xff := range []string{"", "10.1.2.3"} {
			res := elsewhere.do(t, 403, req{method: "GET", path: "/metrics", header: map[string]string{"X-Forwarded-For": xff}})
			wantProblem(t, res, 403)
			if strings.Contains(string(res.body), "parindex_") {
				t.Errorf("X-Forwarded-For %q: metrics in a refusal: %s", xff, res)
			}
		}
		// The rest of the server does not care.
		elsewhere.do(t, 200, req{method: "GET", path: "/healthz"})
		allowed := e.withServer(t, func(c *handlers.Config) { c.MetricsAllow = []string{"10.0.0.0/8", "127.0.0.1/32"} })
		allowed.do(t, 200, req{method: "GET", path: "/metrics"})

		for _, bad := range []string{"loopback", "127.0.0.1", "10.0.0.0/33"} {
			_, err := handlers.New(handlers.Config{Store: e.Store, Log: zerolog.Nop(), Metrics: metrics.New(e.Store, zerolog.Nop()), MetricsAllow: []string{bad}})
			if err == nil {
				t.Errorf("MetricsAllow %q accepted", bad)
			}
		}
	})
}
