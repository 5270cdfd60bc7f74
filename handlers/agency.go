package handlers

import (
	"net/http"
	"strconv"

	"parindex/store"
	"parindex/workflow"
)

// handleAgencyList answers the agencies, filtered by code, kind and active
// (true or false) when given.
func (s *Server) handleAgencyList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.AgencyFilter{Code: q.Get("code"), Kind: workflow.AgencyKind(q.Get("kind"))}
	if v := q.Get("active"); v != "" {
		active, err := strconv.ParseBool(v)
		if err != nil {
			s.problem(w, r, workflow.Errorf(workflow.EBADREQUEST, "Tham số active phải là true hoặc false.").
				WithFields(workflow.Field("active", "Tham số active phải là true hoặc false.")))
			return
		}
		f.Active = &active
	}
	agencies, err := s.store.FindAgencies(r.Context(), f)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, each(agencies, s.agencyOut))
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
	writeJSON(w, http.StatusCreated, s.agencyOut(store.AgencyRecord{Agency: *a, Active: true}))
}

// handleAgencyGet answers one agency by id.
func (s *Server) handleAgencyGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var a *store.AgencyRecord
	if err == nil {
		a, err = s.store.AgencyRecord(r.Context(), id)
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.agencyOut(*a))
}

// handleAgencyPatch changes the fields sent of code, name and kind.
func (s *Server) handleAgencyPatch(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var p store.AgencyPatch
	if err := s.decode(w, r, &struct {
		Code **string              `json:"code"`
		Name **string              `json:"name"`
		Kind **workflow.AgencyKind `json:"kind"`
	}{&p.Code, &p.Name, &p.Kind}); err != nil {
		s.problem(w, r, err)
		return
	}
	a, err := s.store.UpdateAgency(r.Context(), currentUser(r), id, p, meta(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.agencyOut(*a))
}

// handleAgencyDeactivate stops an agency taking part in new campaigns.
func (s *Server) handleAgencyDeactivate(w http.ResponseWriter, r *http.Request) {
	s.setAgencyActive(w, r, false)
}

// handleAgencyActivate lets a deactivated agency take part again.
func (s *Server) handleAgencyActivate(w http.ResponseWriter, r *http.Request) {
	s.setAgencyActive(w, r, true)
}

func (s *Server) setAgencyActive(w http.ResponseWriter, r *http.Request, active bool) {
	id, err := pathID(r, "id")
	var a *store.AgencyRecord
	if err == nil {
		a, err = s.store.SetAgencyActive(r.Context(), currentUser(r), id, active, meta(r))
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.agencyOut(*a))
}

// handleAgencyKindList answers the kinds of agency in display order.
func (s *Server) handleAgencyKindList(w http.ResponseWriter, r *http.Request) {
	kinds, err := s.store.ListAgencyKinds(r.Context())
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, kinds)
}

// handleAgencyKindCreate adds a kind of agency: {"code", "name", "position"}.
func (s *Server) handleAgencyKindCreate(w http.ResponseWriter, r *http.Request) {
	var k workflow.KindInfo
	if err := s.decode(w, r, &k); err != nil {
		s.problem(w, r, err)
		return
	}
	if err := s.store.CreateAgencyKind(r.Context(), currentUser(r), &k, meta(r)); err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, k)
}
