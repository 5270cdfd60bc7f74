package handlers

import (
	"net/http"

	"parindex/workflow"
)

func (s *Server) handleTransitionList(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.visibleReport(r)
	var rep *workflow.Report
	if err == nil {
		rep, err = s.store.GetReportState(r.Context(), currentUser(r), id)
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"state": rep.State, "round": rep.Round, "version": rep.Version,
		"transitions": workflow.AvailableTransitions(rep, currentUser(r), s.store.Now()),
	})
}

func (s *Server) handleTransitionCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Event    string    `json:"event"`
		Reason   string    `json:"reason"`
		ClosesAt *string   `json:"closes_at"`
		Criteria *[]string `json:"criteria"`
	}
	id, _, err := s.visibleReport(r)
	if workflow.ErrorCode(err) == workflow.ENOTFOUND {
		// A caller from the cache may lack a grant given since: ask the database.
		if r, err = s.refreshCaller(r); err == nil {
			id, _, err = s.visibleReport(r)
		}
	}
	// Every attempt counts once, under the error it was answered with: err
	// is assigned, never shadowed, below.
	defer func() { s.metrics.Transition(workflow.Event(in.Event), err) }()
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if err = s.decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	req := workflow.TransitionRequest{Event: workflow.Event(in.Event), Reason: in.Reason}
	// An unknown event is answered before role and state, as docs/api.md orders.
	t, err := workflow.CheckEvent(req.Event)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	req.IfMatch = ifMatch(r)
	// A field the event does not take (its Accepts in the transition table)
	// is refused at the content stage, after every check that outranks it.
	var present []string
	if in.ClosesAt != nil {
		present = append(present, "closes_at")
	}
	if in.Criteria != nil {
		present = append(present, "criteria")
	}
	var round *workflow.RoundRequest
	if req.Invalid = t.CheckFields(present); req.Invalid == nil && in.ClosesAt != nil {
		// Without closes_at the store answers 422 "closes_at required" after
		// the role and state checks that outrank it.
		round = &workflow.RoundRequest{Note: in.Reason}
		round.ClosesAt, req.Invalid = s.parseTime(*in.ClosesAt, "closes_at")
		if in.Criteria != nil {
			round.Criteria = *in.Criteria
		}
	}
	rep, err := s.store.Transition(r.Context(), currentUser(r), id, req, round, meta(r))
	if err != nil {
		if workflow.ErrorCode(err) == workflow.EUNAUTHORIZED {
			if token, ok := r.Context().Value(tokenKey).(string); ok {
				s.users.drop(token)
			}
		}
		s.problem(w, r, err)
		return
	}
	if req.Event == workflow.EventOpenRound || req.Event == workflow.EventExtend {
		s.deadlinesChanged()
	}
	w.Header().Set("ETag", etag(rep.Version))
	writeJSON(w, http.StatusOK, map[string]any{"state": rep.State, "round": rep.Round, "version": rep.Version})
}
