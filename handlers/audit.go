package handlers

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"parindex/store"
	"parindex/workflow"
)

// The sentences that refuse a filter of GET /audit, one per parameter.
const (
	msgAuditActor    = "Tham số actor phải là mã số của một người dùng (số nguyên dương)."
	msgAuditKind     = "Tham số kind phải là một loại thay đổi của nhật ký quản trị: user, grant, token, agency, criteria_set, campaign, exemption, import hoặc signer."
	msgAuditFrom     = "Tham số from phải là một thời điểm đầy đủ, ví dụ 2026-11-25T17:00:00+07:00."
	msgAuditTo       = "Tham số to phải là một thời điểm đầy đủ, ví dụ 2026-11-25T17:00:00+07:00."
	msgAuditLimit    = "Tham số limit phải là một số nguyên từ 1 đến 1000."
	msgAuditBefore   = "Tham số before phải là mã số của một dòng nhật ký (số nguyên dương)."
	msgAuditFiltered = "Một số tham số lọc không hợp lệ."
)

// handleAuditList answers the administrative audit log, newest first, for
// administrators: filters actor (user id), kind, from (inclusive) and to
// (exclusive; RFC 3339, read in the province's zone without an offset), limit
// (100 by default, at most 1000) and before (an id, for the next page). A bad
// filter is 400 naming it. Nothing updates or deletes the log.
func (s *Server) handleAuditList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f store.AuditFilter
	var bad []workflow.FieldError
	positive := func(name string) (int64, bool) {
		v := q.Get(name)
		if v == "" {
			return 0, true
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil && n > 0
	}
	instant := func(name string) (*time.Time, bool) {
		v := q.Get(name)
		if v == "" {
			return nil, true
		}
		t, err := s.parseTime(v, name)
		return &t, err == nil
	}
	var ok bool
	if f.ActorID, ok = positive("actor"); !ok {
		bad = append(bad, workflow.Field("actor", msgAuditActor))
	}
	if f.Before, ok = positive("before"); !ok {
		bad = append(bad, workflow.Field("before", msgAuditBefore))
	}
	if v := q.Get("kind"); v != "" {
		if !slices.Contains(store.AuditKinds, v) {
			bad = append(bad, workflow.Field("kind", msgAuditKind))
		}
		f.Kind = v
	}
	if f.From, ok = instant("from"); !ok {
		bad = append(bad, workflow.Field("from", msgAuditFrom))
	}
	if f.To, ok = instant("to"); !ok {
		bad = append(bad, workflow.Field("to", msgAuditTo))
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxAuditLimit {
			bad = append(bad, workflow.Field("limit", msgAuditLimit))
		}
		f.Limit = n
	}
	switch len(bad) {
	case 0:
	case 1:
		s.problem(w, r, workflow.Errorf(workflow.EBADREQUEST, "Tham số lọc %s không hợp lệ.", bad[0].Field).WithFields(bad...))
		return
	default:
		s.problem(w, r, workflow.Errorf(workflow.EBADREQUEST, msgAuditFiltered).WithFields(bad...))
		return
	}
	rows, err := s.store.ListAudit(r.Context(), f)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, each(rows, s.auditOut))
}
