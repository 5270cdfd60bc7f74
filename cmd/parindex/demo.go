package main

import (
	"context"
	"embed"
	"fmt"
	"io"
	"strings"
	"time"

	"parindex/store"
	"parindex/workflow"
)

// The demo's criteria sets are the illustrative samples from shared/samples.
//
//go:embed demo/*.yaml
var demoFiles embed.FS

type demoAgency struct {
	code, name string
	kind       workflow.AgencyKind
}

// demoAgencies are Thừa Thiên Huế's departments and districts, as in the guidance.
var demoAgencies = []demoAgency{
	{"STP", "Sở Tư pháp", workflow.KindDepartment},
	{"STC", "Sở Tài chính", workflow.KindDepartment},
	{"SKHDT", "Sở Kế hoạch và Đầu tư", workflow.KindDepartment},
	{"SXD", "Sở Xây dựng", workflow.KindDepartment},
	{"SYT", "Sở Y tế", workflow.KindDepartment},
	{"SGDDT", "Sở Giáo dục và Đào tạo", workflow.KindDepartment},
	{"SGTVT", "Sở Giao thông vận tải", workflow.KindDepartment},
	{"SCT", "Sở Công Thương", workflow.KindDepartment},
	{"STTTT", "Sở Thông tin và Truyền thông", workflow.KindDepartment},
	{"SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", workflow.KindDepartment},
	{"HUE", "UBND thành phố Huế", workflow.KindDistrict},
	{"HUONGTHUY", "UBND thị xã Hương Thủy", workflow.KindDistrict},
	{"HUONGTRA", "UBND thị xã Hương Trà", workflow.KindDistrict},
	{"PHONGDIEN", "UBND huyện Phong Điền", workflow.KindDistrict},
	{"QUANGDIEN", "UBND huyện Quảng Điền", workflow.KindDistrict},
	{"PHUVANG", "UBND huyện Phú Vang", workflow.KindDistrict},
	{"PHULOC", "UBND huyện Phú Lộc", workflow.KindDistrict},
	{"ALUOI", "UBND huyện A Lưới", workflow.KindDistrict},
	{"NAMDONG", "UBND huyện Nam Đông", workflow.KindDistrict},
}

const (
	demoAdmin   = "quantri@demo.example.vn"
	demoCouncil = "hoidong@demo.example.vn"
)

// The demo's people, as the database and the development provider name them.
const (
	demoAdminName   = "Nguyễn Thị Quản Trị"
	demoCouncilName = "Trần Văn Thẩm Định"
)

func demoUserName(role workflow.Role, agency string) string {
	if role == workflow.RoleApprover {
		return "Phó Thủ trưởng " + agency
	}
	return "Chuyên viên " + agency
}

func demoEmail(role, agencyCode string) string {
	return role + "." + strings.ToLower(agencyCode) + "@demo.example.vn"
}

// loadDemo fills an empty database with the demo, or finds the demo already
// there; either way it prints a fresh token for each role.
func loadDemo(ctx context.Context, s *store.Store, zone *time.Location, closesIn time.Duration, out io.Writer) error {
	agencies, err := s.ListAgencies(ctx)
	if err != nil {
		return err
	}
	if len(agencies) == 0 {
		if err := createDemo(ctx, s, closesIn); err != nil {
			return err
		}
		fmt.Fprintln(out, "Demo data created.")
	} else if !hasDemo(agencies) {
		return fmt.Errorf("the database already holds other data; use --demo only on an empty database")
	} else {
		fmt.Fprintln(out, "Demo data found; issuing fresh tokens.")
	}
	return printDemoTokens(ctx, s, zone, out)
}

func hasDemo(agencies []workflow.Agency) bool {
	for _, a := range agencies {
		if a.Code == demoAgencies[0].code {
			return true
		}
	}
	return false
}

