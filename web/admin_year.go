package web

import (
	"net/http"
	"time"

	"parindex/workflow"
)

// The year's side of the administration: criteria sets and campaigns.

type criteriaPage struct {
	Sets  []workflow.CriteriaSet
	Kinds []workflow.KindInfo
}

func (s *Server) handleAdminCriteria(w http.ResponseWriter, r *http.Request) {
	sets, err := s.store.ListCriteriaSets(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	kinds, err := s.store.ListAgencyKinds(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.adminPage(w, r, "admin-criteria", "Bộ tiêu chí", criteriaPage{sets, kinds})
}

// criterionRow is one line of a set's tree, with its depth.
type criterionRow struct {
	*workflow.Criterion
	Depth int
}

type criteriaSetPage struct {
	Set      *workflow.CriteriaSet
	KindName string
	Rows     []criterionRow
}

func (s *Server) handleAdminCriteriaSet(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r)
	if !ok {
		return
	}
	set, err := s.store.GetCriteriaSet(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	kinds, err := s.store.ListAgencyKinds(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := criteriaSetPage{Set: set, KindName: kindName(kinds, set.AgencyKind)}
	var walk func(cs []*workflow.Criterion, depth int)
	walk = func(cs []*workflow.Criterion, depth int) {
		for _, c := range cs {
			p.Rows = append(p.Rows, criterionRow{c, depth})
			walk(c.Children, depth+1)
		}
	}
	walk(set.Criteria, 0)
	s.adminPage(w, r, "admin-criteria-set", set.Name, p)
}

// campaignInfo is a campaign as the admin pages show it: where it stands
// in its window, and its sets by kind.
type campaignInfo struct {
	workflow.Campaign
	Stage string // "before", "open" or "over"
	Sets  []campaignSet
}

type campaignSet struct {
	Kind workflow.KindInfo
	Set  *workflow.CriteriaSet // nil: the campaign has no set for the kind
}

func (s *Server) campaignInfo(c workflow.Campaign, kinds []workflow.KindInfo, sets []workflow.CriteriaSet) campaignInfo {
	now := s.cfg.Now()
	ci := campaignInfo{Campaign: c, Stage: "open"}
	switch {
	case now.Before(c.OpensAt):
		ci.Stage = "before"
	case !now.Before(c.ClosesAt):
		ci.Stage = "over"
	}
	for _, k := range kinds {
		id, ok := c.CriteriaSets[k.Code]
		if !ok {
			continue
		}
		cs := campaignSet{Kind: k}
		for i := range sets {
			if sets[i].ID == id {
				cs.Set = &sets[i]
			}
		}
		ci.Sets = append(ci.Sets, cs)
	}
	return ci
}

// kindSets is a kind with the sets that may serve it, for the create form.
type kindSets struct {
	Kind workflow.KindInfo
	Sets []workflow.CriteriaSet
}

type campaignsPage struct {
	Campaigns []campaignInfo
	Kinds     []kindSets
	Year      int
	Opens     string // datetime-local defaults for the form
	Closes    string
}

func (s *Server) handleAdminCampaigns(w http.ResponseWriter, r *http.Request) {
	campaigns, err := s.store.ListCampaigns(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	kinds, err := s.store.ListAgencyKinds(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sets, err := s.store.ListCriteriaSets(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.cfg.Now().In(s.cfg.Zone)
	p := campaignsPage{Year: now.Year()}
	for _, c := range campaigns {
		p.Campaigns = append(p.Campaigns, s.campaignInfo(c, kinds, sets))
	}
	for _, k := range kinds {
		ks := kindSets{Kind: k}
		for _, set := range sets {
			if set.AgencyKind == k.Code {
				ks.Sets = append(ks.Sets, set)
			}
		}
		p.Kinds = append(p.Kinds, ks)
	}
	day := time.Date(now.Year(), now.Month(), now.Day(), 8, 0, 0, 0, s.cfg.Zone).AddDate(0, 0, 1)
	p.Opens = day.Format(localLayout)
	p.Closes = day.AddDate(0, 0, 30).Add(9 * time.Hour).Format(localLayout)
	s.adminPage(w, r, "admin-campaigns", "Kỳ đánh giá", p)
}

// localLayout is a datetime-local field's value, in the province's zone.
const localLayout = "2006-01-02T15:04"

type campaignPage struct {
	Campaign      campaignInfo
	Opens, Closes string
	Agencies      []agencyInfo
}

func (s *Server) handleAdminCampaign(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r)
	if !ok {
		return
	}
	c, err := s.store.GetCampaign(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	kinds, err := s.store.ListAgencyKinds(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sets, err := s.store.ListCriteriaSets(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	agencies, _, err := s.agencies(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.adminPage(w, r, "admin-campaign", c.Name, campaignPage{Campaign: s.campaignInfo(*c, kinds, sets), Agencies: agencies,
		Opens: c.OpensAt.In(s.cfg.Zone).Format(localLayout), Closes: c.ClosesAt.In(s.cfg.Zone).Format(localLayout)})
}
