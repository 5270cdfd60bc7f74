package handlers

import (
	"net/http"

	"parindex/workflow"
)

func (s *Server) handleAgencyList(w http.ResponseWriter, r *http.Request) {
	agencies, err := s.store.ListAgencies(r.Context())
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, agencies)
}

func (s *Server) handleAgencyCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code string              `json:"code"`
		Name string              `json:"name"`
		Kind workflow.AgencyKind `json:"kind"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	a := &workflow.Agency{Code: in.Code, Name: in.Name, Kind: in.Kind}
	if err := s.store.CreateAgency(r.Context(), currentUser(r), a, meta(r)); err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, a)
}