func createDemo(ctx context.Context, s *store.Store, closesIn time.Duration) error {
	sets := map[workflow.AgencyKind]int64{}
	for _, name := range []string{"demo/criteria-department.yaml", "demo/criteria-district.yaml"} {
		data, err := demoFiles.ReadFile(name)
		if err != nil {
			return err
		}
		set, err := workflow.ParseCriteriaSet(data, false)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := s.CreateCriteriaSet(ctx, nil, set, store.Meta{}); err != nil {
			return err
		}
		sets[set.AgencyKind] = set.ID
	}
	admin := &workflow.User{Email: demoAdmin, Name: demoAdminName, Title: "Chuyên viên Sở Nội vụ"}
	if err := s.EnsureUser(ctx, admin, &workflow.Grant{Role: workflow.RoleAdmin}); err != nil {
		return err
	}
	council := &workflow.User{Email: demoCouncil, Name: demoCouncilName, Title: "Thành viên Hội đồng thẩm định"}
	if err := s.EnsureUser(ctx, council, &workflow.Grant{Role: workflow.RoleCouncil}); err != nil {
		return err
	}
	for _, d := range demoAgencies {
		a := &workflow.Agency{Code: d.code, Name: d.name, Kind: d.kind}
		if err := s.CreateAgency(ctx, nil, a, store.Meta{}); err != nil {
			return err
		}
		for _, role := range []workflow.Role{workflow.RoleUpdater, workflow.RoleApprover} {
			title := "Chuyên viên"
			if role == workflow.RoleApprover {
				title = "Phó Thủ trưởng"
			}
			u := &workflow.User{Email: demoEmail(string(role), d.code), Name: demoUserName(role, d.name), Title: title,
				Grants: []workflow.Grant{{Role: role, AgencyID: &a.ID}}}
			if err := s.CreateUser(ctx, nil, u, store.Meta{}); err != nil {
				return err
			}
		}
	}
	// Whole seconds, so the deadline reads well; it is closesIn from now,
	// to the second, so that a short one can be watched locking live.
	now := s.Now().Truncate(time.Second)
	c := &workflow.Campaign{
		Name: fmt.Sprintf("Tự đánh giá Chỉ số CCHC năm %d (demo)", now.Year()), Year: now.Year(),
		OpensAt: now.Add(-time.Minute), ClosesAt: now.Add(closesIn), CriteriaSets: sets,
	}
	return s.CreateCampaign(ctx, c, admin, store.Meta{})
}

// printDemoTokens issues a token per role and prints them as shell exports,
// with the first department's report id, for the README's walk-through.
func printDemoTokens(ctx context.Context, s *store.Store, zone *time.Location, out io.Writer) error {
	type who struct{ env, email string }
	list := []who{
		{"ADMIN", demoAdmin}, {"COUNCIL", demoCouncil},
		{"UPDATER", demoEmail("updater", demoAgencies[0].code)}, {"APPROVER", demoEmail("approver", demoAgencies[0].code)},
	}
	var lines []string
	var admin *workflow.User
	for _, w := range list {
		u := &workflow.User{Email: w.email, Name: w.email}
		if err := s.EnsureUser(ctx, u, nil); err != nil {
			return err
		}
		if w.env == "ADMIN" {
			admin = u
		}
		t, err := s.CreateToken(ctx, nil, u.ID, store.TokenExpiry{}, store.Meta{})
		if err != nil {
			return err
		}
		lines = append(lines, fmt.Sprintf("export %s=%s   # %s", w.env, t.Token, w.email))
	}
	reports, err := s.ListReports(ctx, admin, store.ReportFilter{})
	if err != nil {
		return err
	}
	agencies, err := s.ListAgencies(ctx)
	if err != nil {
		return err
	}
	for _, a := range agencies {
		if a.Code != demoAgencies[0].code {
			continue
		}
		for _, r := range reports {
			if r.AgencyID == a.ID {
				lines = append(lines, fmt.Sprintf("export REPORT=%d   # %s, closes %s", r.ID, a.Name, r.Deadline.In(zone).Format(time.RFC3339)))
				break
			}
		}
	}
	fmt.Fprintln(out, "Tokens for the demo (each shown once; paste these lines into your shell):")
	for _, l := range lines {
		fmt.Fprintln(out, l)
	}
	return nil
}
