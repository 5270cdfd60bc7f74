package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"parindex/handlers"
	"parindex/internal/testkit"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// lastHistory is the newest line of the report's history, read from the store.
func (e *env) lastHistory(t *testing.T, reportID int64) store.HistoryEntry {
	t.Helper()
	h, err := e.Store.History(context.Background(), e.Admin, reportID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) == 0 {
		t.Fatalf("report %d has no history", reportID)
	}
	return h[len(h)-1]
}

// complete fills the agency's report and fires complete over HTTP with the headers.
func (e *env) complete(t *testing.T, a *storetest.Agency, header map[string]string) *resp {
	t.Helper()
	e.FillEntries(t, a)
	return e.do(t, 200, req{method: "POST", path: fmt.Sprintf("/api/v1/reports/%d/transitions", a.ReportID),
		as: "updater", body: `{"event":"complete"}`, header: header})
}

func TestRequestIDAndClientIP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)

		t.Run("a client's well-formed id is kept beside the server's", func(t *testing.T) {
			var log testkit.SyncBuffer
			logged := e.withServer(t, func(c *handlers.Config) { c.Log = zerolog.New(&log) })
			a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
			const client = "Hue-gw_0042.retry-1"
			res := logged.complete(t, a, map[string]string{"X-Request-Id": client})
			id := res.header.Get("X-Request-Id")
			if id == "" || id == client || !serverRequestID.MatchString(id) {
				t.Errorf("X-Request-Id %q: want the server's own id, not the client's", id)
			}
			h := e.lastHistory(t, a.ReportID)
			if h.Event != string(workflow.EventComplete) || h.RequestID != id || h.ClientRequestID != client {
				t.Errorf("history %+v: want complete with request id %q and client request id %q", h, id, client)
			}
			line := requestLine(t, &log, "request_id", id)
			if line["client_request_id"] != client {
				t.Errorf("log line %v: want client_request_id %q", line, client)
			}
		})

		t.Run("an ill-formed client id is kept nowhere", func(t *testing.T) {
			var log testkit.SyncBuffer
			logged := e.withServer(t, func(c *handlers.Config) { c.Log = zerolog.New(&log) })
			for _, bad := range []string{strings.Repeat("a", 65), "abc 123", "<script>", "ab/cd", "xin-chào", "a\tb"} {
				a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
				res := logged.complete(t, a, map[string]string{"X-Request-Id": bad})
				id := res.header.Get("X-Request-Id")
				if !serverRequestID.MatchString(id) {
					t.Errorf("%q: X-Request-Id %q is not the server's", bad, id)
				}
				h := e.lastHistory(t, a.ReportID)
				if h.RequestID != id || h.ClientRequestID != "" {
					t.Errorf("%q: history request id %q, client request id %q; want %q and none", bad, h.RequestID, h.ClientRequestID, id)
				}
				if n := storetest.Count(t, e.Store, e.Store.DB().Rebind(`SELECT COUNT(*) FROM history WHERE request_id = ? OR client_request_id = ?`), bad, bad); n != 0 {
					t.Errorf("%q is in %d history rows", bad, n)
				}
				if line := requestLine(t, &log, "request_id", id); line["client_request_id"] != nil {
					t.Errorf("%q: log line %v has a client_request_id", bad, line)
				}
				if strings.Contains(log.String(), bad) {
					t.Errorf("%q reached the log", bad)
				}
			}
			// At the limit of 64 characters it is kept.
			a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
			at := strings.Repeat("a", 64)
			logged.complete(t, a, map[string]string{"X-Request-Id": at})
			if h := e.lastHistory(t, a.ReportID); h.ClientRequestID != at {
				t.Errorf("a 64-character id: history client request id %q", h.ClientRequestID)
			}
		})

		t.Run("a request without an id gets one", func(t *testing.T) {
			a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
			res := e.complete(t, a, nil)
			id := res.header.Get("X-Request-Id")
			if id == "" {
				t.Fatal("no X-Request-Id on the answer")
			}
			if h := e.lastHistory(t, a.ReportID); h.RequestID != id {
				t.Errorf("history request id %q, answer's %q", h.RequestID, id)
			}
			// Errors carry one too, so that a complaint can be traced.
			_, bad := e.send(t, req{method: "GET", path: "/api/v1/me"})
			if bad.status != 401 || bad.header.Get("X-Request-Id") == "" {
				t.Errorf("401 without X-Request-Id: %s %v", bad, bad.header)
			}
		})

		t.Run("only administrators see where a request came from", func(t *testing.T) {
			a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
			id := e.complete(t, a, map[string]string{"X-Request-Id": "audit-7"}).header.Get("X-Request-Id")
			path := fmt.Sprintf("/api/v1/reports/%d/history", a.ReportID)
			for role, admin := range map[string]bool{"admin": true, "council": false, "updater": false} {
				var h []struct {
					RequestID       *string `json:"request_id"`
					ClientRequestID *string `json:"client_request_id"`
					ClientIP        *string `json:"client_ip"`
				}
				decode(t, e.do(t, 200, req{method: "GET", path: path, as: role}), &h)
				last := h[len(h)-1]
				if admin {
					if last.RequestID == nil || *last.RequestID != id || last.ClientRequestID == nil || *last.ClientRequestID != "audit-7" || last.ClientIP == nil {
						t.Errorf("admin sees %+v, want request_id %q, client_request_id audit-7 and client_ip", last, id)
					}
				} else if last.RequestID != nil || last.ClientRequestID != nil || last.ClientIP != nil {
					t.Errorf("%s sees request_id %v, client_request_id %v, client_ip %v: want none", role, last.RequestID, last.ClientRequestID, last.ClientIP)
				}
			}
		})

		t.Run("X-Forwarded-For is ignored without trusted proxies", func(t *testing.T) {
			a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
			e.complete(t, a, map[string]string{"X-Forwarded-For": "203.0.113.7"})
			if h := e.lastHistory(t, a.ReportID); h.ClientIP != "127.0.0.1" {
				t.Errorf("client ip %q, want the peer 127.0.0.1", h.ClientIP)
			}
		})

		proxied := e.withServer(t, func(c *handlers.Config) { c.TrustedProxies = []string{"127.0.0.0/8"} })

		t.Run("X-Forwarded-For from a trusted proxy names the client", func(t *testing.T) {
			a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
			proxied.complete(t, a, map[string]string{"X-Forwarded-For": "203.0.113.7"})
			if h := e.lastHistory(t, a.ReportID); h.ClientIP != "203.0.113.7" {
				t.Errorf("client ip %q, want 203.0.113.7", h.ClientIP)
			}
		})

		t.Run("a spoofed hop left of the real client is not believed", func(t *testing.T) {
			a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
			// The client sent "X-Forwarded-For: 198.51.100.9"; the proxy appended the address it saw.
			proxied.complete(t, a, map[string]string{"X-Forwarded-For": "198.51.100.9, 203.0.113.7"})
			if h := e.lastHistory(t, a.ReportID); h.ClientIP != "203.0.113.7" {
				t.Errorf("client ip %q, want the rightmost untrusted hop 203.0.113.7", h.ClientIP)
			}
		})

		t.Run("an invalid trusted proxy is a configuration error", func(t *testing.T) {
			for _, p := range []string{"not-a-cidr", "10.0.0.1", ""} {
				if _, err := handlers.New(handlers.Config{Store: e.Store, Log: zerolog.Nop(), TrustedProxies: []string{p}}); err == nil {
					t.Errorf("TrustedProxies %q accepted", p)
				}
			}
		})
	})
}

