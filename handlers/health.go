package handlers

import (
	"context"
	"net/http"
	"time"
)

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReady is 200 only when the database answers and every migration is applied.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "detail": "the database does not answer"})
		return
	}
	current, err := s.store.SchemaCurrent(ctx)
	if err != nil || !current {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "detail": "the database schema is not current"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
