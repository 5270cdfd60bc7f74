package handlers

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"parindex/store"
	"parindex/workflow"
)

// visibleReport answers 404 unless the caller may see the report: it runs
// before the body is read, so another agency's report is 404 whatever was sent.
func (s *Server) visibleReport(r *http.Request) (int64, store.ReportRef, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, store.ReportRef{}, err
	}
	ref, err := s.store.ReportRef(r.Context(), id)
	if err != nil {
		return 0, ref, err
	}
	if err := workflow.Can(currentUser(r), workflow.ActReportSee, workflow.Target{AgencyID: ref.AgencyID}); err != nil {
		return 0, ref, err
	}
	return id, ref, nil
}

// reportJSON is a report as the API shows it: its list fields, then its
// lock, exemptions and entries.
type reportJSON struct {
	ReportSummaryJSON
	LockedFrom *workflow.State  `json:"locked_from,omitempty"`
	Exemptions []string         `json:"exemptions"`
	Entries    []workflow.Entry `json:"entries"`
}

func (s *Server) reportJSON(rep *workflow.Report) reportJSON {
	out := reportJSON{
		ReportSummaryJSON: ReportSummaryJSON{ID: rep.ID, CampaignID: rep.CampaignID, AgencyID: rep.AgencyID, State: rep.State, Round: rep.Round,
			Version: rep.Version, Deadline: s.local(rep.ClosesAt), SelfTotal: rep.SelfTotal, MaxTotal: rep.MaxTotal},
		Exemptions: rep.Exemptions, Entries: rep.Entries,
	}
	if rep.State == workflow.StateLocked && rep.LockedFrom != "" {
		out.LockedFrom = &rep.LockedFrom
	}
	if out.Exemptions == nil {
		out.Exemptions = []string{}
	}
	if out.Entries == nil {
		out.Entries = []workflow.Entry{}
	}
	return out
}

func (s *Server) handleReportGet(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.visibleReport(r)
	var rep *workflow.Report
	if err == nil {
		rep, err = s.store.GetReport(r.Context(), currentUser(r), id)
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(rep.Version))
	writeJSON(w, http.StatusOK, s.reportJSON(rep))
}

func (s *Server) handleReportList(w http.ResponseWriter, r *http.Request) {
	var f store.ReportFilter
	q := r.URL.Query()
	for name, dst := range map[string]*int64{"campaign_id": &f.CampaignID, "agency_id": &f.AgencyID} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				s.problem(w, r, workflow.Errorf(workflow.EBADREQUEST, "Tham số %s phải là một số nguyên.", name).
					WithFields(workflow.Field(name, "Phải là một số nguyên.")))
				return
			}
			*dst = n
		}
	}
	if v := q.Get("state"); v != "" {
		f.State = workflow.State(v)
		if !validState(f.State) {
			s.problem(w, r, workflow.Errorf(workflow.EBADREQUEST, "Không có trạng thái «%s».", v).
				WithFields(workflow.Field("state", "Không có trạng thái «%s».", v)))
			return
		}
	}
	reports, err := s.store.ListReports(r.Context(), currentUser(r), f)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, each(reports, s.reportSummaryOut))
}

func validState(st workflow.State) bool {
	for _, v := range workflow.States {
		if v == st {
			return true
		}
	}
	return false
}

func (s *Server) handleEntryPut(w http.ResponseWriter, r *http.Request) {
	id, u, ok := s.entryEditor(w, r)
	if !ok {
		return
	}
	var in struct {
		SelfScore   json.RawMessage `json:"self_score"`
		Explanation string          `json:"explanation"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	code := chi.URLParam(r, "code")
	value := workflow.EntryValue{Explanation: in.Explanation}
	value.SelfScore, value.Invalid = parsePoints(in.SelfScore, "entries/"+code+"/self_score")
	if workflow.ErrorCode(value.Invalid) == workflow.EBADREQUEST {
		s.problem(w, r, value.Invalid)
		return
	}
	entry, version, err := s.store.PutEntry(r.Context(), u, id, code, value, ifMatch(r), meta(r))
	s.writeEntry(w, r, entry, version, err)
}

// handleEntryPatch changes only the fields sent: an absent field keeps its
// value, "self_score": null clears the score. PUT replaces the whole entry.
func (s *Server) handleEntryPatch(w http.ResponseWriter, r *http.Request) {
	id, u, ok := s.entryEditor(w, r)
	if !ok {
		return
	}
	var in struct {
		SelfScore   json.RawMessage `json:"self_score"`
		Explanation *string         `json:"explanation"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	code := chi.URLParam(r, "code")
	p := store.EntryPatch{Explanation: in.Explanation}
	if in.SelfScore != nil { // sent, possibly as null
		score, invalid := parsePoints(in.SelfScore, "entries/"+code+"/self_score")
		if workflow.ErrorCode(invalid) == workflow.EBADREQUEST {
			s.problem(w, r, invalid)
			return
		}
		p.SelfScore, p.Invalid = &score, invalid
	}
	entry, version, err := s.store.PatchEntry(r.Context(), u, id, code, p, ifMatch(r), meta(r))
	s.writeEntry(w, r, entry, version, err)
}

// entryEditor is the report and caller of an entry write, once the caller
// may see the report and edit its entries; otherwise it answers and is !ok.
func (s *Server) entryEditor(w http.ResponseWriter, r *http.Request) (int64, *workflow.User, bool) {
	id, ref, err := s.visibleReport(r)
	u := currentUser(r)
	if err == nil {
		err = workflow.Can(u, workflow.ActEntryEdit, workflow.Target{AgencyID: ref.AgencyID})
	}
	if err != nil {
		s.problem(w, r, err)
		return 0, nil, false
	}
	return id, u, true
}

// writeEntry answers an entry write: the entry and the report's new version.
func (s *Server) writeEntry(w http.ResponseWriter, r *http.Request, entry *workflow.Entry, version int64, err error) {
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(version))
	writeJSON(w, http.StatusOK, map[string]any{
		"code": entry.Code, "self_score": entry.SelfScore, "explanation": entry.Explanation, "editable": entry.Editable, "version": version,
	})
}

func (s *Server) handleExemptionsPut(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.visibleReport(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var in struct {
		Codes  []string `json:"codes"`
		Reason string   `json:"reason"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	rep, err := s.store.SetExemptions(r.Context(), currentUser(r), id, in.Codes, in.Reason, meta(r))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(rep.Version))
	writeJSON(w, http.StatusOK, s.reportJSON(rep))
}

func (s *Server) handleHistoryList(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.visibleReport(r)
	var h []store.HistoryEntry
	if err == nil {
		h, err = s.store.History(r.Context(), currentUser(r), id)
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, each(h, s.historyOut))
}

func (s *Server) handleRevisionList(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.visibleReport(r)
	var revs []store.Revision
	if err == nil {
		revs, err = s.store.Revisions(r.Context(), currentUser(r), id, r.URL.Query().Get("code"))
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, each(revs, s.revisionOut))
}
