package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"parindex/handlers"
	"parindex/signature/signtest"
	"parindex/store"
	"parindex/store/storetest"
)

// TestProblemsSpeakTheCallersLanguage: the same bad request is answered in
// Vietnamese without Accept-Language (and when Vietnamese is asked for), in
// English when English is preferred: title, detail and every field message,
// with Content-Language saying which.
func TestProblemsSpeakTheCallersLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		entry := fmt.Sprintf("/api/v1/reports/%d/entries/1.1.1", e.Dept.ReportID)
		cases := []struct {
			name     string
			r        req
			status   int
			field    string
			vi, en   [3]string // title, detail, the field's message
			language []string  // Accept-Language values and the language each gets
		}{
			{
				name:   "a score with a decimal comma",
				r:      req{method: http.MethodPut, path: entry, as: "updater", body: `{"self_score": "0,5", "explanation": "x"}`},
				status: 400, field: "entries/1.1.1/self_score",
				vi: [3]string{"Yêu cầu không hợp lệ", "Trường entries/1.1.1/self_score: số thập phân phải dùng dấu chấm (0.5), không dùng dấu phẩy (0,5).", "Dùng dấu chấm thập phân: 0.5, không phải 0,5."},
				en: [3]string{"Bad Request", "entries/1.1.1/self_score: write decimals with a point (0.5), not a comma (0,5).", "Use a decimal point: 0.5, not 0,5."},
			},
			{
				name:   "an unknown state",
				r:      req{method: http.MethodGet, path: "/api/v1/reports?state=bogus", as: "council"},
				status: 400, field: "state",
				vi: [3]string{"Yêu cầu không hợp lệ", "Không có trạng thái «bogus».", "Không có trạng thái «bogus»."},
				en: [3]string{"Bad Request", `Unknown state "bogus".`, `Unknown state "bogus".`},
			},
			{
				name:   "a limit out of range",
				r:      req{method: http.MethodGet, path: "/api/v1/notifications?limit=0", as: "updater"},
				status: 422, field: "limit",
				vi: [3]string{"Dữ liệu không hợp lệ", "Tham số limit phải là một số nguyên từ 1 đến 500.", "Phải là một số nguyên từ 1 đến 500."},
				en: [3]string{"Unprocessable Entity", "The limit parameter must be an integer from 1 to 500.", "Must be an integer between 1 and 500."},
			},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				for _, al := range []struct{ header, lang string }{
					{"", "vi"}, {"vi-VN,vi;q=0.9", "vi"}, {"fr", "vi"},
					{"en", "en"}, {"en-US,en;q=0.9,vi;q=0.5", "en"},
				} {
					r := c.r
					if al.header != "" {
						r.header = map[string]string{"Accept-Language": al.header}
					}
					_, res := e.send(t, r)
					p := wantProblem(t, res, c.status, c.field)
					want := c.vi
					if al.lang == "en" {
						want = c.en
					}
					if got := [3]string{p.Title, p.Detail, p.Errors[0].Message}; got != want {
						t.Errorf("Accept-Language %q:\n got %q\nwant %q", al.header, got, want)
					}
					if cl := res.header.Get("Content-Language"); cl != al.lang {
						t.Errorf("Accept-Language %q: Content-Language %q, want %q", al.header, cl, al.lang)
					}
				}
			})
		}
	})
}

// TestProblemsAreNotHTMLEscaped: a problem document carries "<token>" as
// written, not "\u003ctoken\u003e".
func TestProblemsAreNotHTMLEscaped(t *testing.T) {
	e := newEnv(t, store.SQLite)
	_, res := e.send(t, req{method: http.MethodGet, path: "/api/v1/me", as: "none"})
	p := wantProblem(t, res, 401)
	if !strings.Contains(p.Detail, "Authorization: Bearer <token>") {
		t.Errorf("detail %q", p.Detail)
	}
	if body := string(res.body); !strings.Contains(body, "<token>") || strings.Contains(body, `\u003c`) {
		t.Errorf("the body escapes HTML: %s", body)
	}
}

