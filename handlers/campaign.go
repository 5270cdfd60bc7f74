package handlers

import (
	"net/http"
	"time"

	"parindex/store"
	"parindex/workflow"
)

func (s *Server) handleCampaignCreate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name         string                        `json:"name"`
		Year         int                           `json:"year"`
		OpensAt      string                        `json:"opens_at"`
		ClosesAt     string                        `json:"closes_at"`
		CriteriaSets map[workflow.AgencyKind]int64 `json:"criteria_sets"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	c := &workflow.Campaign{Name: in.Name, Year: in.Year, CriteriaSets: in.CriteriaSets}
	var err error
	if c.OpensAt, err = s.parseTime(in.OpensAt, "opens_at"); err == nil {
		c.ClosesAt, err = s.parseTime(in.ClosesAt, "closes_at")
	}
	if err == nil {
		err = s.store.CreateCampaign(r.Context(), c, currentUser(r), meta(r))
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	s.deadlinesChanged()
	writeJSON(w, http.StatusCreated, s.campaignOut(*c))
}

func (s *Server) handleCampaignList(w http.ResponseWriter, r *http.Request) {
	campaigns, err := s.store.ListCampaigns(r.Context())
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, each(campaigns, s.campaignOut))
}

func (s *Server) handleCampaignGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var c *workflow.Campaign
	if err == nil {
		c, err = s.store.GetCampaign(r.Context(), id)
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.campaignOut(*c))
}

func (s *Server) handleRoundCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var in struct {
		OpensAt   *string   `json:"opens_at"`
		ClosesAt  string    `json:"closes_at"`
		AgencyIDs []int64   `json:"agency_ids"`
		Criteria  *[]string `json:"criteria"`
		Note      string    `json:"note"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	rr := workflow.RoundRequest{OpensAt: s.store.Now(), AgencyIDs: in.AgencyIDs, Note: in.Note}
	if in.Criteria != nil {
		rr.Criteria = *in.Criteria
	}
	if in.OpensAt != nil {
		rr.OpensAt, err = s.parseTime(*in.OpensAt, "opens_at")
	}
	if err == nil {
		rr.ClosesAt, err = s.parseTime(in.ClosesAt, "closes_at")
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	res, err := s.store.OpenCampaignRound(r.Context(), currentUser(r), id, rr, meta(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	s.deadlinesChanged()
	writeJSON(w, http.StatusCreated, s.roundResultOut(res))
}

func (s *Server) handleCampaignProgress(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	p, err := s.store.CampaignProgress(r.Context(), id)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.progressOut(p))
}

// handleCampaignPatch changes the fields sent of name, opens_at and
// closes_at, before the campaign opens.
func (s *Server) handleCampaignPatch(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var in struct {
		Name     *string `json:"name"`
		OpensAt  *string `json:"opens_at"`
		ClosesAt *string `json:"closes_at"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	p := store.CampaignPatch{Name: in.Name}
	for _, f := range []struct {
		in   *string
		out  **time.Time
		name string
	}{{in.OpensAt, &p.OpensAt, "opens_at"}, {in.ClosesAt, &p.ClosesAt, "closes_at"}} {
		if f.in == nil {
			continue
		}
		t, err := s.parseTime(*f.in, f.name)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		*f.out = &t
	}
	c, err := s.store.UpdateCampaign(r.Context(), currentUser(r), id, p, meta(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	s.deadlinesChanged()
	writeJSON(w, http.StatusOK, s.campaignOut(*c))
}

// handleCampaignCancel removes a campaign in which no work was done.
func (s *Server) handleCampaignCancel(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.store.CancelCampaign(r.Context(), currentUser(r), id, meta(r))
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	s.deadlinesChanged()
	w.WriteHeader(http.StatusNoContent)
}

// handleCampaignReportCreate gives an agency a report in a running
// campaign: {"agency_id"}.
func (s *Server) handleCampaignReportCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var in struct {
		AgencyID int64 `json:"agency_id"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	if in.AgencyID <= 0 {
		s.problem(w, r, workflow.Errorf(workflow.EINVALID, "Cần nhập agency_id.").WithFields(workflow.Field("agency_id", "Cần nhập agency_id.")))
		return
	}
	rep, err := s.store.AddCampaignReport(r.Context(), currentUser(r), id, in.AgencyID, meta(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	s.deadlinesChanged()
	w.Header().Set("ETag", etag(rep.Version))
	writeJSON(w, http.StatusCreated, s.reportJSON(rep))
}
