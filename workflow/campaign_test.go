package workflow

import (
	"reflect"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

func validCampaign() Campaign {
	return Campaign{
		Name: "Chỉ số CCHC 2026", Year: 2026, OpensAt: testOpens, ClosesAt: testCloses,
		CriteriaSets: map[AgencyKind]int64{KindDepartment: 1, KindDistrict: 2},
	}
}

func TestCampaignValidate(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(c *Campaign)
		fields []string
	}{
		{"valid", func(c *Campaign) {}, nil},
		{"one kind only", func(c *Campaign) { delete(c.CriteriaSets, KindDistrict) }, nil},
		{"years at the edges", func(c *Campaign) { c.Year = 2000 }, nil},
		{"closes before opens", func(c *Campaign) { c.ClosesAt = c.OpensAt.Add(-time.Second) }, []string{"closes_at"}},
		{"closes when it opens", func(c *Campaign) { c.ClosesAt = c.OpensAt }, []string{"closes_at"}},
		{"no times", func(c *Campaign) { c.OpensAt, c.ClosesAt = time.Time{}, time.Time{} }, []string{"closes_at"}},
		{"year too early", func(c *Campaign) { c.Year = 1999 }, []string{"year"}},
		{"year too late", func(c *Campaign) { c.Year = 2101 }, []string{"year"}},
		{"no year", func(c *Campaign) { c.Year = 0 }, []string{"year"}},
		{"no sets", func(c *Campaign) { c.CriteriaSets = nil }, []string{"criteria_sets"}},
		{"empty sets", func(c *Campaign) { c.CriteriaSets = map[AgencyKind]int64{} }, []string{"criteria_sets"}},
		{"unknown kind", func(c *Campaign) { c.CriteriaSets["Phường"] = 3 }, []string{"criteria_sets/Phường"}},
		{"blank name", func(c *Campaign) { c.Name = " \n" }, []string{"name"}},
		{"everything wrong", func(c *Campaign) {
			*c = Campaign{Name: "", Year: 1, OpensAt: testCloses, ClosesAt: testOpens, CriteriaSets: map[AgencyKind]int64{"Phường": 1}}
		}, []string{"name", "year", "closes_at", "criteria_sets/Phường"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validCampaign()
			tt.edit(&c)
			err := c.Validate()
			wantFields(t, err, tt.fields)
		})
	}

	c := validCampaign()
	c.Name = "  " + norm.NFD.String("Chỉ số CCHC 2026") + " "
	if err := c.Validate(); err != nil || c.Name != "Chỉ số CCHC 2026" {
		t.Errorf("name not normalised: %q, %v", c.Name, err)
	}
}

func TestRoundRequestValidate(t *testing.T) {
	now := testCloses.Add(30 * 24 * time.Hour)
	tests := []struct {
		name   string
		req    RoundRequest
		fields []string
	}{
		{"valid, all self leaves", RoundRequest{OpensAt: now, ClosesAt: now.Add(72 * time.Hour)}, nil},
		{"valid, named criteria", RoundRequest{OpensAt: now, ClosesAt: now.Add(time.Hour), Criteria: []string{"1.1"}}, nil},
		{"closes in the past", RoundRequest{OpensAt: now.Add(-2 * time.Hour), ClosesAt: now.Add(-time.Hour)}, []string{"closes_at"}},
		{"closes now", RoundRequest{OpensAt: now.Add(-time.Hour), ClosesAt: now}, []string{"closes_at"}},
		{"closes before opens, in the past", RoundRequest{OpensAt: now, ClosesAt: now.Add(-time.Hour)}, []string{"closes_at", "closes_at"}},
		{"closes before opens, in the future", RoundRequest{OpensAt: now.Add(2 * time.Hour), ClosesAt: now.Add(time.Hour)}, []string{"closes_at"}},
		{"empty criteria given", RoundRequest{OpensAt: now, ClosesAt: now.Add(time.Hour), Criteria: []string{}}, []string{"criteria"}},
		{"empty criteria and past", RoundRequest{OpensAt: now.Add(-2 * time.Hour), ClosesAt: now.Add(-time.Hour), Criteria: []string{}}, []string{"closes_at", "criteria"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			err := req.Validate(now)
			wantFields(t, err, tt.fields)
		})
	}

	req := RoundRequest{OpensAt: now, ClosesAt: now.Add(time.Hour), Criteria: []string{" 1.1 "}, Note: norm.NFD.String(" Bổ sung ")}
	if err := req.Validate(now); err != nil || req.Note != "Bổ sung" || req.Criteria[0] != "1.1" {
		t.Errorf("not normalised: note %q criteria %q, %v", req.Note, req.Criteria, err)
	}
}

func TestRoundCriteria(t *testing.T) {
	set := mustParseSample(t, "criteria-department.yaml")
	tests := []struct {
		name   string
		codes  []string
		want   []string
		fields int
	}{
		{name: "absent: every self leaf", want: departmentSelf},
		{name: "named, deduplicated, order kept", codes: []string{"5.1", " 1.1.1 ", "5.1"}, want: []string{"5.1", "1.1.1"}},
		{name: "unknown code", codes: []string{"1.1.1", "9.9"}, fields: 1},
		{name: "council leaf", codes: []string{"1.5"}, fields: 1},
		{name: "survey leaf", codes: []string{"8.1"}, fields: 1},
		{name: "parent", codes: []string{"1.1"}, fields: 1},
		{name: "every bad code listed", codes: []string{"9.9", "1.5", "1", "3.3"}, fields: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RoundCriteria(set, tt.codes)
			if tt.fields > 0 {
				wantCode(t, err, EINVALID)
				if got != nil {
					t.Errorf("codes %v returned with an error", got)
				}
				if n := len(ErrorFields(err)); n != tt.fields {
					t.Errorf("%d field errors, want %d: %v", n, tt.fields, ErrorFields(err))
				}
				for _, f := range ErrorFields(err) {
					if f.Field != "criteria" {
						t.Errorf("field %q, want criteria", f.Field)
					}
				}
				return
			}
			wantCode(t, err, "")
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("RoundCriteria = %v, want %v", got, tt.want)
			}
		})
	}
}
