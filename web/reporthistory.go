package web

import (
	"net/http"
	"sort"
	"time"

	"parindex/store"
	"parindex/workflow"
)

// historyPage is what history.html shows: one timeline of the report's
// transitions, file changes and entry revisions, and its files.
type historyPage struct {
	R        *workflow.Report
	Agency   workflow.Agency
	Campaign workflow.Campaign
	Steps    []historyStep
	Files    []fileView
	Deleted  bool // the files include deleted ones (council, admins)
}

// historyStep is one line of the timeline.
type historyStep struct {
	At    time.Time
	Who   string
	Role  workflow.Role
	Round int
	// Event is a transition's event, or one of the page's own kinds:
	// "revision", "evidence_add", "evidence_delete", "signed_summary",
	// "exemptions", "added".
	Event    string
	From, To workflow.State
	Reason   string
	ClosesAt *time.Time
	Origin   string // request id and address, for those the policy lets see them
	// A revision's code and values.
	Code                           string
	OldScore, NewScore             *workflow.Points
	OldExplanation, NewExplanation string
}

// handleReportHistory is GET /reports/{id}/history.
func (s *Server) handleReportHistory(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	id, ok := s.idParam(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	d, err := s.store.ExportData(ctx, u, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	hist, err := s.store.History(ctx, u, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	revs, err := s.store.Revisions(ctx, u, id, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := historyPage{R: d.Report, Agency: d.Agency, Campaign: d.Campaign,
		Deleted: workflow.Allows(u, workflow.ActEvidenceSeeDeleted, workflow.Target{AgencyID: d.Report.AgencyID})}
	files, err := s.store.ListEvidence(ctx, u, id, "", p.Deleted)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := s.userNames(ctx)
	who := func(a *store.Actor) string {
		if a == nil {
			return names(nil)
		}
		return names(&a.ID)
	}
	for _, h := range hist {
		step := historyStep{At: h.At, Who: who(h.Actor), Role: h.Role, Round: h.Round, Event: h.Event, From: h.From, To: h.To,
			Reason: h.Reason, ClosesAt: h.ClosesAt}
		if h.IssuedBy != nil {
			step.Who += " (mã truy cập do " + who(h.IssuedBy) + " cấp)"
		}
		if h.RequestID != "" || h.ClientIP != "" {
			step.Origin = h.RequestID + " " + h.ClientIP
		}
		p.Steps = append(p.Steps, step)
	}
	for _, v := range revs {
		step := historyStep{At: v.At, Who: who(v.Actor), Role: workflow.RoleUpdater, Round: v.Round, Event: "revision", Code: v.Code,
			OldScore: v.OldScore, NewScore: v.NewScore, OldExplanation: v.OldExplanation, NewExplanation: v.NewExplanation}
		if v.IssuedBy != nil {
			step.Who += " (mã truy cập do " + who(v.IssuedBy) + " cấp)"
		}
		p.Steps = append(p.Steps, step)
	}
	// Oldest first; at the same instant a transition before the entry
	// changes it allowed.
	sort.SliceStable(p.Steps, func(i, j int) bool { return p.Steps[i].At.Before(p.Steps[j].At) })
	for _, e := range files {
		p.Files = append(p.Files, fileView{Evidence: e, Verdict: verdictOf(e.Signature), Uploader: names(e.UploadedBy)})
	}
	s.render(w, r, http.StatusOK, "history", page{Title: "Lịch sử · " + d.Agency.Name, Nav: "home", Data: p})
}
