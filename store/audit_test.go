package store_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"parindex/internal/testkit"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// auditDetail decodes an audit row's detail.
func auditDetail(t *testing.T, a store.AuditEntry) map[string]any {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(a.Detail, &d); err != nil {
		t.Fatalf("audit detail %s: %v", a.Detail, err)
	}
	return d
}

// TestAuditLog: every administrative change writes one audit row with the
// actor, the instant, the request and what changed, in the change's own
// transaction; a refused change writes none.
func TestAuditLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, admin := w.Store, w.Admin
		issuer := w.Council.ID // as if the admin's token had been issued by someone else
		meta := store.Meta{RequestID: "req-1", ClientRequestID: "cli-1", ClientIP: "192.0.2.4", IssuedBy: &issuer}
		w.Clock.Add(time.Minute)
		council := w.Council
		// What the steps make for the steps after them.
		var (
			agency *workflow.Agency
			u      *workflow.User
		)

		// check reads the newest row and compares it with what the change was.
		check := func(t *testing.T, kind, action, target string, want map[string]any) store.AuditEntry {
			t.Helper()
			a := lastAudit(t, s, kind)
			if a.Action != action || a.Target != target || a.Actor == nil || a.Actor.ID != admin.ID || a.Actor.Email != admin.Email ||
				a.IssuedBy == nil || a.IssuedBy.ID != issuer || a.RequestID != "req-1" || a.ClientRequestID != "cli-1" || a.ClientIP != "192.0.2.4" ||
				!a.At.Equal(w.Clock.Now()) {
				t.Fatalf("audit row %+v, want %s %s of %s by the admin with the request", a, kind, action, target)
			}
			got := auditDetail(t, a)
			for k, v := range want {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("%s %s: detail %s = %#v, want %#v (%s)", kind, action, k, got[k], v, a.Detail)
				}
			}
			return a
		}

		testkit.Step(t, "creating an agency is audited with who, when, the request and the token's issuer", func(t *testing.T) {
			agency = &workflow.Agency{Code: "SYT", Name: "Sở Y tế", Kind: workflow.KindDepartment}
			if err := s.CreateAgency(ctx, admin, agency, meta); err != nil {
				t.Fatal(err)
			}
			check(t, store.AuditAgency, "create", fmt.Sprint(agency.ID), map[string]any{"id": float64(agency.ID), "code": "SYT", "name": "Sở Y tế", "kind": "department"})
		})

		testkit.Step(t, "creating a user is audited with the grants", func(t *testing.T) {
			u = &workflow.User{Email: "Moi@SYT.example.vn", Name: "Người mới", Title: "Chuyên viên",
				Grants: []workflow.Grant{{Role: workflow.RoleUpdater, AgencyID: &agency.ID}}}
			if err := s.CreateUser(ctx, admin, u, meta); err != nil {
				t.Fatal(err)
			}
			check(t, store.AuditUser, "create", fmt.Sprint(u.ID), map[string]any{"email": "moi@syt.example.vn", "name": "Người mới", "title": "Chuyên viên",
				"grants": []any{map[string]any{"role": "updater", "agency_id": float64(agency.ID)}}})
		})

		testkit.Step(t, "creating and replacing a criteria set are audited, the replacement old and new", func(t *testing.T) {
			set := smallSet(t, "AUDIT-1", "1")
			if err := s.CreateCriteriaSet(ctx, admin, set, meta); err != nil {
				t.Fatal(err)
			}
			check(t, store.AuditCriteriaSet, "create", fmt.Sprint(set.ID), map[string]any{"code": "AUDIT-1", "agency_kind": "department", "leaves": float64(set.Leaves)})
			if err := s.ReplaceCriteriaSet(ctx, admin, set.ID, smallSet(t, "AUDIT-2", "2"), meta); err != nil {
				t.Fatal(err)
			}
			a := check(t, store.AuditCriteriaSet, "replace", fmt.Sprint(set.ID), nil)
			d := auditDetail(t, a)
			if old, ok := d["old"].(map[string]any); !ok || old["code"] != "AUDIT-1" || d["new"].(map[string]any)["code"] != "AUDIT-2" ||
				old["leaves"] != float64(set.Leaves) || old["max_points"] == d["new"].(map[string]any)["max_points"] {
				t.Fatalf("replace detail %s: want old and new", a.Detail)
			}
		})

		testkit.Step(t, "creating a campaign is audited with its sets and deadline", func(t *testing.T) {
			c := &workflow.Campaign{Name: "Đợt kiểm tra", Year: 2027, OpensAt: w.Clock.Now(), ClosesAt: w.Clock.Now().Add(48 * time.Hour),
				CriteriaSets: map[workflow.AgencyKind]int64{workflow.KindDepartment: w.DeptSet.ID}}
			if err := s.CreateCampaign(ctx, c, admin, meta); err != nil {
				t.Fatal(err)
			}
			check(t, store.AuditCampaign, "create", fmt.Sprint(c.ID), map[string]any{"name": "Đợt kiểm tra", "year": float64(2027), "reports": float64(3),
				"criteria_sets": map[string]any{"department": float64(w.DeptSet.ID)}, "closes_at": c.ClosesAt.UTC().Format(time.RFC3339Nano)})
		})

		testkit.Step(t, "an officials import is audited with its counts and the ids it created and updated", func(t *testing.T) {
			res, err := s.ImportOfficials(ctx, admin, agency.ID, []workflow.Official{
				{Row: 2, Name: "Người mới", Title: "Chuyên viên chính", Email: "moi@syt.example.vn", Role: workflow.RoleApprover},
				{Row: 3, Name: "Trần Văn Hai", Title: "Chuyên viên", Email: "hai@syt.example.vn", Role: workflow.RoleUpdater},
			}, meta)
			if err != nil {
				t.Fatal(err)
			}
			hai := officialByEmail(t, s, "hai@syt.example.vn")
			check(t, store.AuditImport, "officials", fmt.Sprint(agency.ID), map[string]any{"agency_id": float64(agency.ID),
				"created": float64(res.Created), "updated": float64(1), "unchanged": float64(0),
				"created_ids": []any{float64(hai.ID)}, "updated_ids": []any{float64(u.ID)}})
		})

		testkit.Step(t, "a grant added at the command line (token issue --role) is audited without an actor", func(t *testing.T) {
			if err := s.EnsureUser(ctx, &workflow.User{Email: u.Email, Name: u.Name}, &workflow.Grant{Role: workflow.RoleCouncil}); err != nil {
				t.Fatal(err)
			}
			g := lastAudit(t, s, store.AuditGrant)
			if g.Actor != nil || g.Action != "create" || g.Target != fmt.Sprint(u.ID) || string(g.Detail) != fmt.Sprintf(`{"user_id":%d,"role":"council","agency_id":null}`, u.ID) {
				t.Fatalf("grant row %+v %s", g, g.Detail)
			}
		})

		testkit.Step(t, "a round opened campaign-wide is audited with what it opened and skipped", func(t *testing.T) {
			// The world's campaign, Dept's report submitted.
			w.Submit(t, w.Dept)
			rr := workflow.RoundRequest{OpensAt: w.Clock.Now(), ClosesAt: w.Clock.Now().Add(72 * time.Hour), Criteria: []string{"1.1.1"}, Note: "Bổ sung"}
			round, err := s.OpenCampaignRound(ctx, council, w.Campaign.ID, rr, store.Meta{RequestID: "req-2"})
			if err != nil {
				t.Fatal(err)
			}
			r := lastAudit(t, s, store.AuditCampaign)
			rd := auditDetail(t, r)
			if r.Action != "open_round" || r.Target != fmt.Sprint(w.Campaign.ID) || r.Actor.ID != council.ID || r.RequestID != "req-2" ||
				rd["number"] != float64(round.Number) || !reflect.DeepEqual(rd["opened"], []any{float64(w.Dept.ReportID)}) || len(rd["skipped"].([]any)) != 2 ||
				!reflect.DeepEqual(rd["criteria"], []any{"1.1.1"}) || rd["note"] != "Bổ sung" {
				t.Fatalf("round row %+v %s", r, r.Detail)
			}
		})

		testkit.Step(t, "refused changes write nothing", func(t *testing.T) {
			before := count(t, s, `SELECT COUNT(*) FROM audit_log`)
			wantCode(t, s.CreateAgency(ctx, admin, &workflow.Agency{Code: "SYT", Name: "Trùng", Kind: workflow.KindDepartment}, meta), workflow.ECONFLICT)
			wantCode(t, s.CreateUser(ctx, admin, &workflow.User{Email: "moi@syt.example.vn", Name: "Trùng"}, meta), workflow.ECONFLICT)
			wantCode(t, s.CreateCriteriaSet(ctx, admin, smallSet(t, "AUDIT-2", "1"), meta), workflow.ECONFLICT)
			wantCode(t, s.ReplaceCriteriaSet(ctx, admin, w.DeptSet.ID, smallSet(t, "AUDIT-3", "1"), meta), workflow.ECONFLICT)
			wantCode(t, s.ReplaceCriteriaSet(ctx, admin, 987654, smallSet(t, "AUDIT-4", "1"), meta), workflow.ENOTFOUND)
			_, err := s.ImportOfficials(ctx, admin, 987654, []workflow.Official{{Row: 2, Name: "X", Email: "x@syt.example.vn", Role: workflow.RoleUpdater}}, meta)
			wantCode(t, err, workflow.ENOTFOUND)
			_, err = s.CreateToken(ctx, admin, 987654, store.TokenExpiry{}, meta)
			wantCode(t, err, workflow.ENOTFOUND)
			if n := count(t, s, `SELECT COUNT(*) FROM audit_log`); n != before {
				t.Fatalf("refused changes wrote %d audit rows", n-before)
			}
		})

		testkit.Step(t, "the log is read newest first, filtered by actor, kind and time, a page at a time", func(t *testing.T) {
			all, err := s.ListAudit(ctx, store.AuditFilter{Limit: store.MaxAuditLimit})
			if err != nil {
				t.Fatal(err)
			}
			if len(all) < 10 || !slices.IsSortedFunc(all, func(a, b store.AuditEntry) int { return int(b.ID - a.ID) }) {
				t.Fatalf("%d rows, want them newest first", len(all))
			}
			if def, _ := s.ListAudit(ctx, store.AuditFilter{}); len(def) != min(len(all), store.DefaultAuditLimit) {
				t.Fatalf("default page %d rows", len(def))
			}
			byCouncil, _ := s.ListAudit(ctx, store.AuditFilter{ActorID: council.ID})
			if len(byCouncil) != 1 || byCouncil[0].Kind != store.AuditCampaign {
				t.Fatalf("the council's rows: %+v", byCouncil)
			}
			imports, _ := s.ListAudit(ctx, store.AuditFilter{Kind: store.AuditImport})
			if len(imports) != 1 {
				t.Fatalf("import rows: %+v", imports)
			}
			// The world was built at start, the changes above a minute later.
			from := start.Add(time.Minute)
			later, _ := s.ListAudit(ctx, store.AuditFilter{From: &from, Limit: store.MaxAuditLimit})
			to := from
			earlier, _ := s.ListAudit(ctx, store.AuditFilter{To: &to, Limit: store.MaxAuditLimit})
			if len(later) == 0 || len(earlier) == 0 || len(later)+len(earlier) != len(all) {
				t.Fatalf("from %d + to %d rows, want %d together", len(later), len(earlier), len(all))
			}
			for _, a := range earlier {
				if !a.At.Before(from) {
					t.Fatalf("row at %v is not before %v", a.At, from)
				}
			}
			page1, _ := s.ListAudit(ctx, store.AuditFilter{Limit: 3})
			page2, _ := s.ListAudit(ctx, store.AuditFilter{Limit: 3, Before: page1[2].ID})
			if len(page1) != 3 || len(page2) != 3 || !reflect.DeepEqual(append(page1, page2...), all[:6]) {
				t.Fatalf("pages %v %v", page1, page2)
			}
		})

		testkit.Step(t, "the log is append-only: the database refuses UPDATE and DELETE", func(t *testing.T) {
			before := count(t, s, `SELECT COUNT(*) FROM audit_log`)
			for _, q := range []string{
				`UPDATE audit_log SET action = 'tampered'`,
				`UPDATE audit_log SET detail = '{}' WHERE kind = 'agency'`,
				`DELETE FROM audit_log`,
				`DELETE FROM audit_log WHERE kind = 'import'`,
			} {
				_, err := s.DB().Exec(q)
				if err == nil {
					t.Fatalf("%s succeeded", q)
				}
				if !strings.Contains(err.Error(), "append-only") {
					t.Fatalf("%s: %v, want the trigger's refusal", q, err)
				}
			}
			if n := count(t, s, `SELECT COUNT(*) FROM audit_log WHERE action = 'tampered'`); n != 0 {
				t.Fatal("a row was changed")
			}
			if n := count(t, s, `SELECT COUNT(*) FROM audit_log`); n != before {
				t.Fatalf("%d rows, want %d", n, before)
			}
		})
	})
}