// wantZone checks that a JSON time is written with the province's offset.
func wantZone(t *testing.T, what string, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("%s %q is not RFC 3339: %v", what, s, err)
	}
	if !strings.HasSuffix(s, "+07:00") {
		t.Errorf("%s %q is not in the province's zone (+07:00)", what, s)
	}
	return at
}

func TestTimesInProvinceZone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)

		// A deadline without an offset is read in Asia/Ho_Chi_Minh.
		var campaign map[string]any
		decode(t, e.do(t, 201, req{method: "POST", path: "/api/v1/campaigns", as: "admin", body: jsonBody(t, map[string]any{
			"name": "Chỉ số CCHC 2026 (giờ địa phương)", "year": 2026, "opens_at": "2026-11-15T08:00:00", "closes_at": "2026-11-25T17:00:00",
			"criteria_sets": map[string]int64{"department": e.DeptSet.ID, "district": e.DistSet.ID},
		})}), &campaign)
		closes := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		if got := wantZone(t, "closes_at", campaign["closes_at"]); !got.Equal(closes) {
			t.Errorf("closes_at %s, want 17:00 in Hồ Chí Minh (%s)", got, closes)
		}
		if got := wantZone(t, "opens_at", campaign["opens_at"]); !got.Equal(time.Date(2026, 11, 15, 1, 0, 0, 0, time.UTC)) {
			t.Errorf("opens_at %s", got)
		}
		id := int64(campaign["id"].(float64))
		stored, err := e.Store.GetCampaign(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !stored.ClosesAt.Equal(closes) {
			t.Errorf("stored closes_at %s, want %s", stored.ClosesAt, closes)
		}
		var got map[string]any
		decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/campaigns/%d", id), as: "updater"}), &got)
		if got["closes_at"] != "2026-11-25T17:00:00+07:00" {
			t.Errorf("GET campaign closes_at %v, want 2026-11-25T17:00:00+07:00", got["closes_at"])
		}
		var list []map[string]any
		decode(t, e.do(t, 200, req{method: "GET", path: "/api/v1/campaigns", as: "updater"}), &list)
		for _, c := range list {
			wantZone(t, "campaign list closes_at", c["closes_at"])
		}
		// An explicit offset is kept as the instant it names.
		var utc map[string]any
		decode(t, e.do(t, 201, req{method: "POST", path: "/api/v1/campaigns", as: "admin", body: jsonBody(t, map[string]any{
			"name": "Chỉ số CCHC 2026 (UTC)", "year": 2026, "opens_at": "2026-11-15T01:00:00Z", "closes_at": "2026-11-25T10:00:00Z",
			"criteria_sets": map[string]int64{"department": e.DeptSet.ID},
		})}), &utc)
		if utc["closes_at"] != "2026-11-25T17:00:00+07:00" {
			t.Errorf("closes_at given in UTC came back as %v", utc["closes_at"])
		}

		// The report's deadline, in the report, the list and the history.
		var reports []map[string]any
		decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports?campaign_id=%d&agency_id=%d", id, e.Dept.ID), as: "updater"}), &reports)
		if len(reports) != 1 || reports[0]["deadline"] != "2026-11-25T17:00:00+07:00" {
			t.Fatalf("reports %v: want one with deadline 2026-11-25T17:00:00+07:00", reports)
		}
		a := on(e.Dept, int64(reports[0]["id"].(float64)))
		var report map[string]any
		decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d", a.ReportID), as: "updater"}), &report)
		if report["deadline"] != "2026-11-25T17:00:00+07:00" {
			t.Errorf("report deadline %v", report["deadline"])
		}
		e.Clock.Set(time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC))
		e.complete(t, a, nil)
		var history []map[string]any
		decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d/history", a.ReportID), as: "approver"}), &history)
		if len(history) != 1 {
			t.Fatalf("history %v", history)
		}
		if at := wantZone(t, "history at", history[0]["at"]); history[0]["at"] != "2026-11-20T16:30:00+07:00" {
			t.Errorf("history at %s, want 2026-11-20T16:30:00+07:00", at)
		}
		var revisions []map[string]any
		decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d/revisions?code=1.1.1", a.ReportID), as: "council"}), &revisions)
		if len(revisions) != 1 {
			t.Fatalf("revisions of 1.1.1: %v", revisions)
		}
		wantZone(t, "revision at", revisions[0]["at"])

		// The window is open up to 17:00 province time and closed from then on.
		b := on(e.Dept2, 0)
		decode(t, e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports?campaign_id=%d&agency_id=%d", id, e.Dept2.ID), as: "admin"}), &reports)
		b.ReportID = int64(reports[0]["id"].(float64))
		put := req{method: "PUT", path: fmt.Sprintf("/api/v1/reports/%d/entries/1.1.1", b.ReportID), as: "other-updater", body: `{"self_score":1,"explanation":"Đúng hạn"}`}
		e.Clock.Set(time.Date(2026, 11, 25, 16, 59, 59, 0, zone))
		e.do(t, 200, put)
		e.Clock.Set(time.Date(2026, 11, 25, 17, 0, 0, 0, zone))
		wantProblem(t, e.do(t, 423, put), 423)

		// A round's window comes back in the province's zone too.
		e.Clock.Set(start)
		var round map[string]any
		decode(t, e.do(t, 201, req{method: "POST", path: fmt.Sprintf("/api/v1/campaigns/%d/rounds", e.Campaign.ID), as: "council",
			body: `{"closes_at":"2026-12-10T17:00:00"}`}), &round)
		if round["closes_at"] != "2026-12-10T17:00:00+07:00" {
			t.Errorf("round closes_at %v", round["closes_at"])
		}
		wantZone(t, "round opens_at", round["opens_at"])
	})
}
