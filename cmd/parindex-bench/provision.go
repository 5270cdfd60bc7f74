package main

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"parindex/store"
	"parindex/workflow"
)

// The bench works with the service demo's two sample criteria sets, copied
// here because a package can embed only files beneath it;
// TestCriteriaMatchDemo keeps the copies equal.
//
//go:embed criteria/*.yaml
var criteriaFiles embed.FS

// benchWorld is what the bench provisioned: criteria, agencies with one
// updater and one approver each, their tokens, and the campaign's reports.
type benchWorld struct {
	db       string
	dialect  string
	admin    string // admin token
	adminID  int64
	sets     map[workflow.AgencyKind]int64
	leaves   map[int64][]*workflow.Criterion // self leaves by criteria set
	agencies []*benchAgency
	campaign int64
	campName string
	council  *workflow.User // provisioned with --pages: the council member who reads the board
}

// benchAgency is one agency with its officials' tokens and its report in the
// campaign being driven.
type benchAgency struct {
	ID, SetID          int64
	Code, Name         string
	Updater, Approver  string // tokens
	ApproverID, Report int64
}

func (w *benchWorld) describe() string {
	if w.dialect == store.SQLite {
		return "SQLite (WAL, synchronous=FULL)"
	}
	return "PostgreSQL"
}

// provision migrates db and fills it: both sample criteria sets, n agencies
// alternating department and district, an updater and an approver for each
// with a token, an admin, and a campaign open for a day. For the pages
// (pages true) the districts take criteria-pages-40.yaml, whose 40 leaves
// are all self-assessed, and a council member is provisioned.
func provision(ctx context.Context, db string, n int, pages bool) (*benchWorld, error) {
	s, err := store.Open(ctx, db, nil)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if _, err := s.MigrateUp(ctx); err != nil {
		return nil, err
	}
	w := &benchWorld{db: db, dialect: s.Dialect(), sets: map[workflow.AgencyKind]int64{}, leaves: map[int64][]*workflow.Criterion{}}
	files := []string{"criteria/criteria-department.yaml", "criteria/criteria-district.yaml"}
	if pages {
		files[1] = "criteria/criteria-pages-40.yaml"
	}
	for _, name := range files {
		data, err := criteriaFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		set, err := workflow.ParseCriteriaSet(data, false)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := s.CreateCriteriaSet(ctx, nil, set, store.Meta{}); err != nil {
			return nil, err
		}
		w.sets[set.AgencyKind] = set.ID
		for _, c := range set.LeafList() {
			if c.Method == workflow.MethodSelf {
				w.leaves[set.ID] = append(w.leaves[set.ID], c)
			}
		}
	}
	admin := &workflow.User{Email: "bench-admin@parindex.test", Name: "Quản trị thử tải"}
	if err := s.EnsureUser(ctx, admin, &workflow.Grant{Role: workflow.RoleAdmin}); err != nil {
		return nil, err
	}
	w.adminID = admin.ID
	if w.admin, err = token(ctx, s, admin.ID); err != nil {
		return nil, err
	}
	if pages {
		w.council = &workflow.User{Email: "bench-council@parindex.test", Name: "Thành viên Hội đồng thử tải",
			Grants: []workflow.Grant{{Role: workflow.RoleCouncil}}}
		if err := s.CreateUser(ctx, nil, w.council, store.Meta{}); err != nil {
			return nil, err
		}
	}
	for i := range n {
		kind := workflow.KindDepartment
		if i%2 == 1 {
			kind = workflow.KindDistrict
		}
		a := &workflow.Agency{Code: fmt.Sprintf("BENCH-%04d", i+1), Name: fmt.Sprintf("Đơn vị thử tải số %d", i+1), Kind: kind}
		if err := s.CreateAgency(ctx, nil, a, store.Meta{}); err != nil {
			return nil, err
		}
		ba := &benchAgency{ID: a.ID, Code: a.Code, Name: a.Name, SetID: w.sets[kind]}
		for _, role := range []workflow.Role{workflow.RoleUpdater, workflow.RoleApprover} {
			u := &workflow.User{Email: officialEmail(role, a.Code), Name: "Cán bộ " + a.Name,
				Grants: []workflow.Grant{{Role: role, AgencyID: &a.ID}}}
			if err := s.CreateUser(ctx, nil, u, store.Meta{}); err != nil {
				return nil, err
			}
			t, err := token(ctx, s, u.ID)
			if err != nil {
				return nil, err
			}
			if role == workflow.RoleUpdater {
				ba.Updater = t
			} else {
				ba.Approver, ba.ApproverID = t, u.ID
			}
		}
		w.agencies = append(w.agencies, ba)
	}
	now := s.Now().Truncate(time.Second)
	c := &workflow.Campaign{Name: "Thử tải " + now.Format(time.RFC3339), Year: now.Year(),
		OpensAt: now.Add(-time.Minute), ClosesAt: now.Add(24 * time.Hour), CriteriaSets: w.sets}
	if err := s.CreateCampaign(ctx, c, admin, store.Meta{}); err != nil {
		return nil, err
	}
	w.campaign, w.campName = c.ID, c.Name
	if err := w.attachReports(ctx, s, c.ID); err != nil {
		return nil, err
	}
	return w, nil
}

