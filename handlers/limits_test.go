package handlers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"parindex/i18n"
	"parindex/store/storetest"
	"parindex/workflow"
)

// limitCase is one text limit on the API: a request with the text exactly at
// the limit (accepted) and one character over (422 naming the field, with
// the limit's sentence, and nothing changed).
type limitCase struct {
	name  string
	limit workflow.TextLimit
	field string
	// send makes the request with text in the limited field; n numbers the
	// call, for what must be unique (codes, emails).
	send func(t *testing.T, e *env, n int, text string) *resp
	// count is what an accepted request adds one to (or changes).
	count func(t *testing.T, e *env) int
}

// atLimit is a text of exactly limit.Max characters, in Vietnamese; over is
// one more.
func atLimit(l workflow.TextLimit) (at, over string) {
	if l.Bytes {
		at = strings.Repeat("ả", l.Max/3) // 3 bytes each
		at += strings.Repeat("a", l.Max-len(at))
		return at, at + "a"
	}
	at = strings.Repeat("ễ", l.Max)
	return at, at + "ư"
}

func TestTextLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		rows := func(table string) func(*testing.T, *env) int {
			return func(t *testing.T, e *env) int { return countRows(t, e, table) }
		}
		post := func(path, as string) func(string) func(*testing.T, *env, int, string) *resp {
			return func(format string) func(*testing.T, *env, int, string) *resp {
				return func(t *testing.T, e *env, n int, text string) *resp {
					_, res := e.send(t, req{method: "POST", path: path, as: as, body: fmt.Sprintf(format, n, jsonString(t, text))})
					return res
				}
			}
		}
		criteriaSet := func(field string) func(*testing.T, *env, int, string) *resp {
			return func(t *testing.T, e *env, n int, text string) *resp {
				name, title, rule := `"Bộ thử"`, `"Tiêu chí"`, `""`
				switch field {
				case "name":
					name = jsonString(t, text)
				case "title":
					title = jsonString(t, text)
				case "rule":
					rule = jsonString(t, text)
				}
				body := fmt.Sprintf(`{"code": "LIM-%s-%d", "name": %s, "agency_kind": "department",
					"criteria": [{"code": "1", "title": %s, "rule": %s, "max_points": 1, "method": "self"}]}`, field, n, name, title, rule)
				_, res := e.send(t, req{method: "POST", path: "/api/v1/criteria-sets", as: "admin", body: body})
				return res
			}
		}
		cases := []limitCase{
			{"agency name", workflow.LimitName, "name", post("/api/v1/agencies", "admin")(`{"code": "LIM-%d", "name": %s, "kind": "district"}`), rows("agencies")},
			{"user name", workflow.LimitName, "name", post("/api/v1/users", "admin")(`{"email": "lim%d@so.example.vn", "name": %s}`), rows("users")},
			{"user title", workflow.LimitTitle, "title", post("/api/v1/users", "admin")(`{"email": "lim.title%d@so.example.vn", "name": "Lan", "title": %s}`), rows("users")},
			{"campaign name", workflow.LimitName, "name", func(t *testing.T, e *env, n int, text string) *resp {
				_, res := e.send(t, req{method: "POST", path: "/api/v1/campaigns", as: "admin", body: fmt.Sprintf(
					`{"name": %s, "year": 2026, "opens_at": %q, "closes_at": %q, "criteria_sets": {"department": %d, "district": %d}}`,
					jsonString(t, text), ts(start), ts(start.Add(48*time.Hour)), e.DeptSet.ID, e.DistSet.ID)})
				return res
			}, rows("campaigns")},
			{"criteria set name", workflow.LimitName, "name", criteriaSet("name"), rows("criteria_sets")},
			{"criterion title", workflow.LimitCriterion, "criteria/1/title", criteriaSet("title"), rows("criteria_sets")},
			{"criterion rule", workflow.LimitGuidance, "criteria/1/rule", criteriaSet("rule"), rows("criteria_sets")},
			{"round note", workflow.LimitNote, "note", func(t *testing.T, e *env, n int, text string) *resp {
				_, res := e.send(t, req{method: "POST", path: fmt.Sprintf("/api/v1/campaigns/%d/rounds", e.Campaign.ID), as: "council",
					body: fmt.Sprintf(`{"closes_at": %q, "note": %s}`, ts(start.Add(72*time.Hour)), jsonString(t, text))})
				return res
			}, rows("campaign_rounds")},
			{"officials list name", workflow.LimitName, "rows/2/name", officialsRow(2), rows("users")},
			{"officials list title", workflow.LimitTitle, "rows/2/title", officialsRow(3), rows("users")},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				at, over := atLimit(tc.limit)
				before := tc.count(t, e)
				res := tc.send(t, e, 1, over)
				p := wantProblem(t, res, 422, tc.field)
				if want := i18n.Sprintf(i18n.VI, tc.limit.Field("").Message, tc.limit.Max); p.Errors[0].Message != want {
					t.Errorf("message %q, want %q", p.Errors[0].Message, want)
				}
				if n := tc.count(t, e); n != before {
					t.Errorf("a refused request changed the count from %d to %d", before, n)
				}
				if res := tc.send(t, e, 2, at); res.status >= 300 {
					t.Fatalf("at the limit: %s", res)
				}
				if n := tc.count(t, e); n == before {
					t.Errorf("the request at the limit stored nothing")
				}
			})
		}

		t.Run("decomposed text counts in NFC", func(t *testing.T) {
			nfd := norm.NFD.String(strings.Repeat("ế", workflow.MaxName)) // 600 code points, 200 characters
			e.do(t, 201, req{method: "POST", path: "/api/v1/agencies", as: "admin",
				body: fmt.Sprintf(`{"code": "LIM-NFD", "name": %s, "kind": "district"}`, jsonString(t, nfd))})
		})
	})
}

