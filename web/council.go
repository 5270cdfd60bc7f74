package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"parindex/i18n"
	"parindex/store"
	"parindex/workflow"
)

// councilRoutes: the campaign board, rounds and extensions, for those who
// may follow progress (the council and admins); opening rounds and
// extending are asked of the policy again on their pages and by the API.
func (s *Server) councilRoutes(r chi.Router) {
	r.Route("/council", func(r chi.Router) {
		r.Use(s.requireAction(workflow.ActProgressSee))
		r.Get("/", s.handleCouncil)
		r.Get("/campaigns/{id}", s.handleCouncilBoard)
		r.Get("/campaigns/{id}/round", s.handleCouncilCampaignRound)
		r.Get("/reports/{id}/round", s.handleCouncilReportRound)
		r.Get("/reports/{id}/extend", s.handleCouncilExtend)
	})
}

func init() {
	addFlashes(map[string]string{
		"hd-mo-dot":  "Đã mở đợt báo cáo bổ sung; các đơn vị được thông báo.",
		"hd-gia-han": "Đã gia hạn báo cáo; đơn vị được thông báo.",
		"hd-dot-bao": "Đã mở đợt bổ sung cho báo cáo; đơn vị được thông báo.",
	})
}

// campaignRow is one campaign of the council's list.
type campaignRow struct {
	workflow.Campaign
	Total, Submitted, Locked int
	Deadline                 time.Time
}

// handleCouncil lists the campaigns with their progress.
func (s *Server) handleCouncil(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	campaigns, err := s.store.ListCampaigns(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	counts, err := s.store.CampaignStateCounts(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]campaignRow, len(campaigns))
	for i, c := range campaigns {
		row := campaignRow{Campaign: c, Deadline: s.campaignDeadline(&c)}
		for _, n := range counts[c.ID] {
			row.Total += n
		}
		row.Submitted, row.Locked = counts[c.ID][workflow.StateSubmitted], counts[c.ID][workflow.StateLocked]
		rows[i] = row
	}
	s.render(w, r, http.StatusOK, "council", page{Title: "Hội đồng thẩm định", Nav: "council", Data: map[string]any{
		"Campaigns": rows,
		"CanRound":  workflow.Allows(user(r), workflow.ActRoundOpen, workflow.Target{}),
	}})
}

// campaignDeadline is the deadline in force for a campaign: its own, or
// once that has passed the latest supplementary round's still ahead.
func (s *Server) campaignDeadline(c *workflow.Campaign) time.Time {
	now, d := s.cfg.Now(), c.ClosesAt
	for _, round := range c.Rounds {
		if !now.Before(d) && round.ClosesAt.After(d) {
			d = round.ClosesAt
		}
	}
	return d
}

// stateCount is a count of a block's reports in one state, a link that
// narrows the board to them.
type stateCount struct {
	Key     string
	Label   string
	N       int
	Href    string
	Current bool
}

// block is one kind of agency on the board.
type block struct {
	Kind         workflow.AgencyKind
	Name         string
	Total        int
	Submitted    int
	Percent      int
	Counts       []stateCount
	NotSubmitted []store.BoardReport // listed when they are few (notSubmittedNames)
	// NotSubmittedN counts them all; NotSubmittedHref lists them.
	NotSubmittedN    int
	NotSubmittedHref string
	Rows             []boardRow // the page's agencies the board's filter keeps
}

// boardRow is one agency of the board, its texts made once in Go: a board
// of a thousand agencies is rendered in a few template actions per row.
type boardRow struct {
	ID           int64
	Name, Code   string
	State        workflow.State
	StateText    string
	Returned     bool
	LockedFrom   string // the state it was locked in, in words
	Round        string
	Due          dueText
	ActivityISO  string
	ActivityText string
	Done         string // "12/20"
	CanOpen      bool
	CanExtend    bool
}

// dueText is a deadline as the board shows it.
type dueText struct {
	ISO, Text, Left string
	Mark, MarkText  string // the mark's class and words, "" for none
}

// texts formats times once per distinct instant: most reports of a
// campaign share their deadline.
type texts struct {
	s    *Server
	due  map[time.Time]dueText
	when map[time.Time][2]string
}

func (tx *texts) time(t time.Time) (string, string) {
	if v, ok := tx.when[t]; ok {
		return v[0], v[1]
	}
	v := [2]string{tx.s.isoTime(t), tx.s.timeText(t)}
	tx.when[t] = v
	return v[0], v[1]
}

