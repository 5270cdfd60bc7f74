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

// smallSet is a criteria set in the import format whose titles arrive
// decomposed; code and the first leaf's maximum vary per call.
func smallSet(t testing.TB, code, firstMax string) *workflow.CriteriaSet {
	t.Helper()
	yaml := fmt.Sprintf(`
code: %s
name: %q
agency_kind: department
criteria:
  - code: "1"
    title: %q
    children:
      - code: "1.1"
        title: %q
        max_points: %s
        method: self
        step: 0.5
        evidence: %q
        rule: "Đúng hạn: tối đa; chậm: 0,5"
      - code: "1.2"
        title: "Sáng kiến"
        max_points: 2
        method: council
  - code: "2"
    title: %q
    children:
      - code: "2.1"
        title: "Rà soát TTHC"
        max_points: 1
        method: self
        exemptible: true
`, code, nfd("Bộ tiêu chí thử nghiệm"), nfd("Công tác chỉ đạo, điều hành CCHC"), nfd("Kế hoạch CCHC năm"), firstMax,
		nfd("Kế hoạch (PDF ký số)"), nfd("Cải cách thủ tục hành chính"))
	set, err := workflow.ParseCriteriaSet([]byte(yaml), false)
	if err != nil {
		t.Fatalf("parse: %v %+v", err, workflow.ErrorFields(err))
	}
	return set
}

// criterionLine is what must survive a round trip for one criterion.
type criterionLine struct {
	Code, Parent, Title, Evidence, Rule string
	Max, Step                           workflow.Points
	Method                              workflow.Method
	Exemptible, Leaf                    bool
	Children                            int
}

func treeLines(set *workflow.CriteriaSet) []criterionLine {
	var out []criterionLine
	for _, c := range set.Flatten() {
		out = append(out, criterionLine{c.Code, c.Parent, c.Title, c.Evidence, c.Rule, c.MaxPoints, c.Step, c.Method, c.Exemptible, c.IsLeaf(), len(c.Children)})
	}
	return out
}

