package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"parindex/session"
	"parindex/store"
	"parindex/workflow"
)

// The administration commands work on the database directly, at the
// server, as the API's administrator would: every change is in the audit
// log, with no actor (the command line).

// withStore opens the database of --db for one command and closes it after.
func (m *Main) withStore(ctx context.Context, db string, fn func(s *store.Store) error) error {
	s, err := m.openCurrent(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	return m.cliError(fn(s))
}

// table prints rows under a header, aligned.
func (m *Main) table(header string, rows [][]string) {
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, header)
	for _, r := range rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	w.Flush()
}

// findUser reads a user named by id or email.
func findUser(ctx context.Context, s *store.Store, ref string) (*store.UserRecord, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return s.UserRecord(ctx, id)
	}
	list, err := s.ListUsers(ctx, store.UserFilter{Email: ref, Limit: 1})
	if err != nil {
		return nil, err
	} else if len(list) == 0 {
		return nil, fmt.Errorf("no user has the email %s", workflow.NormalizeEmail(ref))
	}
	return &list[0], nil
}

// idArg reads the single positional argument as the id of a kind of thing
// ("token", "campaign"); anything else is a usage error (exit 2).
func idArg(f *flags, args []string, kind string) (int64, error) {
	ref, err := oneArg(f, args, "one "+kind+" id")
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil || id <= 0 {
		return 0, f.fail("%q is not a %s id (see parindex %s list)", ref, kind, kind)
	}
	return id, nil
}

// oneArg reads the single positional argument a subcommand takes (flags
// may come before or after it).
func oneArg(f *flags, args []string, what string) (string, error) {
	if err := f.Parse(args); err != nil {
		return "", err
	}
	rest := f.Args()
	if len(rest) > 1 {
		if err := f.Parse(rest[1:]); err != nil {
			return "", err
		}
		rest = append(rest[:1], f.Args()...)
	}
	if len(rest) != 1 {
		f.SetOutput(f.stderr)
		f.Usage()
		return "", usageError{fmt.Errorf("name %s", what)}
	}
	return rest[0], nil
}

// grantOf reads --role and --agency into a grant.
func grantOf(ctx context.Context, s *store.Store, role, agency string) (workflow.Grant, error) {
	g := workflow.Grant{Role: workflow.Role(role)}
	if agency != "" {
		a, err := s.AgencyByCode(ctx, agency)
		if err != nil {
			return g, err
		}
		g.AgencyID = &a.ID
	}
	return g, nil
}

func rolesOf(u *store.UserRecord, agencies map[int64]string) string {
	var out []string
	for _, g := range u.Grants {
		if g.AgencyID != nil {
			out = append(out, string(g.Role)+"@"+agencies[*g.AgencyID])
		} else {
			out = append(out, string(g.Role))
		}
	}
	return strings.Join(out, ",")
}

