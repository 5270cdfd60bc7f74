package web

import (
	"context"
	"encoding/json"
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

// reportRoutes: a report, its review and its history.
func (s *Server) reportRoutes(r chi.Router) {
	r.Get("/reports/{id}", s.handleReport)
	r.Get("/reports/{id}/history", s.handleReportHistory)
}

func init() {
	addFlashes(map[string]string{
		"bc-complete":   "Đã hoàn thành nhập liệu. Báo cáo chờ lãnh đạo phê duyệt.",
		"bc-reopen":     "Đã mở lại báo cáo để sửa.",
		"bc-approve":    "Đã phê duyệt báo cáo. Bước tiếp theo: tải xuống bảng tổng hợp, ký số và tải lên, rồi bấm Ký số.",
		"bc-return":     "Đã trả lại báo cáo. Cán bộ cập nhật sẽ nhận được thông báo kèm lý do.",
		"bc-sign":       "Đã ký số báo cáo. Bước tiếp theo: Gửi báo cáo tới Hội đồng thẩm định.",
		"bc-submit":     "Đã gửi báo cáo. Báo cáo sẽ chuyển tới Hội đồng thẩm định.",
		"bc-open_round": "Đã mở đợt bổ sung. Đơn vị sẽ nhận được thông báo và chỉ sửa được các tiêu chí đã chọn.",
		"bc-extend":     "Đã gia hạn báo cáo. Đơn vị sẽ nhận được thông báo về hạn mới.",
		"bc-summary":    "Đã tải lên bảng tổng hợp có chữ ký số. Xem kết quả kiểm tra chữ ký bên dưới.",
		"bc-deleted":    "Đã xoá tài liệu kiểm chứng.",
	})
}

// reportPage is what report.html shows.
type reportPage struct {
	R        *workflow.Report
	Agency   workflow.Agency
	Campaign workflow.Campaign
	Rows     []reportRow
	Index    string // the index, Vietnamese decimals
	Editing  bool   // the updater may write entries now
	Locked   bool
	LockedAt time.Time
	// Closed: the window is not open (before or after it); Before says
	// which.
	Closed        bool
	Before        bool
	Missing       []missingLeaf
	Actions       []reportAction
	UploadSummary bool // the approver may upload the signed summary now
	Summary       *summaryView
	Supplementary bool // round > 0: earlier values are shown beside reopened criteria
	// Waiting: the reader is the agency's updater and the report has moved
	// on from draft within its window: nothing to edit for now.
	Waiting bool
	Leaves  []*workflow.Criterion
}

// reportRow is one line of the criteria tree: a group (field, criterion
// with children) or a leaf with its entry.
type reportRow struct {
	C     *workflow.Criterion
	Depth int
	Leaf  bool
	// Groups are the data-sum groups a leaf adds into: "all" and every
	// ancestor's code; Group is a group row's own.
	Groups string
	Group  string
	Max    workflow.Points // a group's applicable maximum (exempt leaves left out)
	Self   workflow.Points // a group's self-scored total
	Entry  workflow.Entry
	// The texts the template writes, made once here rather than by a
	// template function per leaf (the report page's time is its template's):
	// the maximum, the self-score and a group's totals the Vietnamese way,
	// the code as a path segment, the scoring method.
	MaxText, ScoreText, SelfText string
	CodePath, Method             string
	// Editable: this leaf takes a score and files now.
	Editable bool
	// Reopened: a supplementary round's criterion (editable in the round).
	Reopened bool
	Earlier  *earlierValue
	Files    []fileView
	Missing  string
}

// earlierValue is a reopened criterion's value at the end of the rounds
// before the current one.
type earlierValue struct {
	Score       *workflow.Points
	Explanation string
}

// missingLeaf is a leaf that complete refuses, and why.
type missingLeaf struct {
	Code, Title, Why string
}

// reportAction is an event the reader may fire now, with what its form needs.
type reportAction struct {
	Event     workflow.Event
	To        workflow.State
	Reason    bool // a reason is required
	ClosesAt  bool // the event takes a new deadline
	Criteria  bool // the event takes the criteria to reopen
	Confirm   string
	Danger    bool
	Secondary bool
}

// fileView is an evidence file with its signature verdict.
type fileView struct {
	store.Evidence
	Verdict   verdict
	Uploader  string
	Deletable bool
}

// verdict is a signature report in words, with a mark class.
type verdict struct {
	Status, Text, Class, Signer, Organization string
}

// summaryView is the latest signed summary and its verdict.
type summaryView struct {
	store.SignedSummary
	Verdict verdict
	Current bool // it is the export of the report's current version
}

func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
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
	rep := d.Report
	now := s.cfg.Now()
	target := workflow.Target{AgencyID: rep.AgencyID}
	p := reportPage{R: rep, Agency: d.Agency, Campaign: d.Campaign, Index: i18n.Decimal(i18n.VI, workflow.Index(rep.SelfTotal, rep.MaxTotal)),
		Locked: rep.State == workflow.StateLocked, Supplementary: rep.Round > 0, Leaves: d.Set.LeafList()}
	p.Closed = !rep.WindowOpen(now) && rep.State != workflow.StateSubmitted
	p.Before = now.Before(rep.OpensAt)
	p.Editing = !p.Closed && !p.Locked && rep.State == workflow.StateDraft && workflow.Allows(u, workflow.ActEntryEdit, target)
	p.Waiting = !p.Closed && !p.Locked && rep.State != workflow.StateDraft && rep.State != workflow.StateSubmitted &&
		workflow.Allows(u, workflow.ActEntryEdit, target)
	p.UploadSummary = !p.Closed && !p.Locked && rep.State == workflow.StateReviewed && workflow.Allows(u, workflow.ActSignedSummaryUpload, target)
	canDelete := p.Editing && workflow.Allows(u, workflow.ActEvidenceDelete, target)

	names := s.userNames(ctx)
	files := map[string][]fileView{}
	for _, e := range d.Evidence {
		files[e.Code] = append(files[e.Code], fileView{Evidence: e, Verdict: verdictOf(e.Signature), Uploader: names(e.UploadedBy)})
	}
	var earlier map[string]*earlierValue
	if rep.Round > 0 {
		if earlier, err = s.earlierValues(ctx, u, rep); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if p.Locked {
		if h, err := s.store.History(ctx, u, id); err == nil {
			for _, e := range h {
				if e.Event == string(workflow.EventLock) {
					p.LockedAt = e.At
				}
			}
		}
	}
	if rep.State == workflow.StateDraft {
		titles := map[string]string{}
		for _, e := range rep.Entries {
			titles[e.Code] = e.Title
		}
		for _, f := range rep.MissingForComplete() {
			code := f.Field[len("entries/"):]
			p.Missing = append(p.Missing, missingLeaf{Code: code, Title: titles[code], Why: i18n.Sprintf(i18n.VI, f.Message, f.Args...)})
		}
	}
	missing := map[string]string{}
	for _, m := range p.Missing {
		missing[m.Code] = m.Why
	}
	entries := map[string]workflow.Entry{}
	for _, e := range rep.Entries {
		entries[e.Code] = e
	}
	// rows appends c and its subtree; it returns the subtree's self total
	// and applicable maximum, as the exports add them up.
	var rows func(c *workflow.Criterion, depth int, groups string) (workflow.Points, workflow.Points)
	rows = func(c *workflow.Criterion, depth int, groups string) (workflow.Points, workflow.Points) {
		at := len(p.Rows)
		p.Rows = append(p.Rows, reportRow{C: c, Depth: depth, Leaf: c.IsLeaf(), Groups: groups})
		if c.IsLeaf() {
			e := entries[c.Code]
			row := &p.Rows[at]
			row.MaxText, row.ScoreText = pointsText(c.MaxPoints), ""
			if e.SelfScore != nil {
				row.ScoreText = pointsText(*e.SelfScore)
			}
			row.CodePath, row.Method = url.PathEscape(c.Code), string(e.Method)
			row.Entry, row.Files, row.Missing = e, files[c.Code], missing[c.Code]
			row.Editable = p.Editing && e.Editable
			row.Reopened = rep.Round > 0 && slices.Contains(rep.RoundCriteria, c.Code)
			if row.Reopened {
				row.Earlier = earlier[c.Code]
				if row.Earlier == nil {
					row.Earlier = &earlierValue{}
				}
			}
			for i := range row.Files {
				row.Files[i].Deletable = canDelete && row.Editable
			}
			if e.Exempt {
				return 0, 0
			}
			if e.SelfScore != nil {
				return *e.SelfScore, c.MaxPoints
			}
			return 0, c.MaxPoints
		}
		var self, max workflow.Points
		for _, child := range c.Children {
			cs, cm := rows(child, depth+1, groups+" "+c.Code)
			self, max = self+cs, max+cm
		}
		p.Rows[at].Group, p.Rows[at].Self, p.Rows[at].Max = c.Code, self, max
		p.Rows[at].SelfText, p.Rows[at].MaxText = pointsText(self), pointsText(max)
		return self, max
	}
	for _, c := range d.Set.Criteria {
		rows(c, 0, "all")
	}

	for _, a := range workflow.AvailableTransitions(rep, u, now) {
		t, _ := workflow.LookupTransition(a.Event)
		act := reportAction{Event: a.Event, To: a.To, Reason: t.NeedsReason,
			ClosesAt: slices.Contains(t.Accepts, "closes_at"), Criteria: slices.Contains(t.Accepts, "criteria")}
		switch a.Event {
		case workflow.EventSubmit:
			act.Confirm = "xac-nhan-gui"
		case workflow.EventReturn:
			act.Danger = true
		case workflow.EventReopen:
			act.Secondary = true
		}
		p.Actions = append(p.Actions, act)
	}

	if ss, err := s.store.LatestSignedSummary(ctx, u, id); err == nil {
		p.Summary = &summaryView{SignedSummary: *ss, Verdict: verdictOf(ss.Signature),
			Current: ss.MatchesVersion != nil && *ss.MatchesVersion == rep.Version}
	} else if workflow.ErrorCode(err) != workflow.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "report", page{Title: d.Agency.Name + " · " + d.Campaign.Name, Nav: "home", Data: p})
}

