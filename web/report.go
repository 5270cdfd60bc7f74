package web

import "github.com/go-chi/chi/v5"

// reportRoutes: a report, its review and its history.
func (s *Server) reportRoutes(r chi.Router) {}
