package web

import (
	"net/http"
	"net/url"
	"strconv"

	"parindex/i18n"
	"parindex/store"
	"parindex/workflow"
)

// The people side of the administration: agencies (with their officials
// and registered signers), users with their roles, and tokens.

// agencyInfo is what the admin pages need to name an agency.
type agencyInfo struct {
	store.AgencyRecord
	KindName string
}

// agencies lists every agency with its kind's name, and the kinds.
func (s *Server) agencies(r *http.Request) ([]agencyInfo, []workflow.KindInfo, error) {
	kinds, err := s.store.ListAgencyKinds(r.Context())
	if err != nil {
		return nil, nil, err
	}
	list, err := s.store.FindAgencies(r.Context(), store.AgencyFilter{})
	if err != nil {
		return nil, nil, err
	}
	out := make([]agencyInfo, len(list))
	for i, a := range list {
		out[i] = agencyInfo{AgencyRecord: a, KindName: kindName(kinds, a.Kind)}
	}
	return out, kinds, nil
}

func kindName(kinds []workflow.KindInfo, k workflow.AgencyKind) string {
	for _, ki := range kinds {
		if ki.Code == k {
			return ki.Name
		}
	}
	return string(k)
}

type agenciesPage struct {
	Agencies []agencyInfo
	Kinds    []workflow.KindInfo
}

func (s *Server) handleAdminAgencies(w http.ResponseWriter, r *http.Request) {
	list, kinds, err := s.agencies(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.adminPage(w, r, "admin-agencies", "Đơn vị", agenciesPage{list, kinds})
}

type agencyPage struct {
	Agency  agencyInfo
	Kinds   []workflow.KindInfo
	Users   []agencyUser
	Signers []store.Signer
}

// agencyUser is an official with their roles in the agency.
type agencyUser struct {
	store.UserRecord
	Roles []workflow.Role
}

func (s *Server) handleAdminAgency(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r)
	if !ok {
		return
	}
	a, err := s.store.AgencyRecord(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	kinds, err := s.store.ListAgencyKinds(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := agencyPage{Agency: agencyInfo{*a, kindName(kinds, a.Kind)}, Kinds: kinds}
	if workflow.Allows(user(r), workflow.ActUserManage, workflow.Target{}) {
		users, err := s.store.ListUsers(r.Context(), store.UserFilter{AgencyID: id, Limit: store.MaxUserLimit})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, u := range users {
			au := agencyUser{UserRecord: u}
			for _, g := range u.Grants {
				if g.AgencyID != nil && *g.AgencyID == id {
					au.Roles = append(au.Roles, g.Role)
				}
			}
			p.Users = append(p.Users, au)
		}
	}
	if p.Signers, err = s.store.ListSigners(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.adminPage(w, r, "admin-agency", a.Name, p)
}

// usersPage is the user list with its search, as in the URL.
type usersPage struct {
	Q, Role, Agency, Active string
	Users                   []store.UserRecord
	Agencies                []agencyInfo
	AgencyNames             map[int64]string
	Roles                   []workflow.Role
	Next                    string // the next page's URL, "" on the last
}

var roles = []workflow.Role{workflow.RoleAdmin, workflow.RoleCouncil, workflow.RoleApprover, workflow.RoleUpdater}

const userPageSize = 100

func (s *Server) handleAdminUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := usersPage{Q: q.Get("q"), Role: q.Get("role"), Agency: q.Get("agency"), Active: q.Get("active"), Roles: roles}
	f := store.UserFilter{Query: workflow.NormalizeText(p.Q), Limit: userPageSize}
	if rs := []rune(f.Query); len(rs) > workflow.MaxName {
		f.Query = string(rs[:workflow.MaxName])
	}
	if role := workflow.Role(p.Role); role.Valid() {
		f.Role = role
	}
	if id, err := strconv.ParseInt(p.Agency, 10, 64); err == nil && id > 0 {
		f.AgencyID = id
	}
	if b, err := strconv.ParseBool(p.Active); err == nil {
		f.Active = &b
	}
	if id, err := strconv.ParseInt(q.Get("after"), 10, 64); err == nil && id > 0 {
		f.After = id
	}
	var err error
	if p.Users, err = s.store.ListUsers(r.Context(), f); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Agencies, _, err = s.agencies(r); err != nil {
		s.fail(w, r, err)
		return
	}
	p.AgencyNames = agencyNames(p.Agencies)
	if len(p.Users) == userPageSize {
		next := url.Values{}
		for _, k := range []string{"q", "role", "agency", "active"} {
			if v := q.Get(k); v != "" {
				next.Set(k, v)
			}
		}
		next.Set("after", strconv.FormatInt(p.Users[len(p.Users)-1].ID, 10))
		p.Next = "/admin/users?" + next.Encode()
	}
	s.adminPage(w, r, "admin-users", "Người dùng", p)
}

// Grant names a role with its agency: "cán bộ cập nhật · Sở Tư pháp".
func (p usersPage) Grant(g workflow.Grant) string { return grantText(g, p.AgencyNames) }

// Grant names a role with its agency.
func (p userPage) Grant(g workflow.Grant) string { return grantText(g, p.AgencyNames) }

func grantText(g workflow.Grant, names map[int64]string) string {
	text := upperFirst(i18n.Term(i18n.VI, string(g.Role)))
	if g.AgencyID != nil {
		name, ok := names[*g.AgencyID]
		if !ok {
			name = "đơn vị " + strconv.FormatInt(*g.AgencyID, 10)
		}
		text += " · " + name
	}
	return text
}

// GrantQuery is the query of a grant's revocation: role and agency_id.
func (p userPage) GrantQuery(g workflow.Grant) string {
	v := url.Values{"role": {string(g.Role)}}
	if g.AgencyID != nil {
		v.Set("agency_id", strconv.FormatInt(*g.AgencyID, 10))
	}
	return v.Encode()
}

func agencyNames(list []agencyInfo) map[int64]string {
	m := make(map[int64]string, len(list))
	for _, a := range list {
		m[a.ID] = a.Name
	}
	return m
}

type userPage struct {
	User        store.UserRecord
	Agencies    []agencyInfo
	AgencyNames map[int64]string
	Roles       []workflow.Role
	Tokens      []store.TokenInfo
	Tokenable   bool // the reader may issue and revoke tokens
	Self        bool
}

func (s *Server) handleAdminUser(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r)
	if !ok {
		return
	}
	u, err := s.store.UserRecord(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := userPage{User: *u, Roles: roles, Self: user(r).ID == id,
		Tokenable: workflow.Allows(user(r), workflow.ActTokenManage, workflow.Target{})}
	if p.Agencies, _, err = s.agencies(r); err != nil {
		s.fail(w, r, err)
		return
	}
	p.AgencyNames = agencyNames(p.Agencies)
	if p.Tokenable {
		if p.Tokens, err = s.store.ListTokens(r.Context(), id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.adminPage(w, r, "admin-user", u.Name, p)
}