// TestDecimalComma: a score written the Vietnamese way, as a string or bare
// in the JSON, is refused with a sentence that says to use a decimal point
// and names the field; nothing changes.
func TestDecimalComma(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		a := e.Dept
		path := fmt.Sprintf("/api/v1/reports/%d/entries/1.1.1", a.ReportID)
		for _, c := range []struct {
			body, field, detail string
		}{
			{`{"self_score": "0,5", "explanation": "x"}`, "entries/1.1.1/self_score", "dùng dấu chấm (0.5)"},
			{`{"self_score": " -1,25 ", "explanation": "x"}`, "entries/1.1.1/self_score", "dùng dấu chấm (0.5)"},
			{`{"self_score": 0,5, "explanation": "x"}`, "self_score", "Trường self_score: số thập phân phải dùng dấu chấm (0.5)"},
			{`{"explanation": "x", "self_score": 0,75}`, "self_score", "Trường self_score: số thập phân phải dùng dấu chấm (0.5)"},
			{`{"self_score": "0.5", "explanation": "x"}`, "entries/1.1.1/self_score", `không đặt trong dấu ngoặc kép: 0.5 thay vì "0.5"`},
			{`{"self_score": "năm", "explanation": "x"}`, "entries/1.1.1/self_score", "phải là một số hoặc null"},
			{`{"self_score": 0.125, "explanation": "x"}`, "entries/1.1.1/self_score", "tối đa hai chữ số thập phân sau dấu chấm"},
		} {
			before := e.snap(t, a.ReportID)
			_, res := e.send(t, req{method: http.MethodPut, path: path, as: "updater", body: c.body})
			status := 400
			if strings.Contains(c.body, "0.125") {
				status = 422
			}
			if p := wantProblem(t, res, status, c.field); !strings.Contains(p.Detail, c.detail) {
				t.Errorf("%s: detail %q, want %q in it", c.body, p.Detail, c.detail)
			}
			e.unchanged(t, before)
		}
		// The point is accepted.
		e.do(t, 200, req{method: http.MethodPut, path: path, as: "updater", body: `{"self_score": 0.5, "explanation": "x"}`})
	})
}

// TestJSONKeysAreExact: on every endpoint that reads JSON, a key sent twice
// in one object or in another letter case than declared (which Go's decoder
// would take silently, the last one winning) is 400 naming the key, and
// nothing is written.
func TestJSONKeysAreExact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		a := e.Dept
		report := fmt.Sprintf("/api/v1/reports/%d", a.ReportID)
		closes := ts(start.Add(72 * time.Hour))
		cases := []struct {
			name, method, path, as, body, field, detail string
		}{
			{"agency, a key twice", "POST", "/api/v1/agencies", "admin", `{"code": "SXD", "name": "Sở Xây dựng", "name": "Sở Khác", "kind": "department"}`, "name", "Khóa «name» được gửi hai lần"},
			{"agency, a key in capitals", "POST", "/api/v1/agencies", "admin", `{"code": "SXD", "NAME": "Sở Xây dựng", "kind": "department"}`, "NAME", "phải viết đúng chữ hoa, chữ thường: «name»"},
			{"signer", "POST", fmt.Sprintf("/api/v1/agencies/%d/signers", a.ID), "admin", `{"organization": "Sở Tư pháp", "Note": "x"}`, "Note", "«note»"},
			{"user, inside a grant", "POST", "/api/v1/users", "admin", `{"email": "moi@test.example.vn", "name": "Mới", "grants": [{"role": "updater", "Agency_ID": 1}]}`, "grants/0/Agency_ID", "«agency_id»"},
			{"user, a grant's key twice", "POST", "/api/v1/users", "admin", `{"email": "moi@test.example.vn", "name": "Mới", "grants": [{"role": "council", "role": "admin"}]}`, "grants/0/role", "được gửi hai lần"},
			{"token", "POST", "/api/v1/tokens", "admin", fmt.Sprintf(`{"user_id": %d, "user_id": %d}`, a.Updater.ID, e.Admin.ID), "user_id", "được gửi hai lần"},
			{"campaign, a map key twice", "POST", "/api/v1/campaigns", "admin", `{"name": "Kỳ mới", "year": 2027, "opens_at": "2027-01-01T00:00:00+07:00", "closes_at": "2027-02-01T00:00:00+07:00", "criteria_sets": {"department": 1, "department": 2}}`, "criteria_sets/department", "được gửi hai lần"},
			{"round", "POST", fmt.Sprintf("/api/v1/campaigns/%d/rounds", e.Campaign.ID), "council", fmt.Sprintf(`{"closes_at": %q, "Note": "x"}`, closes), "Note", "«note»"},
			{"entry, a key twice", "PUT", report + "/entries/1.1.1", "updater", `{"self_score": 1, "explanation": "x", "self_score": 0}`, "self_score", "Khóa «self_score» được gửi hai lần trong cùng một đối tượng JSON."},
			{"entry, another case", "PUT", report + "/entries/1.1.1", "updater", `{"Self_Score": 1, "explanation": "x"}`, "Self_Score", "«self_score»"},
			{"exemptions", "PUT", report + "/exemptions", "admin", `{"codes": [], "reason": "x", "Reason": "y"}`, "Reason", "«reason»"},
			{"transition", "POST", report + "/transitions", "updater", `{"event": "complete", "Event": "complete"}`, "Event", "«event»"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := e.snap(t, a.ReportID)
				audit := countRows(t, e, "audit_log")
				_, res := e.send(t, req{method: c.method, path: c.path, as: c.as, body: c.body})
				if p := wantProblem(t, res, 400, c.field); !strings.Contains(p.Detail, c.detail) {
					t.Errorf("detail %q, want %q in it", p.Detail, c.detail)
				}
				e.unchanged(t, before)
				if n := countRows(t, e, "audit_log"); n != audit {
					t.Errorf("audit rows %d → %d", audit, n)
				}
			})
		}
		// The same bodies with the declared keys are taken.
		e.do(t, 201, req{method: "POST", path: "/api/v1/agencies", as: "admin", body: `{"code": "SXD", "name": "Sở Xây dựng", "kind": "department"}`})
		e.do(t, 200, req{method: "PUT", path: report + "/entries/1.1.1", as: "updater", body: `{"self_score": 1, "explanation": "x"}`})
	})
}

