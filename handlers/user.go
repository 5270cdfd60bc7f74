package handlers

import (
	"net/http"

	"parindex/store"
	"parindex/workflow"
)

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, userOut(currentUser(r)))
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
	if err := s.store.CreateUser(r.Context(), currentUser(r), &in, meta(r)); err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, userOut(&in))
}

// handleTokenCreate issues a token for a user, recording the caller as its
// issuer. Without expires_at or no_expiry it lasts the server's token
// lifetime (serve --token-ttl); naming both is 422.
func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		UserID    int64   `json:"user_id"`
		ExpiresAt *string `json:"expires_at"`
		NoExpiry  bool    `json:"no_expiry"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	exp := store.TokenExpiry{Never: in.NoExpiry}
	if in.ExpiresAt != nil {
		t, err := s.parseTime(*in.ExpiresAt, "expires_at")
		if err != nil {
			s.problem(w, r, err)
			return
		}
		exp.At = &t
	}
	if in.UserID <= 0 {
		s.problem(w, r, workflow.Errorf(workflow.EINVALID, "Thiếu user_id: hãy cho biết mã số người dùng.").WithFields(workflow.Field("user_id", "Bắt buộc.")))
		return
	}
	t, err := s.store.CreateToken(r.Context(), currentUser(r), in.UserID, exp, meta(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.tokenOut(t))
}

// handleUserTokenList lists a user's tokens for an administrator or for the
// user themself; anyone else is refused before the user is looked up, so the
// answer says nothing about which users exist.
func (s *Server) handleUserTokenList(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if err := workflow.Can(currentUser(r), workflow.ActTokensList, workflow.Target{UserID: id}); err != nil {
		s.problem(w, r, err)
		return
	}
	s.writeTokens(w, r, id)
}

// handleMyTokenList lists the caller's own tokens.
func (s *Server) handleMyTokenList(w http.ResponseWriter, r *http.Request) {
	s.writeTokens(w, r, currentUser(r).ID)
}

// writeTokens answers a user's tokens with their times in the province's zone.
func (s *Server) writeTokens(w http.ResponseWriter, r *http.Request, userID int64) {
	list, err := s.store.ListTokens(r.Context(), userID)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, each(list, s.tokenInfoOut))
}

func (s *Server) handleTokenDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.store.RevokeToken(r.Context(), currentUser(r), id, meta(r))
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
