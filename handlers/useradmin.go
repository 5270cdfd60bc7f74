package handlers

import (
	"net/http"
	"strconv"

	"parindex/store"
	"parindex/workflow"
)

// handleUserList answers the users that match the filters, by id, for
// administrators: q (a part of the name or email), email, agency_id, role,
// active (true or false), limit (100 by default, at most 500) and after (the
// last id of the previous page). A bad filter is 400 naming it.
func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.UserFilter{Query: workflow.NormalizeText(q.Get("q")), Email: q.Get("email"), Role: workflow.Role(q.Get("role"))}
	var bad []workflow.FieldError
	positive := func(name string) int64 {
		v := q.Get(name)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			bad = append(bad, workflow.Field(name, "Tham số %s phải là một số nguyên dương.", name))
		}
		return n
	}
	f.AgencyID, f.After = positive("agency_id"), positive("after")
	if f.Role != "" && !f.Role.Valid() {
		bad = append(bad, workflow.Field("role", "Tham số role phải là admin, council, updater hoặc approver."))
	}
	if v := q.Get("active"); v != "" {
		active, err := strconv.ParseBool(v)
		if err != nil {
			bad = append(bad, workflow.Field("active", "Tham số active phải là true hoặc false."))
		}
		f.Active = &active
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxUserLimit {
			bad = append(bad, workflow.Field("limit", "Tham số limit phải là một số nguyên từ 1 đến 500."))
		}
		f.Limit = n
	}
	if len(q.Get("q")) > workflow.MaxName {
		bad = append(bad, workflow.Field("q", "Tham số q quá dài."))
	}
	if bad != nil {
		s.problem(w, r, workflow.Errorf(workflow.EBADREQUEST, "Tham số lọc danh sách người dùng không hợp lệ.").WithFields(bad...))
		return
	}
	list, err := s.store.ListUsers(r.Context(), f)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, each(list, s.userRecordOut))
}

func (s *Server) handleUserGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var u *store.UserRecord
	if err == nil {
		u, err = s.store.UserRecord(r.Context(), id)
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.userRecordOut(*u))
}

// handleUserPatch changes the fields sent of name, title and email.
func (s *Server) handleUserPatch(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var p store.UserPatch
	if err := s.decode(w, r, &struct {
		Email **string `json:"email"`
		Name  **string `json:"name"`
		Title **string `json:"title"`
	}{&p.Email, &p.Name, &p.Title}); err != nil {
		s.problem(w, r, err)
		return
	}
	u, err := s.store.UpdateUser(r.Context(), currentUser(r), id, p, meta(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.userRecordOut(*u))
}

// handleUserDeactivate stops a user: their tokens are revoked at once.
func (s *Server) handleUserDeactivate(w http.ResponseWriter, r *http.Request) {
	s.setUserActive(w, r, false)
}

// handleUserActivate lets a deactivated user sign in again (with a new token).
func (s *Server) handleUserActivate(w http.ResponseWriter, r *http.Request) {
	s.setUserActive(w, r, true)
}

func (s *Server) setUserActive(w http.ResponseWriter, r *http.Request, active bool) {
	id, err := pathID(r, "id")
	var u *store.UserRecord
	if err == nil {
		u, err = s.store.SetUserActive(r.Context(), currentUser(r), id, active, meta(r))
	}
	if err == nil && !active && s.sessions != nil {
		// Their page sessions end now too (each page also reads the user
		// afresh, so a request already in flight is the last one).
		err = s.sessions.EndSessions(r.Context(), id)
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.userRecordOut(*u))
}

// handleGrantCreate gives a user a role: {"role", "agency_id"}.
func (s *Server) handleGrantCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var g workflow.Grant
	if err := s.decode(w, r, &g); err != nil {
		s.problem(w, r, err)
		return
	}
	u, err := s.store.GrantRole(r.Context(), currentUser(r), id, g, meta(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.userRecordOut(*u))
}

// handleGrantDelete takes a role from a user: ?role=…&agency_id=… (the
// agency only for updater and approver).
func (s *Server) handleGrantDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	q := r.URL.Query()
	g := workflow.Grant{Role: workflow.Role(q.Get("role"))}
	if v := q.Get("agency_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			s.problem(w, r, workflow.Errorf(workflow.EBADREQUEST, "Tham số agency_id phải là một số nguyên dương.").
				WithFields(workflow.Field("agency_id", "Tham số agency_id phải là một số nguyên dương.")))
			return
		}
		g.AgencyID = &n
	}
	u, err := s.store.RevokeRole(r.Context(), currentUser(r), id, g, meta(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.userRecordOut(*u))
}