// attachReports sets each agency's Report to its report in the campaign.
func (w *benchWorld) attachReports(ctx context.Context, s *store.Store, campaign int64) error {
	admin := &workflow.User{ID: w.adminID, Grants: []workflow.Grant{{Role: workflow.RoleAdmin}}}
	reports, err := s.ListReports(ctx, admin, store.ReportFilter{CampaignID: campaign})
	if err != nil {
		return err
	}
	byAgency := map[int64]int64{}
	for _, r := range reports {
		byAgency[r.AgencyID] = r.ID
	}
	for _, a := range w.agencies {
		if a.Report = byAgency[a.ID]; a.Report == 0 {
			return fmt.Errorf("agency %s has no report in campaign %d", a.Code, campaign)
		}
	}
	return nil
}

// officialEmail is the address of an agency's updater or approver.
func officialEmail(role workflow.Role, agencyCode string) string {
	return fmt.Sprintf("%s-%s@parindex.test", role, agencyCode)
}

func token(ctx context.Context, s *store.Store, userID int64) (string, error) {
	t, err := s.CreateToken(ctx, nil, userID, store.TokenExpiry{}, store.Meta{})
	if err != nil {
		return "", err
	}
	return t.Token, nil
}

// benchDatabase picks the database: a fresh SQLite file, or a fresh schema on
// the given PostgreSQL server. cleanup removes what it made unless --keep.
func benchDatabase(ctx context.Context, cfg benchConfig, tmp string) (string, func(), error) {
	switch {
	case cfg.DB == "":
		dir := tmp
		if cfg.Keep {
			var err error
			if dir, err = os.MkdirTemp("", "parindex-bench-db-"); err != nil {
				return "", nil, err
			}
		}
		path := filepath.Join(dir, "bench.db")
		if cfg.Keep {
			fmt.Fprintln(os.Stderr, "parindex-bench: database kept at", path)
		}
		return "sqlite:" + path, func() {}, nil
	case strings.HasPrefix(cfg.DB, "sqlite:"):
		if cfg.URL == "" {
			if _, err := os.Stat(strings.TrimPrefix(cfg.DB, "sqlite:")); err == nil {
				return "", nil, fmt.Errorf("%s exists; the bench provisions a new database", cfg.DB)
			}
		}
		return cfg.DB, func() {}, nil
	case strings.HasPrefix(cfg.DB, "postgres://"), strings.HasPrefix(cfg.DB, "postgresql://"):
		if cfg.URL != "" {
			return cfg.DB, func() {}, nil
		}
		return benchSchema(ctx, cfg.DB, cfg.Keep)
	}
	return "", nil, fmt.Errorf("--db %q: want sqlite:PATH or postgres://...", cfg.DB)
}

// benchSchema makes a fresh schema on the PostgreSQL server at dbURL and
// returns a URL whose connections use it; cleanup drops it unless keep.
func benchSchema(ctx context.Context, dbURL string, keep bool) (string, func(), error) {
	admin, err := sql.Open("postgres", dbURL)
	if err != nil {
		return "", nil, err
	}
	schema := fmt.Sprintf("parindex_bench_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	cleanup := func() {
		defer admin.Close()
		if keep {
			fmt.Fprintln(os.Stderr, "parindex-bench: schema kept:", schema)
			return
		}
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			fmt.Fprintln(os.Stderr, "parindex-bench: drop schema:", err)
		}
	}
	return u.String(), cleanup, nil
}