// officialsRow imports a list whose official n (a new email each call)
// carries the text as name or title.
func officialsRow(column int) func(*testing.T, *env, int, string) *resp {
	return func(t *testing.T, e *env, n int, text string) *resp {
		cells := []string{"1", "Lê Văn Lâm", "Chuyên viên", fmt.Sprintf("lim.official%d.%d@so.example.vn", column, n), "Cập nhật báo cáo"}
		cells[column-1] = `"` + text + `"`
		csv := "TT,Họ và tên,Chức vụ,Email,Quyền\n" + strings.Join(cells, ",") + "\n"
		_, res := e.send(t, req{method: "POST", path: fmt.Sprintf("/api/v1/agencies/%d/officials", e.Dept.ID), as: "admin", body: csv, ctype: "text/csv"})
		return res
	}
}

// jsonString quotes s for a JSON body.
func jsonString(t *testing.T, s string) string { return jsonBody(t, s) }

// TestReportTextLimits: an entry's explanation and the reasons of
// transitions, on a report, at the limit and one over, leave the report as
// it was when refused.
func TestReportTextLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		at, over := atLimit(workflow.LimitExplanation)

		t.Run("explanation", func(t *testing.T) {
			a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
			path := fmt.Sprintf("/api/v1/reports/%d/entries/1.1.1", a.ReportID)
			before := e.snap(t, a.ReportID)
			p := wantProblem(t, e.do(t, 422, req{method: "PUT", path: path, as: "updater",
				body: fmt.Sprintf(`{"self_score": 1, "explanation": %s}`, jsonString(t, over))}), 422, "entries/1.1.1/explanation")
			if p.Detail != i18n.Sprintf(i18n.VI, workflow.LimitExplanation.Field("").Message, workflow.MaxExplanation) {
				t.Errorf("detail %q", p.Detail)
			}
			e.unchanged(t, before)
			e.do(t, 200, req{method: "PUT", path: path, as: "updater", body: fmt.Sprintf(`{"self_score": 1, "explanation": %s}`, jsonString(t, at))})
		})

		reasonAt, reasonOver := atLimit(workflow.LimitReason)
		t.Run("return reason", func(t *testing.T) {
			a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
			e.walk(t, a, workflow.StateEntered)
			path := fmt.Sprintf("/api/v1/reports/%d/transitions", a.ReportID)
			before := e.snap(t, a.ReportID)
			wantProblem(t, e.do(t, 422, req{method: "POST", path: path, as: "approver",
				body: fmt.Sprintf(`{"event": "return", "reason": %s}`, jsonString(t, reasonOver))}), 422, "reason")
			e.unchanged(t, before)
			e.do(t, 200, req{method: "POST", path: path, as: "approver", body: fmt.Sprintf(`{"event": "return", "reason": %s}`, jsonString(t, reasonAt))})
			if h := e.lastHistory(t, a.ReportID); h.Reason != reasonAt {
				t.Errorf("the history keeps a reason of %d characters", len([]rune(h.Reason)))
			}
		})

		t.Run("extend reason", func(t *testing.T) {
			a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
			e.lockReport(t, a.ReportID)
			path := fmt.Sprintf("/api/v1/reports/%d/transitions", a.ReportID)
			before := e.snap(t, a.ReportID)
			body := func(reason string) string {
				return fmt.Sprintf(`{"event": "extend", "closes_at": %q, "reason": %s}`, ts(start.Add(72*time.Hour)), jsonString(t, reason))
			}
			wantProblem(t, e.do(t, 422, req{method: "POST", path: path, as: "council", body: body(reasonOver)}), 422, "reason")
			e.unchanged(t, before)
			e.do(t, 200, req{method: "POST", path: path, as: "council", body: body(reasonAt)})
		})

		t.Run("file name", func(t *testing.T) {
			a := on(e.Dept, e.freshReports(t)[e.Dept.ID])
			path := evidencePath(a.ReportID, "1.1.1")
			nameAt := strings.Repeat("ả", 83) + "ab.png" // 249 + 6 = 255 bytes
			if len(nameAt) != workflow.MaxFileNameBytes {
				t.Fatalf("test name has %d bytes", len(nameAt))
			}
			before := countRows(t, e, "evidence")
			body, ctype := upload(t, "file", "x"+nameAt, pngBytes(t))
			p := wantProblem(t, e.do(t, 422, req{method: "POST", path: path, as: "updater", body: body, ctype: ctype}), 422, "file")
			if p.Detail != "Tên tệp dài quá 255 byte." {
				t.Errorf("detail %q", p.Detail)
			}
			if n := countRows(t, e, "evidence"); n != before {
				t.Errorf("a refused upload added %d rows", n-before)
			}
			var ev struct {
				Filename string `json:"filename"`
			}
			body, ctype = upload(t, "file", nameAt, pngBytes(t))
			decode(t, e.do(t, 201, req{method: "POST", path: path, as: "updater", body: body, ctype: ctype}), &ev)
			if ev.Filename != nameAt {
				t.Errorf("stored as %q", ev.Filename)
			}
			// Format characters are stripped before the name is measured and stored.
			body, ctype = upload(t, "file", "\u202E\u2066"+nameAt+"\u2069\u200F", pngBytes(t))
			decode(t, e.do(t, 201, req{method: "POST", path: path, as: "updater", body: body, ctype: ctype}), &ev)
			if ev.Filename != nameAt {
				t.Errorf("a name with bidi marks stored as %q", ev.Filename)
			}
			// Nothing but format characters: the default name.
			body, ctype = upload(t, "file", "\u202E\uFEFF", pngBytes(t))
			decode(t, e.do(t, 201, req{method: "POST", path: path, as: "updater", body: body, ctype: ctype}), &ev)
			if ev.Filename != "tai-lieu" {
				t.Errorf("an empty name stored as %q", ev.Filename)
			}
		})
	})
}