// earlierValues are the values the reopened criteria had when the round
// before the current one ended: each code's last revision of an earlier
// round.
func (s *Server) earlierValues(ctx context.Context, u *workflow.User, rep *workflow.Report) (map[string]*earlierValue, error) {
	revs, err := s.store.Revisions(ctx, u, rep.ID, "")
	if err != nil {
		return nil, err
	}
	out := map[string]*earlierValue{}
	for _, v := range revs {
		if v.Round < rep.Round {
			out[v.Code] = &earlierValue{Score: v.NewScore, Explanation: v.NewExplanation}
		}
	}
	return out, nil
}

// userNames names users by id ("Họ tên"), reading each once per page.
func (s *Server) userNames(ctx context.Context) func(id *int64) string {
	seen := map[int64]string{}
	return func(id *int64) string {
		if id == nil {
			return "Hệ thống"
		}
		if n, ok := seen[*id]; ok {
			return n
		}
		n := "Người dùng số " + strconv.FormatInt(*id, 10)
		if u, err := s.store.GetUser(ctx, *id); err == nil {
			n = u.Name
			if n == "" {
				n = u.Email
			}
		}
		seen[*id] = n
		return n
	}
}

// verdicts are the signature statuses in words (see package signature).
var verdicts = map[string][2]string{
	"valid":      {"Chữ ký số hợp lệ", "ok"},
	"untrusted":  {"Chữ ký số chưa được xác thực: người ký không thuộc danh sách tin cậy", "soon"},
	"invalid":    {"Chữ ký số không hợp lệ", "over"},
	"revoked":    {"Chứng thư số của người ký đã bị thu hồi", "over"},
	"incomplete": {"Tệp đã bị sửa sau khi ký", "over"},
	"scan":       {"Không có chữ ký số", ""},
}

// verdictOf reads a stored signature report.
func verdictOf(raw json.RawMessage) verdict {
	var sig struct {
		Status       string `json:"status"`
		Signer       string `json:"signer"`
		Organization string `json:"organization"`
	}
	_ = json.Unmarshal(raw, &sig)
	if sig.Status == "" {
		sig.Status = "scan"
	}
	v, ok := verdicts[sig.Status]
	if !ok {
		v = [2]string{"Chưa rõ kết quả kiểm tra chữ ký", ""}
	}
	return verdict{Status: sig.Status, Text: v[0], Class: v[1], Signer: sig.Signer, Organization: sig.Organization}
}