func agencyCodes(ctx context.Context, s *store.Store) (map[int64]string, error) {
	list, err := s.FindAgencies(ctx, store.AgencyFilter{})
	codes := map[int64]string{}
	for _, a := range list {
		codes[a.ID] = a.Code
	}
	return codes, err
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (m *Main) runUser(ctx context.Context, args []string) error {
	return m.dispatch(ctx, "user", args, []subcommand{
		{"list", "list [--q TEXT] [--email EMAIL] [--agency CODE] [--role ROLE] [--active true|false] [--limit N]", m.runUserList},
		{"create", "create --email EMAIL --name NAME [--title TITLE] [--role ROLE [--agency CODE]]", m.runUserCreate},
		{"edit", "edit ID|EMAIL [--email EMAIL] [--name NAME] [--title TITLE]", m.runUserEdit},
		{"disable", "disable ID|EMAIL", func(ctx context.Context, args []string) error { return m.runUserActive(ctx, args, false) }},
		{"enable", "enable ID|EMAIL", func(ctx context.Context, args []string) error { return m.runUserActive(ctx, args, true) }},
		{"grant", "grant ID|EMAIL --role ROLE [--agency CODE]", func(ctx context.Context, args []string) error { return m.runUserGrant(ctx, args, true) }},
		{"revoke", "revoke ID|EMAIL --role ROLE [--agency CODE]", func(ctx context.Context, args []string) error { return m.runUserGrant(ctx, args, false) }},
	})
}

func (m *Main) runUserList(ctx context.Context, args []string) error {
	f := m.newCommand("user list", "user list [flags]")
	q := f.String("q", "", "a part of the name or email")
	email := f.String("email", "", "the email")
	agency := f.String("agency", "", "holding a grant for the agency of this code")
	role := f.String("role", "", "holding this role: admin, council, updater or approver")
	active := f.String("active", "", "true: active users only; false: deactivated ones only")
	limit := f.Int("limit", store.MaxUserLimit, "at most this many")
	db := f.str("db", defaultDB, "database: sqlite:PATH, a bare path, or postgres://...")
	if err := f.Parse(args); err != nil {
		return err
	}
	filter := store.UserFilter{Query: *q, Email: *email, Role: workflow.Role(*role), Limit: *limit}
	if *active != "" {
		v, err := strconv.ParseBool(*active)
		if err != nil {
			return f.fail("--active %q: want true or false", *active)
		}
		filter.Active = &v
	}
	return m.withStore(ctx, *db, func(s *store.Store) error {
		if *agency != "" {
			a, err := s.AgencyByCode(ctx, *agency)
			if err != nil {
				return err
			}
			filter.AgencyID = a.ID
		}
		list, err := s.ListUsers(ctx, filter)
		if err != nil {
			return err
		}
		codes, err := agencyCodes(ctx, s)
		if err != nil {
			return err
		}
		var rows [][]string
		for i := range list {
			u := &list[i]
			rows = append(rows, []string{strconv.FormatInt(u.ID, 10), u.Email, u.Name, rolesOf(u, codes), yesNo(u.Active)})
		}
		m.table("ID\tEMAIL\tNAME\tROLES\tACTIVE", rows)
		return nil
	})
}

func (m *Main) runUserCreate(ctx context.Context, args []string) error {
	f := m.newCommand("user create", "user create --email EMAIL --name NAME [flags]")
	email := f.String("email", "", "the email (required)")
	name := f.String("name", "", "the full name (required)")
	title := f.String("title", "", "the job title")
	role := f.String("role", "", "grant this role: admin, council, updater or approver")
	agency := f.String("agency", "", "the agency's code, for updater and approver")
	db := f.str("db", defaultDB, "database: sqlite:PATH, a bare path, or postgres://...")
	if err := f.Parse(args); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		return f.fail("--email and --name are required")
	}
	return m.withStore(ctx, *db, func(s *store.Store) error {
		u := &workflow.User{Email: *email, Name: *name, Title: *title}
		if *role != "" {
			g, err := grantOf(ctx, s, *role, *agency)
			if err != nil {
				return err
			}
			u.Grants = []workflow.Grant{g}
		}
		if err := s.CreateUser(ctx, nil, u, store.Meta{}); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "created user %d (%s)\n", u.ID, u.Email)
		return nil
	})
}

func (m *Main) runUserEdit(ctx context.Context, args []string) error {
	f := m.newCommand("user edit", "user edit ID|EMAIL [flags]")
	var p store.UserPatch
	f.Func("email", "the new email", func(v string) error { p.Email = &v; return nil })
	f.Func("name", "the new name", func(v string) error { p.Name = &v; return nil })
	f.Func("title", "the new job title", func(v string) error { p.Title = &v; return nil })
	db := f.str("db", defaultDB, "database: sqlite:PATH, a bare path, or postgres://...")
	ref, err := oneArg(f, args, "one user, by id or email")
	if err != nil {
		return err
	}
	return m.withStore(ctx, *db, func(s *store.Store) error {
		u, err := findUser(ctx, s, ref)
		if err != nil {
			return err
		}
		if u, err = s.UpdateUser(ctx, nil, u.ID, p, store.Meta{}); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "user %d: %s, %s, %s\n", u.ID, u.Email, u.Name, u.Title)
		return nil
	})
}