// deadline is the report-due partial's content: the time, and while the
// report is worked on the time left and a mark; locked and submitted say so.
func (tx *texts) deadline(t time.Time, st workflow.State) dueText {
	key := t
	if st == workflow.StateLocked || st == workflow.StateSubmitted {
		iso, text := tx.time(t)
		if st == workflow.StateLocked {
			return dueText{ISO: iso, Text: text, Mark: "locked", MarkText: "Đã khóa"}
		}
		return dueText{ISO: iso, Text: text, Mark: "ok", MarkText: "Đã gửi"}
	}
	if d, ok := tx.due[key]; ok {
		return d
	}
	d := dueText{Left: tx.s.countdown(t), Mark: tx.s.due(t)}
	d.ISO, d.Text = tx.time(t)
	switch d.Mark {
	case "over":
		d.MarkText = "Quá hạn"
	case "soon":
		d.MarkText = "Sắp hết hạn"
	}
	tx.due[key] = d
	return d
}

func roundText(n int) string {
	if n == 0 {
		return "Chính thức"
	}
	return "Bổ sung lần " + strconv.Itoa(n)
}

// notSubmittedNames is how many names a block lists of those who have not
// submitted; beyond it the board links to them.
const notSubmittedNames = 50

type boardPage struct {
	Campaign  *workflow.Campaign
	Deadline  time.Time
	Blocks    []*block
	Total     int
	Submitted int
	Filter    string              // ?state=: "", "not-submitted" or a state
	Kind      workflow.AgencyKind // ?kind=: one block's agencies, "" for all
	Matched   int                 // agencies the filter keeps, on every page
	Page      int                 // ?page=, from 1
	Pages     int
	PrevHref  string
	NextHref  string
	CanRound  bool // a round for the whole campaign (or a block)
	CanOpen   bool // open_round on a report
	CanExtend bool
}

// boardFilters are the board's ?state= values besides the states.
const notSubmitted = "not-submitted"

// boardPageSize is how many agencies one page of the board lists: a
// province of a thousand agencies is read a page, or a filter, at a time;
// the counts above the list cover them all.
const boardPageSize = 100

