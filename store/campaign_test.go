package store_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// province is a store with agencies of both kinds and both sample sets, but no campaign.
type province struct {
	s          *store.Store
	admin      *workflow.User
	depts      []*storetest.Agency
	district   *storetest.Agency
	dept, dist *workflow.CriteriaSet
}

func newProvince(t *testing.T, dialect string) *province {
	t.Helper()
	s := storetest.Open(t, dialect, storetest.NewClock(start))
	p := &province{s: s, admin: storetest.MustUser(t, s, "admin@x.vn", workflow.Grant{Role: workflow.RoleAdmin})}
	p.dept = storetest.MustCriteriaSet(t, s, "criteria-department.yaml")
	p.dist = storetest.MustCriteriaSet(t, s, "criteria-district.yaml")
	p.depts = []*storetest.Agency{
		storetest.MustAgency(t, s, "STP", "Sở Tư pháp", workflow.KindDepartment),
		storetest.MustAgency(t, s, "STC", "Sở Tài chính", workflow.KindDepartment),
	}
	p.district = storetest.MustAgency(t, s, "ALUOI", "UBND huyện A Lưới", workflow.KindDistrict)
	return p
}

func (p *province) campaign(name string, sets map[workflow.AgencyKind]int64) *workflow.Campaign {
	// 17:00 province time, as the guidance writes deadlines.
	closes := time.Date(2026, 11, 25, 17, 0, 0, 0, hcm)
	return &workflow.Campaign{Name: name, Year: 2026, OpensAt: start.Add(-time.Hour).In(hcm), ClosesAt: closes, CriteriaSets: sets}
}

// reportRows lists a campaign's reports as "agency set state round version".
func reportRows(t *testing.T, s *store.Store, campaignID int64) []string {
	t.Helper()
	rows := []struct {
		AgencyID int64  `db:"agency_id"`
		SetID    int64  `db:"criteria_set_id"`
		State    string `db:"state"`
		Round    int    `db:"round"`
		Version  int64  `db:"version"`
	}{}
	if err := s.DB().Select(&rows, s.DB().Rebind(`SELECT agency_id, criteria_set_id, state, round, version FROM reports WHERE campaign_id = ? ORDER BY agency_id`), campaignID); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("agency=%d set=%d %s round=%d version=%d", r.AgencyID, r.SetID, r.State, r.Round, r.Version))
	}
	return out
}