func (m *Main) runUserActive(ctx context.Context, args []string, active bool) error {
	verb := map[bool]string{true: "enable", false: "disable"}[active]
	f := m.newCommand("user "+verb, "user "+verb+" ID|EMAIL [--db URL]")
	db := f.str("db", defaultDB, "database: sqlite:PATH, a bare path, or postgres://...")
	ref, err := oneArg(f, args, "one user, by id or email")
	if err != nil {
		return err
	}
	return m.withStore(ctx, *db, func(s *store.Store) error {
		u, err := findUser(ctx, s, ref)
		if err != nil {
			return err
		}
		if _, err := s.SetUserActive(ctx, nil, u.ID, active, store.Meta{}); err != nil {
			return err
		}
		if !active {
			// Their page sessions end now too, as with the API's deactivate:
			// enabled again later, an old cookie must not come back to life.
			if err := endSessions(ctx, s, u.ID); err != nil {
				return err
			}
		}
		if active {
			fmt.Fprintf(m.Stdout, "user %d (%s) enabled: issue a new token\n", u.ID, u.Email)
		} else {
			fmt.Fprintf(m.Stdout, "user %d (%s) disabled: their tokens are revoked and their sessions ended\n", u.ID, u.Email)
		}
		return nil
	})
}

func (m *Main) runUserGrant(ctx context.Context, args []string, grant bool) error {
	verb := map[bool]string{true: "grant", false: "revoke"}[grant]
	f := m.newCommand("user "+verb, "user "+verb+" ID|EMAIL --role ROLE [--agency CODE]")
	role := f.String("role", "", "admin, council, updater or approver (required)")
	agency := f.String("agency", "", "the agency's code, for updater and approver")
	db := f.str("db", defaultDB, "database: sqlite:PATH, a bare path, or postgres://...")
	ref, err := oneArg(f, args, "one user, by id or email")
	if err != nil {
		return err
	}
	if *role == "" {
		return f.fail("--role is required")
	}
	return m.withStore(ctx, *db, func(s *store.Store) error {
		u, err := findUser(ctx, s, ref)
		if err != nil {
			return err
		}
		g, err := grantOf(ctx, s, *role, *agency)
		if err != nil {
			return err
		}
		if grant {
			u, err = s.GrantRole(ctx, nil, u.ID, g, store.Meta{})
		} else {
			u, err = s.RevokeRole(ctx, nil, u.ID, g, store.Meta{})
		}
		if err != nil {
			return err
		}
		codes, err := agencyCodes(ctx, s)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "user %d (%s): %s\n", u.ID, u.Email, rolesOf(u, codes))
		return nil
	})
}

func (m *Main) runToken(ctx context.Context, args []string) error {
	return m.dispatch(ctx, "token", args, []subcommand{
		{"issue", "issue --email EMAIL [--name NAME] [--role admin|council] [--expires-in 720h | --no-expiry]", func(ctx context.Context, args []string) error { return m.runTokenIssue(ctx, args) }},
		{"list", "list ID|EMAIL", m.runTokenList},
		{"revoke", "revoke TOKEN_ID", m.runTokenRevoke},
	})
}

func (m *Main) runTokenList(ctx context.Context, args []string) error {
	f := m.newCommand("token list", "token list ID|EMAIL [--db URL]")
	db := f.str("db", defaultDB, "database: sqlite:PATH, a bare path, or postgres://...")
	ref, err := oneArg(f, args, "one user, by id or email")
	if err != nil {
		return err
	}
	return m.withStore(ctx, *db, func(s *store.Store) error {
		u, err := findUser(ctx, s, ref)
		if err != nil {
			return err
		}
		list, err := s.ListTokens(ctx, u.ID)
		if err != nil {
			return err
		}
		at := func(t *time.Time) string {
			if t == nil {
				return "-"
			}
			return t.UTC().Format(time.RFC3339)
		}
		var rows [][]string
		for _, t := range list {
			issuer := "server"
			if t.IssuedBy != nil {
				issuer = t.IssuedBy.Email
			}
			rows = append(rows, []string{strconv.FormatInt(t.ID, 10), issuer, at(&t.CreatedAt), at(t.LastUsedAt), at(t.ExpiresAt), at(t.RevokedAt)})
		}
		m.table("ID\tISSUED BY\tCREATED\tLAST USED\tEXPIRES\tREVOKED", rows)
		return nil
	})
}

func (m *Main) runTokenRevoke(ctx context.Context, args []string) error {
	f := m.newCommand("token revoke", "token revoke TOKEN_ID [--db URL]")
	db := f.str("db", defaultDB, "database: sqlite:PATH, a bare path, or postgres://...")
	id, err := idArg(f, args, "token")
	if err != nil {
		return err
	}
	return m.withStore(ctx, *db, func(s *store.Store) error {
		if err := s.RevokeToken(ctx, nil, id, store.Meta{}); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "token %d revoked\n", id)
		return nil
	})
}