func TestCriteriaSets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		clock := storetest.NewClock(start)
		s := storetest.Open(t, dialect, clock)

		small := smallSet(t, "THU-2026", "1.5")
		if err := s.CreateCriteriaSet(ctx, nil, small, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		dept := storetest.MustCriteriaSet(t, s, "criteria-department.yaml")
		dist := storetest.MustCriteriaSet(t, s, "criteria-district.yaml")
		if small.ID == 0 || dept.ID == 0 || dist.ID == 0 {
			t.Fatal("a created set has no id")
		}

		t.Run("tree round trip", func(t *testing.T) {
			for _, want := range []*workflow.CriteriaSet{small, dept, dist} {
				got, err := s.GetCriteriaSet(ctx, want.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Code != want.Code || got.Name != want.Name || got.AgencyKind != want.AgencyKind ||
					got.MaxPoints != want.MaxPoints || got.Leaves != want.Leaves || got.Frozen {
					t.Fatalf("set %s = %s %q %s max=%s leaves=%d frozen=%v", want.Code, got.Code, got.Name, got.AgencyKind, got.MaxPoints, got.Leaves, got.Frozen)
				}
				if g, w := treeLines(got), treeLines(want); !reflect.DeepEqual(g, w) {
					t.Fatalf("set %s: tree differs after the round trip:\n got %+v\nwant %+v", want.Code, g, w)
				}
			}
			got, _ := s.GetCriteriaSet(ctx, small.ID)
			if got.Name != "Bộ tiêu chí thử nghiệm" || got.Criteria[0].Title != "Công tác chỉ đạo, điều hành CCHC" ||
				got.Criteria[0].Children[0].Title != "Kế hoạch CCHC năm" || got.Criteria[0].Children[0].Evidence != "Kế hoạch (PDF ký số)" {
				t.Fatalf("titles are not stored in NFC: %q / %q", got.Name, got.Criteria[0].Title)
			}
			leaf := got.Criteria[0].Children[0]
			if leaf.MaxPoints != 150 || leaf.Step != 50 || leaf.Method != workflow.MethodSelf || leaf.Exemptible {
				t.Fatalf("leaf 1.1 = %+v", leaf)
			}
			if ex := got.Criteria[1].Children[0]; !ex.Exemptible || ex.Step != workflow.DefaultStep {
				t.Fatalf("leaf 2.1 = %+v", ex)
			}
			if got.Criteria[0].MaxPoints != 350 || got.MaxPoints != 450 || got.Leaves != 3 {
				t.Fatalf("totals: field 1 = %s, set = %s, leaves = %d; want 3.5, 4.5, 3", got.Criteria[0].MaxPoints, got.MaxPoints, got.Leaves)
			}
			if dept.MaxPoints != 10000 || dist.MaxPoints != 10000 {
				t.Fatalf("the samples total %s and %s, want 100", dept.MaxPoints, dist.MaxPoints)
			}
			_, err := s.GetCriteriaSet(ctx, dist.ID+1000)
			wantCode(t, err, workflow.ENOTFOUND)
		})

		t.Run("duplicate code", func(t *testing.T) {
			dup := smallSet(t, "THU-2026", "2")
			err := s.CreateCriteriaSet(ctx, nil, dup, store.Meta{})
			wantCode(t, err, workflow.ECONFLICT)
			if f := fieldNames(err); !reflect.DeepEqual(f, []string{"code"}) {
				t.Fatalf("fields = %q", f)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM criteria_sets`); n != 3 {
				t.Fatalf("%d sets, want 3", n)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM criteria WHERE set_id = ?`, small.ID); n != 5 {
				t.Fatalf("the original set has %d criteria, want 5", n)
			}
		})

		t.Run("list counts leaves", func(t *testing.T) {
			list, err := s.ListCriteriaSets(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range list {
				got = append(got, fmt.Sprintf("%d %s %s max=%s leaves=%d frozen=%v", l.ID, l.Code, l.AgencyKind, l.MaxPoints, l.Leaves, l.Frozen))
			}
			want := []string{
				fmt.Sprintf("%d THU-2026 department max=4.5 leaves=3 frozen=false", small.ID),
				fmt.Sprintf("%d SO-2021 department max=100 leaves=%d frozen=false", dept.ID, len(dept.LeafList())),
				fmt.Sprintf("%d HUYEN-2021 district max=100 leaves=%d frozen=false", dist.ID, len(dist.LeafList())),
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("list:\n got %q\nwant %q", got, want)
			}
			if len(dept.LeafList()) != 38 {
				t.Fatalf("the department sample has %d leaves; the test expects 38", len(dept.LeafList()))
			}
		})

		t.Run("replace until frozen", func(t *testing.T) {
			next := smallSet(t, "THU-2026B", "3")
			next.Criteria = append(next.Criteria, &workflow.Criterion{Code: "3", Title: "Tác động", Children: []*workflow.Criterion{
				{Code: "3.1", Title: "Khảo sát", MaxPoints: 500, Method: workflow.MethodSurvey, Step: workflow.DefaultStep},
			}, MaxPoints: 500})
			next.BuildTree(next.Flatten())
			if err := s.ReplaceCriteriaSet(ctx, nil, small.ID, next, store.Meta{}); err != nil {
				t.Fatal(err)
			}
			got, err := s.GetCriteriaSet(ctx, small.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Code != "THU-2026B" || got.MaxPoints != 1100 || got.Leaves != 4 || !reflect.DeepEqual(treeLines(got), treeLines(next)) {
				t.Fatalf("after replace: %s max=%s leaves=%d\n%+v", got.Code, got.MaxPoints, got.Leaves, treeLines(got))
			}

			// Taking another set's code is a conflict that changes nothing.
			clash := smallSet(t, "SO-2021", "1")
			wantCode(t, s.ReplaceCriteriaSet(ctx, nil, small.ID, clash, store.Meta{}), workflow.ECONFLICT)
			wantCode(t, s.ReplaceCriteriaSet(ctx, nil, dist.ID+1000, smallSet(t, "X", "1"), store.Meta{}), workflow.ENOTFOUND)
			if got, _ := s.GetCriteriaSet(ctx, small.ID); got.Code != "THU-2026B" || got.Leaves != 4 {
				t.Fatalf("a refused replace changed the set: %s leaves=%d", got.Code, got.Leaves)
			}

			// A campaign freezes it.
			admin := storetest.MustUser(t, s, "admin@x.vn", workflow.Grant{Role: workflow.RoleAdmin})
			c := &workflow.Campaign{Name: "Thử", Year: 2026, OpensAt: start, ClosesAt: start.Add(240 * time.Hour),
				CriteriaSets: map[workflow.AgencyKind]int64{workflow.KindDepartment: small.ID}}
			if err := s.CreateCampaign(ctx, c, admin, store.Meta{}); err != nil {
				t.Fatal(err)
			}
			err = s.ReplaceCriteriaSet(ctx, nil, small.ID, smallSet(t, "THU-2026C", "1"), store.Meta{})
			wantCode(t, err, workflow.ECONFLICT)
			got, _ = s.GetCriteriaSet(ctx, small.ID)
			if got.Code != "THU-2026B" || got.Leaves != 4 || !got.Frozen {
				t.Fatalf("a frozen set changed: %s leaves=%d frozen=%v", got.Code, got.Leaves, got.Frozen)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM criteria WHERE set_id = ?`, small.ID); n != 7 {
				t.Fatalf("the frozen set has %d criteria rows, want 7", n)
			}
			list, _ := s.ListCriteriaSets(ctx)
			for _, l := range list {
				if l.Frozen != (l.ID == small.ID) {
					t.Fatalf("set %s frozen=%v", l.Code, l.Frozen)
				}
			}
		})
	})
}