func TestCreateCampaign(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		p := newProvince(t, dialect)
		s := p.s

		both := p.campaign(nfd("Chỉ số CCHC 2026"), map[workflow.AgencyKind]int64{workflow.KindDepartment: p.dept.ID, workflow.KindDistrict: p.dist.ID})
		if err := s.CreateCampaign(ctx, both, p.admin, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		want := []string{
			fmt.Sprintf("agency=%d set=%d draft round=0 version=1", p.depts[0].ID, p.dept.ID),
			fmt.Sprintf("agency=%d set=%d draft round=0 version=1", p.depts[1].ID, p.dept.ID),
			fmt.Sprintf("agency=%d set=%d draft round=0 version=1", p.district.ID, p.dist.ID),
		}
		if got := reportRows(t, s, both.ID); !reflect.DeepEqual(got, want) {
			t.Fatalf("reports:\n got %q\nwant %q", got, want)
		}

		deptOnly := p.campaign("Chỉ số CCHC sở 2026", map[workflow.AgencyKind]int64{workflow.KindDepartment: p.dept.ID})
		if err := s.CreateCampaign(ctx, deptOnly, p.admin, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		if got := reportRows(t, s, deptOnly.ID); !reflect.DeepEqual(got, want[:2]) {
			t.Fatalf("a department-only campaign has reports %q, want %q", got, want[:2])
		}

		t.Run("get and list", func(t *testing.T) {
			got, err := s.GetCampaign(ctx, both.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != "Chỉ số CCHC 2026" || got.Year != 2026 || !got.OpensAt.Equal(both.OpensAt) || !got.ClosesAt.Equal(both.ClosesAt) ||
				!reflect.DeepEqual(got.CriteriaSets, both.CriteriaSets) || got.Rounds == nil || len(got.Rounds) != 0 {
				t.Fatalf("campaign = %+v, want %+v with the name in NFC and no rounds", got, both)
			}
			if got.OpensAt.Location() != time.UTC || got.ClosesAt.Format(time.RFC3339) != "2026-11-25T10:00:00Z" {
				t.Fatalf("closes_at comes back as %s, want 2026-11-25T10:00:00Z", got.ClosesAt.Format(time.RFC3339))
			}
			list, err := s.ListCampaigns(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || list[0].ID != deptOnly.ID || list[1].ID != both.ID || len(list[0].CriteriaSets) != 1 || len(list[1].CriteriaSets) != 2 {
				t.Fatalf("list = %+v, want the two campaigns newest first", list)
			}
			_, err = s.GetCampaign(ctx, deptOnly.ID+1000)
			wantCode(t, err, workflow.ENOTFOUND)
		})
	})
}

func TestCreateCampaignRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		p := newProvince(t, dialect)
		s := p.s
		nothingStored := func(t *testing.T) {
			t.Helper()
			for _, table := range []string{"campaigns", "campaign_criteria_sets", "reports"} {
				if n := count(t, s, `SELECT COUNT(*) FROM `+table); n != 0 {
					t.Fatalf("%d rows in %s after a refused campaign", n, table)
				}
			}
			if n := count(t, s, `SELECT COUNT(*) FROM criteria_sets WHERE frozen = ?`, true); n != 0 {
				t.Fatalf("%d criteria sets frozen by a refused campaign", n)
			}
		}
		for _, tc := range []struct {
			name   string
			sets   map[workflow.AgencyKind]int64
			fields []string
		}{
			{"wrong kind", map[workflow.AgencyKind]int64{workflow.KindDepartment: p.dist.ID, workflow.KindDistrict: p.dist.ID}, []string{"criteria_sets/department"}},
			{"unknown set", map[workflow.AgencyKind]int64{workflow.KindDepartment: p.dept.ID, workflow.KindDistrict: p.dist.ID + 1000}, []string{"criteria_sets/district"}},
			{"both wrong", map[workflow.AgencyKind]int64{workflow.KindDepartment: p.dist.ID, workflow.KindDistrict: p.dept.ID}, []string{"criteria_sets/department", "criteria_sets/district"}},
			{"no sets", map[workflow.AgencyKind]int64{}, []string{"criteria_sets"}},
			{"unknown kind", map[workflow.AgencyKind]int64{"ward": p.dept.ID}, []string{"criteria_sets/ward"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := p.campaign("Chỉ số CCHC 2026", tc.sets)
				err := s.CreateCampaign(ctx, c, p.admin, store.Meta{})
				wantCode(t, err, workflow.EINVALID)
				if f := fieldNames(err); !reflect.DeepEqual(f, tc.fields) {
					t.Fatalf("fields = %q, want %q", f, tc.fields)
				}
				if c.ID != 0 {
					t.Fatalf("a refused campaign got id %d", c.ID)
				}
				nothingStored(t)
			})
		}
		t.Run("bad window", func(t *testing.T) {
			c := p.campaign("Chỉ số CCHC 2026", map[workflow.AgencyKind]int64{workflow.KindDepartment: p.dept.ID})
			c.ClosesAt = c.OpensAt
			err := s.CreateCampaign(ctx, c, p.admin, store.Meta{})
			wantCode(t, err, workflow.EINVALID)
			if f := fieldNames(err); !reflect.DeepEqual(f, []string{"closes_at"}) {
				t.Fatalf("fields = %q", f)
			}
			nothingStored(t)
		})

		// A failure after the campaign and the first kind's reports are
		// written (a trigger refuses the district reports) rolls all of it back.
		t.Run("all or nothing", func(t *testing.T) {
			refuseReportsOf(t, s, p.dist.ID)
			c := p.campaign("Chỉ số CCHC 2026", map[workflow.AgencyKind]int64{workflow.KindDepartment: p.dept.ID, workflow.KindDistrict: p.dist.ID})
			err := s.CreateCampaign(ctx, c, p.admin, store.Meta{})
			if err == nil {
				t.Fatal("the trigger did not refuse the district reports")
			}
			if c.ID != 0 {
				t.Fatalf("a rolled-back campaign kept id %d", c.ID)
			}
			nothingStored(t)
		})
	})
}