func (m *Main) runAgency(ctx context.Context, args []string) error {
	return m.dispatch(ctx, "agency", args, []subcommand{
		{"list", "list [--code CODE] [--kind KIND] [--active true|false]", m.runAgencyList},
		{"create", "create --code CODE --name NAME --kind KIND", m.runAgencyCreate},
		{"edit", "edit CODE [--code CODE] [--name NAME] [--kind KIND]", m.runAgencyEdit},
		{"kinds", "kinds", m.runAgencyKinds},
		{"add-kind", "add-kind --code CODE --name NAME [--position N]", m.runAgencyAddKind},
	})
}

func (m *Main) runAgencyList(ctx context.Context, args []string) error {
	f := m.newCommand("agency list", "agency list [flags]")
	code := f.String("code", "", "the agency of this code")
	kind := f.String("kind", "", "agencies of this kind")
	active := f.String("active", "", "true: active agencies only; false: deactivated ones only")
	db := f.str("db", defaultDB, "database: sqlite:PATH, a bare path, or postgres://...")
	if err := f.Parse(args); err != nil {
		return err
	}
	filter := store.AgencyFilter{Code: *code, Kind: workflow.AgencyKind(*kind)}
	if *active != "" {
		v, err := strconv.ParseBool(*active)
		if err != nil {
			return f.fail("--active %q: want true or false", *active)
		}
		filter.Active = &v
	}
	return m.withStore(ctx, *db, func(s *store.Store) error {
		list, err := s.FindAgencies(ctx, filter)
		if err != nil {
			return err
		}
		var rows [][]string
		for _, a := range list {
			rows = append(rows, []string{strconv.FormatInt(a.ID, 10), a.Code, string(a.Kind), a.Name, yesNo(a.Active)})
		}
		m.table("ID\tCODE\tKIND\tNAME\tACTIVE", rows)
		return nil
	})
}

func (m *Main) runAgencyCreate(ctx context.Context, args []string) error {
	f := m.newCommand("agency create", "agency create --code CODE --name NAME --kind KIND")
	code := f.String("code", "", "the agency's code, e.g. STP (required)")
	name := f.String("name", "", "the agency's name (required)")
	kind := f.String("kind", "", "its kind: department, district or one added with add-kind (required)")
	db := f.str("db", defaultDB, "database: sqlite:PATH, a bare path, or postgres://...")
	if err := f.Parse(args); err != nil {
		return err
	}
	if *code == "" || *name == "" || *kind == "" {
		return f.fail("--code, --name and --kind are required")
	}
	return m.withStore(ctx, *db, func(s *store.Store) error {
		a := &workflow.Agency{Code: *code, Name: *name, Kind: workflow.AgencyKind(*kind)}
		if err := s.CreateAgency(ctx, nil, a, store.Meta{}); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "created agency %d (%s)\n", a.ID, a.Code)
		return nil
	})
}

func (m *Main) runAgencyEdit(ctx context.Context, args []string) error {
	f := m.newCommand("agency edit", "agency edit CODE [flags]")
	var p store.AgencyPatch
	f.Func("code", "the new code", func(v string) error { p.Code = &v; return nil })
	f.Func("name", "the new name", func(v string) error { p.Name = &v; return nil })
	f.Func("kind", "the new kind (only while the agency has no report)", func(v string) error {
		k := workflow.AgencyKind(v)
		p.Kind = &k
		return nil
	})
	db := f.str("db", defaultDB, "database: sqlite:PATH, a bare path, or postgres://...")
	ref, err := oneArg(f, args, "one agency, by code")
	if err != nil {
		return err
	}
	return m.withStore(ctx, *db, func(s *store.Store) error {
		a, err := s.AgencyByCode(ctx, ref)
		if err != nil {
			return err
		}
		r, err := s.UpdateAgency(ctx, nil, a.ID, p, store.Meta{})
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "agency %d: %s, %s, %s\n", r.ID, r.Code, r.Kind, r.Name)
		return nil
	})
}