// TestSignatureFindingsInTheCallersLanguage: a signature report's findings
// are stored as catalogue keys and shown in the caller's language wherever a
// verdict is answered (an evidence upload and list, a signed summary's
// upload and read), its times in the province's zone; a report stored when
// findings were English sentences reads the same way.
func TestSignatureFindingsInTheCallersLanguage(t *testing.T) {
	sg := newSigning(t)
	const (
		vi = "Chứng thư số của người ký không do tổ chức chứng thực tin cậy cấp."
		en = "The signer's certificate does not chain to a trusted root."
	)
	type sig struct {
		Status    string   `json:"status"`
		Problems  []string `json:"problems"`
		CheckedAt string   `json:"checked_at"`
	}
	readSig := func(t *testing.T, raw json.RawMessage) sig {
		t.Helper()
		var s sig
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("signature %s: %v", raw, err)
		}
		return s
	}
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect, func(c *handlers.Config) { c.TrustRoots = sg.roots })
		a := e.Dept
		path := evidencePath(a.ReportID, "1.1.1")
		body, ctype := upload(t, "file", "Kế hoạch (ký số).pdf", sg.untrusted.Sign(t, signtest.MinimalPDF(t, "Kế hoạch")))
		res := e.do(t, 201, req{method: "POST", path: path, as: "updater", body: body, ctype: ctype})
		var ev struct {
			ID        int64           `json:"id"`
			Signature json.RawMessage `json:"signature"`
		}
		decode(t, res, &ev)
		if s := readSig(t, ev.Signature); s.Status != "untrusted" || len(s.Problems) != 1 || s.Problems[0] != vi || !strings.HasSuffix(s.CheckedAt, "+07:00") {
			t.Errorf("upload answer: %+v, want %q checked at +07:00", s, vi)
		}
		var stored string
		if err := e.Store.DB().Get(&stored, e.Store.DB().Rebind(`SELECT signature FROM evidence WHERE id = ?`), ev.ID); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stored, `"format":"`+vi+`"`) {
			t.Errorf("stored report %s does not keep the finding's key", stored)
		}
		list := func(t *testing.T, language string) sig {
			t.Helper()
			res := e.do(t, 200, req{method: "GET", path: path, as: "updater", header: map[string]string{"Accept-Language": language}})
			var evs []struct {
				Signature json.RawMessage `json:"signature"`
			}
			decode(t, res, &evs)
			if len(evs) != 1 {
				t.Fatalf("%d evidence files", len(evs))
			}
			return readSig(t, evs[0].Signature)
		}
		if s := list(t, ""); len(s.Problems) != 1 || s.Problems[0] != vi {
			t.Errorf("list, default: %q", s.Problems)
		}
		if s := list(t, "en"); len(s.Problems) != 1 || s.Problems[0] != en {
			t.Errorf("list, English: %q", s.Problems)
		}

		// A report stored before findings had keys.
		old := `{"present":true,"valid":true,"covers_file":false,"trusted":false,"untrusted":"not_chained","status":"untrusted",` +
			`"problems":["the signer's certificate does not chain to a trusted root","bytes were appended after the signature"]}`
		if _, err := e.Store.DB().Exec(e.Store.DB().Rebind(`UPDATE evidence SET signature = ? WHERE id = ?`), old, ev.ID); err != nil {
			t.Fatal(err)
		}
		if s := list(t, ""); strings.Join(s.Problems, "|") != vi+"|Có dữ liệu được nối thêm sau chữ ký." {
			t.Errorf("an old report, default: %q", s.Problems)
		}
		if s := list(t, "en"); strings.Join(s.Problems, "|") != en+"|Bytes were appended after the signature." {
			t.Errorf("an old report, English: %q", s.Problems)
		}

		// The signed summary, uploaded and read.
		f := newSummaryFlow(t, e)
		_, raw := f.upload(t, sg.untrusted.Sign(t, f.export(t)))
		b, _ := json.Marshal(raw["signature"])
		if s := readSig(t, b); len(s.Problems) != 1 || s.Problems[0] != vi {
			t.Errorf("signed summary upload: %q", s.Problems)
		}
		for language, want := range map[string]string{"": vi, "en": en} {
			res := e.do(t, 200, req{method: "GET", path: f.base + "/signed-summary", as: "approver", header: map[string]string{"Accept-Language": language}})
			var ss struct {
				Signature json.RawMessage `json:"signature"`
			}
			decode(t, res, &ss)
			if s := readSig(t, ss.Signature); len(s.Problems) != 1 || s.Problems[0] != want {
				t.Errorf("signed summary, Accept-Language %q: %q, want %q", language, s.Problems, want)
			}
		}
	})
}
