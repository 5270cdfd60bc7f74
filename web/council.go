package web

import "github.com/go-chi/chi/v5"

// councilRoutes: the campaign board, rounds and extensions.
func (s *Server) councilRoutes(r chi.Router) {}