func (m *Main) runAgencyKinds(ctx context.Context, args []string) error {
	f := m.newCommand("agency kinds", "agency kinds [--db URL]")
	db := f.str("db", defaultDB, "database: sqlite:PATH, a bare path, or postgres://...")
	if err := f.Parse(args); err != nil {
		return err
	}
	return m.withStore(ctx, *db, func(s *store.Store) error {
		kinds, err := s.ListAgencyKinds(ctx)
		if err != nil {
			return err
		}
		var rows [][]string
		for _, k := range kinds {
			rows = append(rows, []string{string(k.Code), k.Name, strconv.Itoa(k.Position)})
		}
		m.table("CODE\tNAME\tPOSITION", rows)
		return nil
	})
}

func (m *Main) runAgencyAddKind(ctx context.Context, args []string) error {
	f := m.newCommand("agency add-kind", "agency add-kind --code CODE --name NAME [--position N]")
	code := f.String("code", "", "the kind's code, e.g. commune (required)")
	name := f.String("name", "", "its Vietnamese name, e.g. \"UBND cấp xã\" (required)")
	position := f.Int("position", 0, "where it comes in lists (default: after the others)")
	db := f.str("db", defaultDB, "database: sqlite:PATH, a bare path, or postgres://...")
	if err := f.Parse(args); err != nil {
		return err
	}
	if *code == "" || *name == "" {
		return f.fail("--code and --name are required")
	}
	return m.withStore(ctx, *db, func(s *store.Store) error {
		k := &workflow.KindInfo{Code: workflow.AgencyKind(*code), Name: *name, Position: *position}
		if k.Position == 0 {
			kinds, err := s.ListAgencyKinds(ctx)
			if err != nil {
				return err
			}
			for _, o := range kinds {
				k.Position = max(k.Position, o.Position+1)
			}
		}
		if err := s.CreateAgencyKind(ctx, nil, k, store.Meta{}); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "added kind %s (%s), position %d\n", k.Code, k.Name, k.Position)
		return nil
	})
}

func (m *Main) runCampaign(ctx context.Context, args []string) error {
	return m.dispatch(ctx, "campaign", args, []subcommand{
		{"list", "list", m.runCampaignList},
		{"create", "create --name NAME --year YEAR --opens TIME --closes TIME --set KIND=SET ...", m.runCampaignCreate},
		{"cancel", "cancel ID", m.runCampaignCancel},
	})
}

// zone is the province's zone, in which the command line reads and prints times.
func zone() *time.Location {
	z, err := time.LoadLocation(workflow.DefaultZone)
	if err != nil {
		return time.FixedZone("ICT", 7*3600)
	}
	return z
}

func (m *Main) runCampaignList(ctx context.Context, args []string) error {
	f := m.newCommand("campaign list", "campaign list [--db URL]")
	db := f.str("db", defaultDB, "database: sqlite:PATH, a bare path, or postgres://...")
	if err := f.Parse(args); err != nil {
		return err
	}
	return m.withStore(ctx, *db, func(s *store.Store) error {
		list, err := s.ListCampaigns(ctx)
		if err != nil {
			return err
		}
		const layout = "02/01/2006 15:04"
		var rows [][]string
		for _, c := range list {
			rows = append(rows, []string{strconv.FormatInt(c.ID, 10), strconv.Itoa(c.Year), c.Name,
				c.OpensAt.In(zone()).Format(layout), c.ClosesAt.In(zone()).Format(layout)})
		}
		m.table("ID\tYEAR\tNAME\tOPENS\tCLOSES", rows)
		return nil
	})
}

// setFlags collects --set KIND=SET (a criteria set's id or code).
type setFlags map[string]string

func (s setFlags) String() string { return "" }

func (s setFlags) Set(v string) error {
	kind, set, ok := strings.Cut(v, "=")
	if !ok || kind == "" || set == "" {
		return errors.New("want KIND=SET, e.g. department=SO-2021")
	}
	s[kind] = set
	return nil
}

