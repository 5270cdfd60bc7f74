package web

import "github.com/go-chi/chi/v5"

// adminRoutes: agencies, users, tokens, criteria sets, campaigns, audit.
func (s *Server) adminRoutes(r chi.Router) {}
