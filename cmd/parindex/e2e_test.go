package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"parindex/internal/testkit"
	"parindex/signature/signtest"
	"parindex/store/storetest"
)

// The department set of cmd/parindex/demo: 38 leaves, 20 of them self-scored
// for 36 points, 100 points in all.
var deptSelfLeaves = []string{
	"1.1.1", "1.1.2", "1.2", "1.3", "1.4", "2.1", "2.3", "2.4", "3.1", "3.5",
	"4.1", "4.3", "4.4", "5.1", "5.3", "5.4", "5.5", "6.1", "6.3", "7.5",
}

type reportJSON struct {
	ID         int64       `json:"id"`
	CampaignID int64       `json:"campaign_id"`
	AgencyID   int64       `json:"agency_id"`
	State      string      `json:"state"`
	Round      int         `json:"round"`
	Version    int64       `json:"version"`
	Deadline   string      `json:"deadline"`
	SelfTotal  json.Number `json:"self_total"`
	MaxTotal   json.Number `json:"max_total"`
	Entries    []struct {
		Code        string          `json:"code"`
		Method      string          `json:"method"`
		MaxPoints   json.RawMessage `json:"max_points"`
		SelfScore   json.RawMessage `json:"self_score"`
		Explanation string          `json:"explanation"`
		Editable    bool            `json:"editable"`
	} `json:"entries"`
}

// editable lists the codes the report says may be edited now.
func (r *reportJSON) editable() []string {
	out := []string{}
	for _, e := range r.Entries {
		if e.Editable {
			out = append(out, e.Code)
		}
	}
	return out
}

type transitionsJSON struct {
	State       string `json:"state"`
	Round       int    `json:"round"`
	Version     int64  `json:"version"`
	Transitions []struct {
		Event string `json:"event"`
		To    string `json:"to"`
	} `json:"transitions"`
}

type historyJSON struct {
	At    string `json:"at"`
	Actor *struct {
		ID    int64  `json:"id"`
		Email string `json:"email"`
	} `json:"actor"`
	Event           string `json:"event"`
	From            string `json:"from"`
	To              string `json:"to"`
	Round           int    `json:"round"`
	Reason          string `json:"reason"`
	RequestID       string `json:"request_id"`
	ClientRequestID string `json:"client_request_id"`
	ClientIP        string `json:"client_ip"`
}

// getReport reads a report and checks that its ETag is its version.
func getReport(t *testing.T, c *testkit.Client, id int64) reportJSON {
	t.Helper()
	var rep reportJSON
	res := c.Do(t, "GET", fmt.Sprintf("/api/v1/reports/%d", id), nil).Want(t, http.StatusOK, &rep)
	if got, want := res.Header.Get("ETag"), strconv.Quote(strconv.FormatInt(rep.Version, 10)); got != want {
		t.Fatalf("report %d: ETag %s, version %d", id, got, rep.Version)
	}
	return rep
}

// available lists "event→to" for what the caller may fire now, checking that
// the list describes the report's current state, round and version.
func available(t *testing.T, c *testkit.Client, id int64, state string, round int, version int64) []string {
	t.Helper()
	var tr transitionsJSON
	c.Do(t, "GET", fmt.Sprintf("/api/v1/reports/%d/transitions", id), nil).Want(t, http.StatusOK, &tr)
	if tr.State != state || tr.Round != round || tr.Version != version {
		t.Fatalf("transitions of report %d describe %s/%d v%d, want %s/%d v%d", id, tr.State, tr.Round, tr.Version, state, round, version)
	}
	out := []string{}
	for _, x := range tr.Transitions {
		out = append(out, x.Event+"→"+x.To)
	}
	return out
}