// href is the board's address with its filter, at a page.
func (p *boardPage) href(state string, kind workflow.AgencyKind, page int) string {
	q := url.Values{}
	if state != "" {
		q.Set("state", state)
	}
	if kind != "" {
		q.Set("kind", string(kind))
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	h := "/council/campaigns/" + strconv.FormatInt(p.Campaign.ID, 10)
	if len(q) > 0 {
		h += "?" + q.Encode()
	}
	return h
}

// handleCouncilBoard is the campaign board: per block, agencies by state,
// who has not submitted, then the agencies the filter keeps, a page at a
// time, with their last activity, time left and completion. It reads the
// counts in one query, the page in one, its completion in two, and the
// names of who has not submitted in one per block that has few.
func (s *Server) handleCouncilBoard(w http.ResponseWriter, r *http.Request) {
	ctx, u := r.Context(), user(r)
	c, ok := s.councilCampaign(w, r)
	if !ok {
		return
	}
	counts, err := s.store.BoardCounts(ctx, c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	kinds, err := s.kindNames(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	p := &boardPage{Campaign: c, Deadline: s.campaignDeadline(c), Filter: q.Get("state"), Kind: workflow.AgencyKind(q.Get("kind")),
		CanRound:  workflow.Allows(u, workflow.ActRoundOpen, workflow.Target{}),
		CanOpen:   workflow.CanFire(u, workflow.EventOpenRound, 0) == nil,
		CanExtend: workflow.CanFire(u, workflow.EventExtend, 0) == nil}
	if p.Filter != notSubmitted && !slices.Contains(workflow.States, workflow.State(p.Filter)) {
		p.Filter = ""
	}
	keeps := func(kind workflow.AgencyKind, st workflow.State) bool {
		return (p.Kind == "" || kind == p.Kind) &&
			(p.Filter == "" || string(st) == p.Filter || (p.Filter == notSubmitted && st != workflow.StateSubmitted))
	}
	byKind := map[workflow.AgencyKind]*block{}
	n := map[workflow.AgencyKind]map[workflow.State]int{}
	for _, bc := range counts {
		b := byKind[bc.Kind]
		if b == nil {
			b = &block{Kind: bc.Kind, Name: blockName(kinds, bc.Kind)}
			byKind[bc.Kind] = b
			p.Blocks = append(p.Blocks, b)
			n[bc.Kind] = map[workflow.State]int{}
		}
		b.Total += bc.N
		n[bc.Kind][bc.State] = bc.N
		if bc.State == workflow.StateSubmitted {
			b.Submitted += bc.N
		}
		if keeps(bc.Kind, bc.State) {
			p.Matched += bc.N
		}
	}
	for _, b := range p.Blocks {
		for _, st := range workflow.States {
			b.Counts = append(b.Counts, stateCount{Key: string(st), Label: upperFirst(i18n.Term(i18n.VI, string(st))), N: n[b.Kind][st],
				Href: p.href(string(st), b.Kind, 1), Current: p.Filter == string(st) && p.Kind == b.Kind})
		}
		b.NotSubmittedN = b.Total - b.Submitted
		b.NotSubmittedHref = p.href(notSubmitted, b.Kind, 1)
		b.Percent = b.Submitted * 100 / b.Total
		p.Total += b.Total
		p.Submitted += b.Submitted
		if b.NotSubmittedN > 0 && b.NotSubmittedN <= notSubmittedNames {
			if b.NotSubmitted, err = s.store.BoardReports(ctx, u, store.BoardFilter{CampaignID: c.ID, Kind: b.Kind,
				NotStates: []workflow.State{workflow.StateSubmitted}}); err != nil {
				s.fail(w, r, err)
				return
			}
		}
	}
	// The page: its agencies, their completion and their rows.
	p.Page, _ = strconv.Atoi(q.Get("page"))
	p.Pages = max(1, (p.Matched+boardPageSize-1)/boardPageSize)
	p.Page = min(max(p.Page, 1), p.Pages)
	if p.Page > 1 {
		p.PrevHref = p.href(p.Filter, p.Kind, p.Page-1)
	}
	if p.Page < p.Pages {
		p.NextHref = p.href(p.Filter, p.Kind, p.Page+1)
	}
	f := store.BoardFilter{CampaignID: c.ID, Kind: p.Kind, Limit: boardPageSize, Offset: (p.Page - 1) * boardPageSize}
	switch p.Filter {
	case "":
	case notSubmitted:
		f.NotStates = []workflow.State{workflow.StateSubmitted}
	default:
		f.States = []workflow.State{workflow.State(p.Filter)}
	}
	var rows []store.BoardReport
	if p.Matched > 0 {
		if rows, err = s.store.BoardReports(ctx, u, f); err == nil {
			err = s.store.BoardCompletion(ctx, rows)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	tx := &texts{s: s, due: map[time.Time]dueText{}, when: map[time.Time][2]string{}}
	for i := range rows {
		if b := byKind[rows[i].Kind]; b != nil {
			b.Rows = append(b.Rows, tx.row(&rows[i], p.CanOpen, p.CanExtend))
		}
	}
	s.render(w, r, http.StatusOK, "council-board", page{Title: c.Name, Nav: "council", Data: p})
}

// row makes a report's board row.
func (tx *texts) row(rep *store.BoardReport, canOpen, canExtend bool) boardRow {
	r := boardRow{ID: rep.ID, Name: rep.AgencyName, Code: rep.AgencyCode, State: rep.State,
		StateText: upperFirst(i18n.Term(i18n.VI, string(rep.State))), Returned: rep.Returned, Round: roundText(rep.Round),
		Due:     tx.deadline(rep.Deadline, rep.State),
		Done:    numText(rep.Scored) + "/" + numText(rep.Applicable),
		CanOpen: canOpen && (rep.State == workflow.StateSubmitted || rep.State == workflow.StateLocked), CanExtend: canExtend && rep.State == workflow.StateLocked}
	if rep.State == workflow.StateLocked && rep.LockedFrom != "" {
		r.LockedFrom = i18n.Term(i18n.VI, string(rep.LockedFrom))
	}
	r.ActivityISO, r.ActivityText = tx.time(rep.UpdatedAt)
	return r
}

// councilCampaign reads the campaign the path names, or shows why not.
func (s *Server) councilCampaign(w http.ResponseWriter, r *http.Request) (*workflow.Campaign, bool) {
	id, ok := s.idParam(w, r)
	if !ok {
		return nil, false
	}
	c, err := s.store.GetCampaign(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	return c, true
}

// kindNames are the agency kinds' names (data: a deployment may add kinds).
func (s *Server) kindNames(r *http.Request) (map[workflow.AgencyKind]string, error) {
	kinds, err := s.store.ListAgencyKinds(r.Context())
	if err != nil {
		return nil, err
	}
	out := map[workflow.AgencyKind]string{}
	for _, k := range kinds {
		out[k.Code] = k.Name
	}
	return out, nil
}

func blockName(names map[workflow.AgencyKind]string, k workflow.AgencyKind) string {
	if n := names[k]; n != "" {
		return n
	}
	return upperFirst(i18n.Term(i18n.VI, string(k)))
}

// leafChoice is a self-scored criterion a round may reopen.
type leafChoice struct {
	Code, Title string
}

// selfLeaves lists a criteria set's self-scored leaves.
func (s *Server) selfLeaves(r *http.Request, setID int64) ([]leafChoice, error) {
	set, err := s.store.GetCriteriaSet(r.Context(), setID)
	if err != nil {
		return nil, err
	}
	var out []leafChoice
	for _, l := range set.LeafList() {
		if l.Method == workflow.MethodSelf {
			out = append(out, leafChoice{l.Code, l.Title})
		}
	}
	return out, nil
}

// suggestedDeadline is what a new deadline's field proposes: 17:00 in the
// province a week from now, as a datetime-local value.
func (s *Server) suggestedDeadline() string {
	t := s.cfg.Now().In(s.cfg.Zone).AddDate(0, 0, 7)
	return time.Date(t.Year(), t.Month(), t.Day(), 17, 0, 0, 0, s.cfg.Zone).Format("2006-01-02T15:04")
}

// roundBlock is one block's form on the campaign round page: the agencies
// whose reports may get a round (submitted or locked) and its criteria.
type roundBlock struct {
	Kind     workflow.AgencyKind
	Name     string
	Eligible []store.BoardReport
	Others   int // reports of the block in other states, which a round skips
	Criteria []leafChoice
}

// handleCouncilCampaignRound is the form that opens a supplementary round
// for a campaign, one block at a time (each block has its criteria set).
func (s *Server) handleCouncilCampaignRound(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	if err := workflow.Can(u, workflow.ActRoundOpen, workflow.Target{}); err != nil {
		s.fail(w, r, err)
		return
	}
	c, ok := s.councilCampaign(w, r)
	if !ok {
		return
	}
	reports, err := s.store.BoardReports(r.Context(), u, store.BoardFilter{CampaignID: c.ID})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	kinds, err := s.kindNames(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var blocks []*roundBlock
	byKind := map[workflow.AgencyKind]*roundBlock{}
	for _, rep := range reports {
		b := byKind[rep.Kind]
		if b == nil {
			b = &roundBlock{Kind: rep.Kind, Name: blockName(kinds, rep.Kind)}
			if b.Criteria, err = s.selfLeaves(r, rep.CriteriaSetID); err != nil {
				s.fail(w, r, err)
				return
			}
			byKind[rep.Kind] = b
			blocks = append(blocks, b)
		}
		if rep.State == workflow.StateSubmitted || rep.State == workflow.StateLocked {
			b.Eligible = append(b.Eligible, rep)
		} else {
			b.Others++
		}
	}
	s.render(w, r, http.StatusOK, "council-round", page{Title: "Mở đợt báo cáo bổ sung", Nav: "council", Data: map[string]any{
		"Campaign": c, "Blocks": blocks, "Deadline": s.suggestedDeadline(),
	}})
}

// reportForm is a report's round or extension page.
type reportForm struct {
	Report   *store.BoardReport
	Criteria []leafChoice
	Deadline string
}

// councilReport reads the report the path names for a page that fires ev
// on it; the policy and the state decide whether the page is offered.
func (s *Server) councilReport(w http.ResponseWriter, r *http.Request, ev workflow.Event) (*store.BoardReport, bool) {
	u := user(r)
	id, ok := s.idParam(w, r)
	if !ok {
		return nil, false
	}
	list, err := s.store.BoardReports(r.Context(), u, store.BoardFilter{IDs: []int64{id}})
	if err == nil && len(list) == 0 {
		err = workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy báo cáo %d.", id)
	}
	if err == nil {
		err = workflow.CanFire(u, ev, list[0].AgencyID)
	}
	if err != nil {
		s.fail(w, r, err)
		return nil, false
	}
	rep := &list[0]
	t, _ := workflow.CheckEvent(ev)
	if !slices.Contains(t.From, rep.State) {
		s.fail(w, r, workflow.Errorf(workflow.ECONFLICT, "Báo cáo %s thì không thể %s.", rep.State, ev))
		return nil, false
	}
	return rep, true
}

// handleCouncilReportRound is the form that opens a supplementary round on
// one submitted or locked report (the open_round transition).
func (s *Server) handleCouncilReportRound(w http.ResponseWriter, r *http.Request) {
	rep, ok := s.councilReport(w, r, workflow.EventOpenRound)
	if !ok {
		return
	}
	leaves, err := s.selfLeaves(r, rep.CriteriaSetID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "council-report-round", page{Title: "Mở đợt bổ sung cho " + rep.AgencyName, Nav: "council",
		Data: reportForm{Report: rep, Criteria: leaves, Deadline: s.suggestedDeadline()}})
}

// handleCouncilExtend is the form that extends a locked report's deadline
// with a reason (the extend transition).
func (s *Server) handleCouncilExtend(w http.ResponseWriter, r *http.Request) {
	rep, ok := s.councilReport(w, r, workflow.EventExtend)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "council-extend", page{Title: "Gia hạn báo cáo của " + rep.AgencyName, Nav: "council",
		Data: reportForm{Report: rep, Deadline: s.suggestedDeadline()}})
}
