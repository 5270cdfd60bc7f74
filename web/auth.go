package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"parindex/oidc"
	"parindex/session"
	"parindex/store"
	"parindex/workflow"
)

var errNoProvider = workflow.Errorf(workflow.EUNAVAILABLE, "Hệ thống chưa được cấu hình đăng nhập một lần; hãy liên hệ quản trị viên.")

// handleLogin sends the browser to the provider, with a login attempt this
// browser alone may finish; next is where it comes back to (local paths only).
// Someone already logged in goes straight there.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	next := oidc.SafeReturn(r.URL.Query().Get("next"))
	if s.cfg.RP == nil {
		s.fail(w, r, errNoProvider)
		return
	}
	// The provider sends the browser back to the base URL: a login begun
	// at another name of this host (127.0.0.1 for localhost) would leave
	// its attempt in a cookie the callback never sees. Begin it there.
	if base, err := url.Parse(s.cfg.BaseURL); err == nil && base.Host != "" && !strings.EqualFold(r.Host, base.Host) {
		http.Redirect(w, r, trimSlash(s.cfg.BaseURL)+"/login?next="+url.QueryEscape(next), http.StatusFound)
		return
	}
	if _, err := s.sessionUser(r.Context()); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	authURL, state := s.cfg.RP.Begin(next)
	s.sess.BeginAttempt(r.Context(), state)
	http.Redirect(w, r, authURL, http.StatusFound)
}

// handleCallback finishes a login: the attempt must be this browser's, the
// provider's answer verified, the identity a provisioned, active user.
func (s *Server) handleCallback(w http.ResponseWriter, r *http.Request) {
	if s.cfg.RP == nil {
		s.fail(w, r, errNoProvider)
		return
	}
	q := r.URL.Query()
	state := q.Get("state")
	if !s.sess.TakeAttempt(r.Context(), state) {
		s.loginFailed(w, r, oidc.ErrAttempt)
		return
	}
	if q.Get("error") != "" {
		s.cfg.RP.Cancel(state)
		s.loginFailed(w, r, errCancelled)
		return
	}
	id, next, err := s.cfg.RP.Finish(r.Context(), state, q.Get("code"))
	if err != nil {
		logOf(r).Warn().Err(err).Msg("login refused")
		s.loginFailed(w, r, err)
		return
	}
	u, err := s.store.LoginIdentity(r.Context(), store.Identity{Issuer: id.Issuer, Subject: id.Subject,
		Email: id.Email, EmailVerified: id.EmailVerified, Username: id.Username})
	if err != nil {
		logOf(r).Warn().Err(err).Str("iss", id.Issuer).Str("sub", id.Subject).Str("email", id.Email).Msg("login: no local user")
		s.loginFailed(w, r, err)
		return
	}
	if err := s.sess.Login(r.Context(), session.Login{UserID: u.ID, Issuer: id.Issuer, Subject: id.Subject, SID: id.SID, IDToken: id.RawIDToken}); err != nil {
		s.fail(w, r, err)
		return
	}
	logOf(r).Info().Int64("user_id", u.ID).Msg("login")
	http.Redirect(w, r, next, http.StatusSeeOther)
}

var errCancelled = workflow.Errorf(workflow.EUNAUTHORIZED, "Bạn đã hủy đăng nhập.")

// loginFailed shows why a login did not happen, with a way to try again.
func (s *Server) loginFailed(w http.ResponseWriter, r *http.Request, err error) {
	if workflow.ErrorCode(err) == workflow.EUNAVAILABLE || workflow.ErrorCode(err) == workflow.EINTERNAL {
		s.fail(w, r, err)
		return
	}
	var msg string
	switch {
	case errors.Is(err, oidc.ErrAttempt):
		msg = workflow.ErrorMessage(oidc.ErrAttempt)
	case errors.Is(err, oidc.ErrRejected):
		msg = workflow.ErrorMessage(oidc.ErrRejected)
	default:
		msg = workflow.ErrorMessage(err)
	}
	s.render(w, r, http.StatusUnauthorized, "login-failed", page{Title: "Không đăng nhập được", Data: msg})
}

// handleLogout ends the local session and, when the provider offers it, the
// single sign-on session too (the ID token is the hint).
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	l, err := s.sess.Logout(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	to := "/logged-out"
	if s.cfg.RP != nil && l.IDToken != "" {
		if u := s.cfg.RP.LogoutURL(l.IDToken, trimSlash(s.cfg.BaseURL)+"/logged-out"); u != "" {
			to = u
		}
	}
	if l.UserID != 0 {
		logOf(r).Info().Int64("user_id", l.UserID).Msg("logout")
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// handleLoggedOut says the session has ended.
func (s *Server) handleLoggedOut(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "logged-out", page{Title: "Đã đăng xuất"})
}

// handleBackChannelLogout is the provider telling us a single sign-on
// session ended: the matching local sessions end too.
func (s *Server) handleBackChannelLogout(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if s.cfg.RP == nil {
		http.NotFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	sid, sub, err := s.cfg.RP.VerifyBackChannelLogout(r.Context(), r.PostFormValue("logout_token"))
	if err != nil {
		logOf(r).Warn().Err(err).Msg("back-channel logout refused")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":"invalid_request"}`))
		return
	}
	n, err := s.sess.DestroyProviderSession(r.Context(), s.cfg.RP.Issuer(), sid, sub)
	if err != nil {
		logOf(r).Error().Err(err).Msg("back-channel logout")
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	logOf(r).Info().Str("sid", sid).Str("sub", sub).Int("sessions", n).Msg("back-channel logout")
	w.WriteHeader(http.StatusOK)
}