// TestEndToEnd walks one department's report over HTTP, from the first
// administrator to a supplementary round, as its officials would: each step
// checks what the API answers and what each role may do next.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		clock := storetest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, hcm))
		db := storetest.URL(t, dialect)
		m, _ := serve(t, clock, nil, "--addr", "127.0.0.1:0", "--db", db)

		// What the steps build for the next ones.
		type agency struct {
			ID   int64  `json:"id"`
			Code string `json:"code"`
			Name string `json:"name"`
			Kind string `json:"kind"`
		}
		type user struct {
			ID     int64  `json:"id"`
			Email  string `json:"email"`
			Grants []struct {
				Role     string `json:"role"`
				AgencyID *int64 `json:"agency_id"`
			} `json:"grants"`
		}
		// step is a transition the history must show.
		type step struct {
			event, from, to string
			round           int
			email           string
			at              time.Time
			reason          string
		}
		var (
			admin, updater, approver, council, other *testkit.Client
			updaterU, approverU, councilU, otherU    user
			stp, stc                                 agency
			setID, campaignID, id                    int64
			reportPath                               string
			rep                                      reportJSON
			version                                  int64 // the report's, as the steps move it
			want                                     []step
		)
		none := []string{}
		// checkAvailable fails unless each role may fire exactly these events now.
		checkAvailable := func(t *testing.T, state string, round int, want map[string][]string) {
			t.Helper()
			roles := map[string]*testkit.Client{"updater": updater, "approver": approver, "council": council, "admin": admin}
			for role, events := range want {
				if got := available(t, roles[role], id, state, round, version); !slices.Equal(got, events) {
					t.Fatalf("in %s round %d the %s may fire %v, want %v", state, round, role, got, events)
				}
			}
		}
		// fire sends a transition a minute later, naming the version it
		// expects, and records what the history must say.
		fire := func(t *testing.T, c *testkit.Client, email string, body map[string]any, from, to string, round int) {
			t.Helper()
			clock.Add(time.Minute)
			var out struct {
				State   string `json:"state"`
				Round   int    `json:"round"`
				Version int64  `json:"version"`
			}
			res := c.Do(t, "POST", reportPath+"/transitions", body, "If-Match", strconv.Quote(strconv.FormatInt(version, 10))).
				Want(t, http.StatusOK, &out)
			version++
			if out.State != to || out.Round != round || out.Version != version {
				t.Fatalf("%s: %+v, want %s round %d version %d", body["event"], out, to, round, version)
			}
			if res.Header.Get("ETag") != strconv.Quote(strconv.FormatInt(version, 10)) {
				t.Fatalf("%s: ETag %s, version %d", body["event"], res.Header.Get("ETag"), version)
			}
			if r := getReport(t, c, id); r.Version != version || r.State != to || r.Round != round {
				t.Fatalf("after %s the report is %s round %d version %d", body["event"], r.State, r.Round, r.Version)
			}
			reason, _ := body["reason"].(string)
			want = append(want, step{body["event"].(string), from, to, round, email, clock.Now(), reason})
		}

		testkit.Step(t, "the service is ready on the database it migrated", func(t *testing.T) {
			if got := testkit.NewClient(m.URL(), "").Do(t, "GET", "/readyz", nil).Status; got != http.StatusOK {
				t.Fatalf("/readyz %d", got)
			}
		})

		testkit.Step(t, "a token issued at the command line signs the first administrator in", func(t *testing.T) {
			admin = testkit.NewClient(m.URL(), issueToken(t, clock, db, "admin@snv.example.vn", "--name", "Nguyễn Thị Quản Trị", "--role", "admin"))
			var me struct {
				ID     int64  `json:"id"`
				Email  string `json:"email"`
				Name   string `json:"name"`
				Grants []struct {
					Role     string `json:"role"`
					AgencyID *int64 `json:"agency_id"`
				} `json:"grants"`
			}
			admin.Do(t, "GET", "/api/v1/me", nil).Want(t, http.StatusOK, &me)
			if me.Email != "admin@snv.example.vn" || me.Name != "Nguyễn Thị Quản Trị" || len(me.Grants) != 1 || me.Grants[0].Role != "admin" || me.Grants[0].AgencyID != nil {
				t.Fatalf("/me of the issued token: %+v", me)
			}
			testkit.NewClient(m.URL(), "").Do(t, "GET", "/api/v1/me", nil).WantProblem(t, http.StatusUnauthorized)
		})

		testkit.Step(t, "the administrator creates agencies, each code once", func(t *testing.T) {
			admin.Do(t, "POST", "/api/v1/agencies", map[string]string{"code": "STP", "name": "Sở Tư pháp", "kind": "department"}).Want(t, http.StatusCreated, &stp)
			admin.Do(t, "POST", "/api/v1/agencies", map[string]string{"code": "STC", "name": "Sở Tài chính", "kind": "department"}).Want(t, http.StatusCreated, &stc)
			if stp.ID == 0 || stp.Code != "STP" || stp.Name != "Sở Tư pháp" || stp.Kind != "department" || stc.ID == stp.ID {
				t.Fatalf("agencies: %+v %+v", stp, stc)
			}
			admin.Do(t, "POST", "/api/v1/agencies", map[string]string{"code": "STP", "name": "Trùng", "kind": "department"}).WantProblem(t, http.StatusConflict)
		})

		testkit.Step(t, "the administrator creates users with grants and issues each a token", func(t *testing.T) {
			mkUser := func(email, name, title string, grant map[string]any) user {
				t.Helper()
				var u user
				admin.Do(t, "POST", "/api/v1/users", map[string]any{"email": email, "name": name, "title": title, "grants": []any{grant}}).
					Want(t, http.StatusCreated, &u)
				if u.ID == 0 || u.Email != email || len(u.Grants) != 1 || u.Grants[0].Role != grant["role"] {
					t.Fatalf("created user %+v", u)
				}
				return u
			}
			updaterU = mkUser("capnhat.stp@stp.example.vn", "Lê Văn Cập Nhật", "Chuyên viên", map[string]any{"role": "updater", "agency_id": stp.ID})
			approverU = mkUser("pheduyet.stp@stp.example.vn", "Trần Thị Phê Duyệt", "Phó Giám đốc", map[string]any{"role": "approver", "agency_id": stp.ID})
			councilU = mkUser("thamdinh@snv.example.vn", "Phạm Văn Thẩm Định", "Thành viên Hội đồng", map[string]any{"role": "council"})
			otherU = mkUser("capnhat.stc@stc.example.vn", "Hồ Văn Khác", "Chuyên viên", map[string]any{"role": "updater", "agency_id": stc.ID})
			if *updaterU.Grants[0].AgencyID != stp.ID {
				t.Fatalf("updater grant names agency %d, want %d", *updaterU.Grants[0].AgencyID, stp.ID)
			}
			token := func(u user, body map[string]any) *testkit.Client {
				t.Helper()
				var tok struct {
					ID        int64   `json:"id"`
					Token     string  `json:"token"`
					ExpiresAt *string `json:"expires_at"`
				}
				if body == nil {
					body = map[string]any{}
				}
				body["user_id"] = u.ID
				admin.Do(t, "POST", "/api/v1/tokens", body).Want(t, http.StatusCreated, &tok)
				if tok.ID == 0 || !tokenLine.MatchString(tok.Token) {
					t.Fatalf("token %+v", tok)
				}
				if want, ok := body["expires_at"]; ok && (tok.ExpiresAt == nil || *tok.ExpiresAt != want) {
					t.Fatalf("token expires_at %v, want %v", tok.ExpiresAt, want)
				}
				return testkit.NewClient(m.URL(), tok.Token)
			}
			updater = token(updaterU, nil)
			approver = token(approverU, nil)
			council = token(councilU, map[string]any{"expires_at": "2026-12-31T17:00:00+07:00"})
			other = token(otherU, nil)
			admin.Do(t, "POST", "/api/v1/tokens", map[string]any{"user_id": 999999}).WantProblem(t, http.StatusNotFound)
			updater.Do(t, "POST", "/api/v1/tokens", map[string]any{"user_id": updaterU.ID}).WantProblem(t, http.StatusForbidden)
		})

		testkit.Step(t, "the department criteria set is posted as YAML", func(t *testing.T) {
			var set struct {
				ID         int64       `json:"id"`
				Code       string      `json:"code"`
				AgencyKind string      `json:"agency_kind"`
				MaxPoints  json.Number `json:"max_points"`
				Leaves     int         `json:"leaves"`
			}
			admin.Do(t, "POST", "/api/v1/criteria-sets", testkit.Raw{ContentType: "application/yaml", Data: testkit.Sample(t, "criteria-department.yaml")}).
				Want(t, http.StatusCreated, &set)
			if set.ID == 0 || set.Code != "SO-2021" || set.AgencyKind != "department" || set.MaxPoints != "100" || set.Leaves != 38 {
				t.Fatalf("criteria set %+v", set)
			}
			setID = set.ID
		})

		testkit.Step(t, "a campaign open now gives each department a draft report that only its own officials see", func(t *testing.T) {
			var campaign struct {
				ID       int64            `json:"id"`
				OpensAt  string           `json:"opens_at"`
				ClosesAt string           `json:"closes_at"`
				Sets     map[string]int64 `json:"criteria_sets"`
			}
			admin.Do(t, "POST", "/api/v1/campaigns", map[string]any{
				"name": "Tự đánh giá Chỉ số CCHC năm 2026", "year": 2026,
				"opens_at": "2026-11-15T08:00:00+07:00", "closes_at": "2026-11-25T17:00:00+07:00",
				"criteria_sets": map[string]int64{"department": setID},
			}).Want(t, http.StatusCreated, &campaign)
			if campaign.ID == 0 || campaign.OpensAt != "2026-11-15T08:00:00+07:00" || campaign.ClosesAt != "2026-11-25T17:00:00+07:00" || campaign.Sets["department"] != setID {
				t.Fatalf("campaign %+v", campaign)
			}
			campaignID = campaign.ID
			var mine, all []reportJSON
			updater.Do(t, "GET", fmt.Sprintf("/api/v1/reports?campaign_id=%d", campaignID), nil).Want(t, http.StatusOK, &mine)
			admin.Do(t, "GET", fmt.Sprintf("/api/v1/reports?campaign_id=%d", campaignID), nil).Want(t, http.StatusOK, &all)
			if len(mine) != 1 || mine[0].AgencyID != stp.ID || len(all) != 2 {
				t.Fatalf("reports: the updater sees %+v, the admin %d", mine, len(all))
			}
			id = mine[0].ID
			rep = getReport(t, updater, id)
			if rep.State != "draft" || rep.Round != 0 || rep.CampaignID != campaignID || rep.Deadline != "2026-11-25T17:00:00+07:00" ||
				rep.SelfTotal != "0" || rep.MaxTotal != "100" || len(rep.Entries) != 38 || !slices.Equal(rep.editable(), deptSelfLeaves) {
				t.Fatalf("new report: %+v, editable %v", rep, rep.editable())
			}
			version = rep.Version
			reportPath = fmt.Sprintf("/api/v1/reports/%d", id)
			other.Do(t, "GET", reportPath, nil).WantProblem(t, http.StatusNotFound)
			other.Do(t, "GET", reportPath+"/history", nil).WantProblem(t, http.StatusNotFound)
			checkAvailable(t, "draft", 0, map[string][]string{
				"updater": {"complete→entered"}, "approver": none, "council": none, "admin": none,
			})
		})

		testkit.Step(t, "complete before any entry names every missing self-scored leaf", func(t *testing.T) {
			p := updater.Do(t, "POST", reportPath+"/transitions", map[string]any{"event": "complete"}).WantProblem(t, http.StatusUnprocessableEntity)
			var missing []string
			for _, code := range deptSelfLeaves {
				missing = append(missing, "entries/"+code)
			}
			if !slices.Equal(p.Fields(), missing) {
				t.Fatalf("complete on an empty report names %v", p.Fields())
			}
		})

		testkit.Step(t, "the updater enters every self-scored leaf, each raising the version by one", func(t *testing.T) {
			for _, e := range rep.Entries {
				if e.Method != "self" {
					continue
				}
				clock.Add(time.Minute)
				var put struct {
					Code        string          `json:"code"`
					SelfScore   json.RawMessage `json:"self_score"`
					Explanation string          `json:"explanation"`
					Editable    bool            `json:"editable"`
					Version     int64           `json:"version"`
				}
				explanation := "Đã thực hiện đầy đủ tiêu chí " + e.Code
				res := updater.Do(t, "PUT", reportPath+"/entries/"+e.Code, map[string]any{"self_score": e.MaxPoints, "explanation": explanation}).
					Want(t, http.StatusOK, &put)
				version++
				if put.Code != e.Code || string(put.SelfScore) != string(e.MaxPoints) || put.Explanation != explanation || !put.Editable || put.Version != version {
					t.Fatalf("PUT %s: %+v (self_score %s), want version %d", e.Code, put, put.SelfScore, version)
				}
				if res.Header.Get("ETag") != strconv.Quote(strconv.FormatInt(version, 10)) {
					t.Fatalf("PUT %s: ETag %s, version %d", e.Code, res.Header.Get("ETag"), version)
				}
			}
		})

		testkit.Step(t, "a write that names an old version is refused and changes nothing", func(t *testing.T) {
			updater.Do(t, "PUT", reportPath+"/entries/1.2", map[string]any{"self_score": 0.5, "explanation": "x"}, "If-Match", `"1"`).
				WantProblem(t, http.StatusPreconditionFailed)
			rep = getReport(t, updater, id)
			if rep.Version != version || rep.SelfTotal != "36" || rep.MaxTotal != "100" {
				t.Fatalf("after the entries: version %d (want %d), self_total %s, max_total %s", rep.Version, version, rep.SelfTotal, rep.MaxTotal)
			}
			checkAvailable(t, "draft", 0, map[string][]string{"updater": {"complete→entered"}, "approver": none})
		})

		testkit.Step(t, "the updater completes; then the entries are frozen and approving is the approver's", func(t *testing.T) {
			fire(t, updater, updaterU.Email, map[string]any{"event": "complete"}, "draft", "entered", 0)
			checkAvailable(t, "entered", 0, map[string][]string{
				"updater": {"reopen→draft"}, "approver": {"approve→reviewed", "return→draft"}, "council": none, "admin": none,
			})
			updater.Do(t, "PUT", reportPath+"/entries/1.2", map[string]any{"self_score": 0.5, "explanation": "x"}).WantProblem(t, http.StatusConflict)
			updater.Do(t, "POST", reportPath+"/transitions", map[string]any{"event": "approve"}).WantProblem(t, http.StatusForbidden)
		})

		testkit.Step(t, "the approver approves", func(t *testing.T) {
			fire(t, approver, approverU.Email, map[string]any{"event": "approve"}, "entered", "reviewed", 0)
			checkAvailable(t, "reviewed", 0, map[string][]string{
				"updater": none, "approver": {"return→draft", "sign→signed"}, "council": none,
			})
		})

		testkit.Step(t, "sign needs the summary of this very version, exported, signed outside and uploaded", func(t *testing.T) {
			approver.Do(t, "POST", reportPath+"/transitions", map[string]any{"event": "sign"}).WantProblem(t, http.StatusUnprocessableEntity)
			pdf := approver.Do(t, "GET", reportPath+"/summary.pdf", nil).Want(t, http.StatusOK, nil)
			signer := signtest.NewCA(t, "CA thử nghiệm").Issue(t, "Trần Thị Phê Duyệt", "Sở Tư pháp")
			clock.Add(time.Minute)
			var ss struct {
				SHA256         string `json:"sha256"`
				MatchesVersion *int64 `json:"matches_version"`
			}
			approver.Do(t, "POST", reportPath+"/signed-summary", testkit.Upload(t, "file", "Bảng tổng hợp (đã ký).pdf", signer.Sign(t, pdf.Body))).
				Want(t, http.StatusCreated, &ss)
			if ss.MatchesVersion == nil || *ss.MatchesVersion != version {
				t.Fatalf("signed summary matches %v, want version %d", ss.MatchesVersion, version)
			}
			want = append(want, step{"signed_summary", "reviewed", "reviewed", 0, approverU.Email, clock.Now(), "Bảng tổng hợp (đã ký).pdf (" + ss.SHA256[:12] + ")"})
			fire(t, approver, approverU.Email, map[string]any{"event": "sign"}, "reviewed", "signed", 0)
			checkAvailable(t, "signed", 0, map[string][]string{
				"updater": none, "approver": {"return→draft", "submit→submitted"}, "council": none,
			})
		})

		testkit.Step(t, "the approver submits, and only the council may act on the report", func(t *testing.T) {
			fire(t, approver, approverU.Email, map[string]any{"event": "submit"}, "signed", "submitted", 0)
			checkAvailable(t, "submitted", 0, map[string][]string{
				"updater": none, "approver": none, "council": {"open_round→draft"}, "admin": none,
			})
		})

		testkit.Step(t, "the council opens a supplementary round for two criteria, closing in a week", func(t *testing.T) {
			roundCloses := "2026-11-27T17:00:00+07:00"
			fire(t, council, councilU.Email, map[string]any{"event": "open_round", "reason": "Bổ sung tài liệu kiểm chứng",
				"closes_at": roundCloses, "criteria": []string{"1.1.1", "2.1"}}, "submitted", "draft", 1)
			rep = getReport(t, updater, id)
			if rep.Deadline != roundCloses || !slices.Equal(rep.editable(), []string{"1.1.1", "2.1"}) {
				t.Fatalf("round 1: deadline %s, editable %v", rep.Deadline, rep.editable())
			}
			checkAvailable(t, "draft", 1, map[string][]string{
				"updater": {"complete→entered"}, "approver": none, "council": none,
			})
		})

		testkit.Step(t, "in round 1 only the round's criteria may change", func(t *testing.T) {
			clock.Add(time.Minute)
			var put struct {
				SelfScore json.Number `json:"self_score"`
				Editable  bool        `json:"editable"`
				Version   int64       `json:"version"`
			}
			updater.Do(t, "PUT", reportPath+"/entries/1.1.1", map[string]any{"self_score": 0.5, "explanation": "Kế hoạch ban hành chậm; bổ sung quyết định"}).
				Want(t, http.StatusOK, &put)
			version++
			if put.SelfScore != "0.5" || !put.Editable || put.Version != version {
				t.Fatalf("round 1 PUT 1.1.1: %+v", put)
			}
			p := updater.Do(t, "PUT", reportPath+"/entries/1.2", map[string]any{"self_score": 0.5, "explanation": "Không được sửa"}).
				WantProblem(t, http.StatusUnprocessableEntity)
			if !slices.Contains(p.Fields(), "entries/1.2") {
				t.Fatalf("round 1 PUT 1.2: fields %v", p.Fields())
			}
			rep = getReport(t, updater, id)
			if rep.Version != version || rep.SelfTotal != "35.5" {
				t.Fatalf("after round 1: version %d (want %d), self_total %s", rep.Version, version, rep.SelfTotal)
			}
			for _, e := range rep.Entries {
				if e.Code == "1.2" && string(e.SelfScore) != "1" {
					t.Fatalf("1.2 changed to %s", e.SelfScore)
				}
			}
		})

		testkit.Step(t, "the history says who did what and when; where from, to administrators only", func(t *testing.T) {
			var history, seen []historyJSON
			admin.Do(t, "GET", reportPath+"/history", nil).Want(t, http.StatusOK, &history)
			updater.Do(t, "GET", reportPath+"/history", nil).Want(t, http.StatusOK, &seen)
			trimmed := slices.Clone(history)
			for i := range trimmed {
				trimmed[i].RequestID, trimmed[i].ClientIP = "", ""
			}
			if !reflect.DeepEqual(trimmed, seen) {
				t.Fatalf("the updater's history is not the admin's without request ids and client IPs:\n%+v\n%+v", history, seen)
			}
			if len(history) != len(want) {
				t.Fatalf("history has %d rows, want %d: %+v", len(history), len(want), history)
			}
			for i, h := range history {
				w := want[i]
				if h.Event != w.event || h.From != w.from || h.To != w.to || h.Round != w.round || h.Actor == nil || h.Actor.Email != w.email || h.Reason != w.reason {
					t.Errorf("history[%d] = %s %s→%s round %d by %v (%q), want %s %s→%s round %d by %s (%q)",
						i, h.Event, h.From, h.To, h.Round, h.Actor, h.Reason, w.event, w.from, w.to, w.round, w.email, w.reason)
				}
				at, err := time.Parse(time.RFC3339Nano, h.At)
				if err != nil || !strings.HasSuffix(h.At, "+07:00") || !at.Equal(w.at) {
					t.Errorf("history[%d].at = %q, want %s in +07:00 (%v)", i, h.At, w.at.Format(time.RFC3339), err)
				}
				if h.RequestID == "" || h.ClientIP != "127.0.0.1" || (i > 0 && h.RequestID == history[i-1].RequestID) {
					t.Errorf("history[%d] does not say where it came from: request_id %q, client_ip %q", i, h.RequestID, h.ClientIP)
				}
			}
		})
	})
}

