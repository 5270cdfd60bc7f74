package handlers

import (
	"net/http"
	"strconv"

	"parindex/workflow"
)

// handleNotificationList answers the caller's own notifications, newest
// first; ?unread=true keeps the unread ones, ?limit= caps the list (≤ 500).
func (s *Server) handleNotificationList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			s.problem(w, r, workflow.Errorf(workflow.EINVALID, "Tham số limit phải là một số nguyên từ 1 đến 500.").
				WithFields(workflow.Field("limit", "Phải là một số nguyên từ 1 đến 500.")))
			return
		}
		limit = n
	}
	unread := false
	if v := q.Get("unread"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			s.problem(w, r, workflow.Errorf(workflow.EINVALID, "Tham số unread phải là true hoặc false.").
				WithFields(workflow.Field("unread", "Phải là true hoặc false.")))
			return
		}
		unread = b
	}
	list, err := s.store.ListNotifications(r.Context(), currentUser(r).ID, unread, limit)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, each(list, s.notificationOut))
}

// handleNotificationRead marks one of the caller's notifications read.
func (s *Server) handleNotificationRead(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.store.MarkNotificationRead(r.Context(), currentUser(r).ID, id)
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
