package handlers

import (
	"net/http"
	"time"

	"parindex/workflow"
)

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, userJSON(currentUser(r)))
}

// userJSON never sends a nil grant list.
func userJSON(u *workflow.User) *workflow.User {
	if u.Grants == nil {
		u.Grants = []workflow.Grant{}
	}
	return u
}

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	var in workflow.User
	if err := s.decode(w, r, &struct {
		Email  *string           `json:"email"`
		Name   *string           `json:"name"`
		Title  *string           `json:"title"`
		Grants *[]workflow.Grant `json:"grants"`
	}{&in.Email, &in.Name, &in.Title, &in.Grants}); err != nil {
		s.problem(w, r, err)
		return
	}
	if err := s.store.CreateUser(r.Context(), &in); err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, userJSON(&in))
}

func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		UserID    int64   `json:"user_id"`
		ExpiresAt *string `json:"expires_at"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	var expires *time.Time
	if in.ExpiresAt != nil {
		t, err := s.parseTime(*in.ExpiresAt, "expires_at")
		if err != nil {
			s.problem(w, r, err)
			return
		}
		expires = &t
	}
	if in.UserID <= 0 {
		s.problem(w, r, workflow.Errorf(workflow.EINVALID, "user_id is required.").WithFields(workflow.FieldError{Field: "user_id", Message: "required"}))
		return
	}
	t, err := s.store.CreateToken(r.Context(), in.UserID, expires)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if t.ExpiresAt != nil {
		local := t.ExpiresAt.In(s.zone)
		t.ExpiresAt = &local
	}
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) handleTokenDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.store.RevokeToken(r.Context(), id)
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