func (m *Main) runCampaignCreate(ctx context.Context, args []string) error {
	f := m.newCommand("campaign create", "campaign create --name NAME --year YEAR --opens TIME --closes TIME --set KIND=SET ...")
	name := f.String("name", "", "the campaign's name (required)")
	year := f.Int("year", 0, "the year assessed (required)")
	opens := f.String("opens", "", "when it opens, e.g. 2026-11-20T08:00 (the province's time) (required)")
	closes := f.String("closes", "", "the deadline, e.g. 2026-12-15T17:00 (required)")
	sets := setFlags{}
	f.Var(sets, "set", "a kind's criteria set by id or code, e.g. department=SO-2021 (repeat for each kind)")
	db := f.str("db", defaultDB, "database: sqlite:PATH, a bare path, or postgres://...")
	if err := f.Parse(args); err != nil {
		return err
	}
	if *name == "" || *year == 0 || *opens == "" || *closes == "" || len(sets) == 0 {
		return f.fail("--name, --year, --opens, --closes and at least one --set are required")
	}
	c := &workflow.Campaign{Name: *name, Year: *year, CriteriaSets: map[workflow.AgencyKind]int64{}}
	for flagName, dst := range map[string]*time.Time{"opens": &c.OpensAt, "closes": &c.ClosesAt} {
		v := *opens
		if flagName == "closes" {
			v = *closes
		}
		if len(v) == len("2006-01-02T15:04") {
			v += ":00"
		}
		t, err := workflow.ParseTime(v, zone())
		if err != nil {
			return f.fail("--%s %q: want a time such as 2026-11-20T08:00", flagName, v)
		}
		*dst = t
	}
	return m.withStore(ctx, *db, func(s *store.Store) error {
		known, err := s.ListCriteriaSets(ctx)
		if err != nil {
			return err
		}
		for kind, ref := range sets {
			var id int64
			for _, set := range known {
				if set.Code == ref || strconv.FormatInt(set.ID, 10) == ref {
					id = set.ID
				}
			}
			if id == 0 {
				return fmt.Errorf("--set %s=%s: no criteria set has that id or code", kind, ref)
			}
			c.CriteriaSets[workflow.AgencyKind(kind)] = id
		}
		if err := s.CreateCampaign(ctx, c, nil, store.Meta{}); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "created campaign %d (%s)\n", c.ID, c.Name)
		return nil
	})
}

func (m *Main) runCampaignCancel(ctx context.Context, args []string) error {
	f := m.newCommand("campaign cancel", "campaign cancel ID [--db URL]")
	db := f.str("db", defaultDB, "database: sqlite:PATH, a bare path, or postgres://...")
	id, err := idArg(f, args, "campaign")
	if err != nil {
		return err
	}
	return m.withStore(ctx, *db, func(s *store.Store) error {
		if err := s.CancelCampaign(ctx, nil, id, store.Meta{}); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "campaign %d cancelled\n", id)
		return nil
	})
}

// criteriaMaxFile caps a criteria file; the province's sets weigh a few kB.
const criteriaMaxFile = 4 << 20

func (m *Main) runCriteria(ctx context.Context, args []string) error {
	return m.dispatch(ctx, "criteria", args, []subcommand{
		{"import", "import FILE.yaml", m.runCriteriaImport},
	})
}

func (m *Main) runCriteriaImport(ctx context.Context, args []string) error {
	f := m.newCommand("criteria import", "criteria import FILE.yaml [--db URL]")
	db := f.str("db", defaultDB, "database: sqlite:PATH, a bare path, or postgres://...")
	path, err := oneArg(f, args, "one YAML file")
	if err != nil {
		return err
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	} else if st.Size() > criteriaMaxFile {
		return fmt.Errorf("%s: more than %d MB; a criteria set is far smaller", path, criteriaMaxFile>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	set, err := workflow.ParseCriteriaSet(data, false)
	if err != nil {
		return m.badRows(err)
	}
	return m.withStore(ctx, *db, func(s *store.Store) error {
		if err := s.CreateCriteriaSet(ctx, nil, set, store.Meta{}); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "imported criteria set %d (%s, %s)\n", set.ID, set.Code, set.AgencyKind)
		return nil
	})
}

// endSessions ends every page session of a user, from the command line.
func endSessions(ctx context.Context, s *store.Store, userID int64) error {
	sessions, err := session.New(s.DB().DB, s.Dialect(), session.Config{CleanupInterval: -1})
	if err != nil {
		return err
	}
	defer sessions.Close()
	_, err = sessions.DestroyUser(ctx, userID)
	return err
}
