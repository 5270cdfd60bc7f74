package handlers

import (
	"mime"
	"net/http"

	"parindex/workflow"
)

func (s *Server) handleCriteriaSetList(w http.ResponseWriter, r *http.Request) {
	sets, err := s.store.ListCriteriaSets(r.Context())
	if err != nil {
		s.problem(w, r, err)
		return
	}
	out := make([]criteriaSetSummary, len(sets))
	for i := range sets {
		out[i] = summarize(&sets[i])
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleCriteriaSetGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	set, err := s.store.GetCriteriaSet(r.Context(), id)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, set)
}

func (s *Server) handleCriteriaSetCreate(w http.ResponseWriter, r *http.Request) {
	set, err := s.readCriteriaSet(w, r)
	if err == nil {
		err = s.store.CreateCriteriaSet(r.Context(), currentUser(r), set, meta(r))
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, summarize(set))
}

func (s *Server) handleCriteriaSetReplace(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var set *workflow.CriteriaSet
	if err == nil {
		set, err = s.readCriteriaSet(w, r)
	}
	if err == nil {
		err = s.store.ReplaceCriteriaSet(r.Context(), currentUser(r), id, set, meta(r))
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, summarize(set))
}

// readCriteriaSet parses the body as YAML or JSON by its Content-Type.
func (s *Server) readCriteriaSet(w http.ResponseWriter, r *http.Request) (*workflow.CriteriaSet, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var isJSON bool
	switch mt {
	case "application/json":
		isJSON = true
	case "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml":
	default:
		return nil, workflow.Errorf(workflow.EUNSUPPORTED, "Hãy gửi bộ tiêu chí dạng application/yaml hoặc application/json.")
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	return workflow.ParseCriteriaSet(body, isJSON)
}

// criteriaSetSummary is a set without its tree; leaves is a count.
type criteriaSetSummary struct {
	ID         int64               `json:"id"`
	Code       string              `json:"code"`
	Name       string              `json:"name"`
	AgencyKind workflow.AgencyKind `json:"agency_kind"`
	MaxPoints  workflow.Points     `json:"max_points"`
	Leaves     int                 `json:"leaves"`
	Frozen     bool                `json:"frozen"`
}

func summarize(set *workflow.CriteriaSet) criteriaSetSummary {
	return criteriaSetSummary{ID: set.ID, Code: set.Code, Name: set.Name, AgencyKind: set.AgencyKind, MaxPoints: set.MaxPoints, Leaves: set.Leaves, Frozen: set.Frozen}
}
