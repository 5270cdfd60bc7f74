package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"parindex/store"
)

// homeRoutes: Việc của tôi and the notifications.
func (s *Server) homeRoutes(r chi.Router) {
	r.Get("/", s.handleHome)
}

// handleHome is Việc của tôi: the reports waiting for me.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	reports, err := s.store.ListReports(r.Context(), u, store.ReportFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home", page{Title: "Việc của tôi", Nav: "home", Data: reports})
}