// refuseReportsOf installs a trigger that makes inserting a report of the
// criteria set fail, to break a transaction half way.
func refuseReportsOf(t *testing.T, s *store.Store, setID int64) {
	t.Helper()
	stmts := []string{fmt.Sprintf(`CREATE TRIGGER refuse_reports BEFORE INSERT ON reports
		WHEN NEW.criteria_set_id = %d BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`, setID)}
	if s.Dialect() == store.Postgres {
		stmts = []string{
			`CREATE FUNCTION refuse_report() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`,
			fmt.Sprintf(`CREATE TRIGGER refuse_reports BEFORE INSERT ON reports FOR EACH ROW
				WHEN (NEW.criteria_set_id = %d) EXECUTE FUNCTION refuse_report()`, setID),
		}
	}
	for _, q := range stmts {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatalf("install trigger: %v", err)
		}
	}
}

func TestCampaignProgress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s := w.Store

		p, err := s.CampaignProgress(ctx, w.Campaign.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[workflow.State]int{"draft": 3, "entered": 0, "reviewed": 0, "signed": 0, "submitted": 0, "locked": 0}
		if !reflect.DeepEqual(p.ByState, want) || !reflect.DeepEqual(p.NotSubmitted, []int64{w.Dept.ID, w.Dept2.ID, w.District.ID}) {
			t.Fatalf("fresh progress = %+v", p)
		}

		w.Submit(t, w.Dept)
		walk(t, w, w.District, workflow.StateReviewed)
		p, err = s.CampaignProgress(ctx, w.Campaign.ID)
		if err != nil {
			t.Fatal(err)
		}
		want = map[workflow.State]int{"draft": 1, "entered": 0, "reviewed": 1, "signed": 0, "submitted": 1, "locked": 0}
		if !reflect.DeepEqual(p.ByState, want) {
			t.Fatalf("by_state = %v, want %v", p.ByState, want)
		}
		if !reflect.DeepEqual(p.NotSubmitted, []int64{w.Dept2.ID, w.District.ID}) {
			t.Fatalf("not_submitted = %v, want [%d %d]", p.NotSubmitted, w.Dept2.ID, w.District.ID)
		}
		// Per block: the departments, the districts.
		dept, dist := p.ByKind[workflow.KindDepartment], p.ByKind[workflow.KindDistrict]
		if dept == nil || dist == nil || len(p.ByKind) != 2 {
			t.Fatalf("by_kind = %+v", p.ByKind)
		}
		if dept.Total != 2 || dept.ByState["submitted"] != 1 || dept.ByState["draft"] != 1 || !reflect.DeepEqual(dept.NotSubmitted, []int64{w.Dept2.ID}) {
			t.Errorf("departments = %+v", dept)
		}
		if dist.Total != 1 || dist.ByState["reviewed"] != 1 || dist.ByState["submitted"] != 0 || !reflect.DeepEqual(dist.NotSubmitted, []int64{w.District.ID}) {
			t.Errorf("districts = %+v", dist)
		}
		// The time left runs to the campaign's deadline, then to a later round's, then is 0.
		if !p.Deadline.Equal(w.Campaign.ClosesAt) || p.SecondsLeft != int64(w.Campaign.ClosesAt.Sub(w.Clock.Now())/time.Second) {
			t.Errorf("deadline %s, %d s left; want %s, %v", p.Deadline, p.SecondsLeft, w.Campaign.ClosesAt, w.Campaign.ClosesAt.Sub(w.Clock.Now()))
		}
		w.Clock.Set(w.Campaign.ClosesAt)
		if _, err := s.OpenCampaignRound(ctx, w.Council, w.Campaign.ID, workflow.RoundRequest{ClosesAt: w.Campaign.ClosesAt.Add(72 * time.Hour)}, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		w.Clock.Add(time.Hour)
		if p, _ = s.CampaignProgress(ctx, w.Campaign.ID); !p.Deadline.Equal(w.Campaign.ClosesAt.Add(72*time.Hour)) || p.SecondsLeft != 71*3600 {
			t.Errorf("during the round: deadline %s, %d s left", p.Deadline, p.SecondsLeft)
		}
		w.Clock.Add(100 * time.Hour)
		if p, _ = s.CampaignProgress(ctx, w.Campaign.ID); p.SecondsLeft != 0 {
			t.Errorf("after every deadline: %d s left", p.SecondsLeft)
		}

		_, err = s.CampaignProgress(ctx, w.Campaign.ID+1000)
		wantCode(t, err, workflow.ENOTFOUND)
	})
}