// TestHistoryOrigin: the history records the client behind a trusted proxy
// (--trusted-proxies, or PARINDEX_TRUSTED_PROXIES) and the caller's own
// X-Request-Id beside the server's; without trusted proxies X-Forwarded-For
// is ignored.
func TestHistoryOrigin(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		env    map[string]string
		args   []string
		wantIP string
	}{
		{"no trusted proxy", nil, nil, "127.0.0.1"},
		{"trusted by flag", nil, []string{"--trusted-proxies", "10.0.0.0/8, 127.0.0.0/8"}, "203.0.113.7"},
		{"trusted by environment", map[string]string{"PARINDEX_TRUSTED_PROXIES": "127.0.0.1/32"}, nil, "203.0.113.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := storetest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, hcm))
			m, _ := serve(t, clock, tc.env, append([]string{"--addr", "127.0.0.1:0", "--db", storetest.URL(t, "sqlite")}, tc.args...)...)
			w := storetest.NewWorld(t, m.Store(), clock)
			w.FillEntries(t, w.Dept)
			updater := testkit.NewClient(m.URL(), storetest.MustToken(t, m.Store(), w.Dept.Updater))
			admin := testkit.NewClient(m.URL(), storetest.MustToken(t, m.Store(), w.Admin))
			path := fmt.Sprintf("/api/v1/reports/%d", w.Dept.ReportID)
			updater.Do(t, "POST", path+"/transitions", map[string]any{"event": "complete"},
				"X-Forwarded-For", "203.0.113.7", "X-Request-Id", "hue-gw-0042").Want(t, http.StatusOK, nil)
			var history []historyJSON
			admin.Do(t, "GET", path+"/history", nil).Want(t, http.StatusOK, &history)
			if len(history) != 1 || history[0].ClientIP != tc.wantIP || history[0].ClientRequestID != "hue-gw-0042" ||
				history[0].RequestID == "" || history[0].RequestID == "hue-gw-0042" {
				t.Fatalf("history %+v, want client_ip %s, client_request_id hue-gw-0042 and the server's own request_id", history, tc.wantIP)
			}
		})
	}
}
