package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/go-chi/chi/v5"

	"parindex/store"
	"parindex/workflow"
)

// homeRoutes: Việc của tôi and the notifications.
func (s *Server) homeRoutes(r chi.Router) {
	r.Get("/", s.handleHome)
	r.Get("/notifications", s.handleNotifications)
}

func init() {
	addFlashes(map[string]string{
		"thong-bao-da-doc": "Đã đánh dấu thông báo là đã đọc.",
	})
}

// bucket is a group of reports by what waits on them: a state, with the
// drafts sent back by a return apart.
type bucket struct {
	Key   string
	Label string
}

// buckets in the order the work goes.
var buckets = []bucket{
	{"draft", "Cần cập nhật"},
	{"returned", "Bị trả lại"},
	{"entered", "Chờ duyệt"},
	{"reviewed", "Chờ ký số"},
	{"signed", "Chờ gửi"},
	{"submitted", "Chờ thẩm định"},
	{"locked", "Đã khóa"},
}

func bucketOf(r *store.BoardReport) string {
	if r.Returned {
		return "returned"
	}
	return string(r.State)
}

// waitsOn says whether the report waits on u: u's roles may fire one of the
// workflow's events from its state (updaters: draft, entered; approvers:
// entered, reviewed, signed; council: submitted, locked; admins: locked).
func waitsOn(u *workflow.User, r *store.BoardReport) bool {
	for _, t := range workflow.Transitions {
		if slices.Contains(t.From, r.State) && workflow.CanFire(u, t.Event, r.AgencyID) == nil {
			return true
		}
	}
	return false
}

// homeFilter is Việc của tôi's filter, read from and written to the URL.
type homeFilter struct {
	Campaign int64
	Agency   int64
	Round    string // "", "chinh-thuc" (round 0) or "bo-sung" (later rounds)
	State    string // "": what waits on me; a bucket's key; "all"
}

func readHomeFilter(q url.Values) homeFilter {
	id := func(k string) int64 {
		n, err := strconv.ParseInt(q.Get(k), 10, 64)
		if err != nil || n < 0 {
			return 0
		}
		return n
	}
	f := homeFilter{Campaign: id("campaign"), Agency: id("agency"), Round: q.Get("round"), State: q.Get("state")}
	if f.Round != "chinh-thuc" && f.Round != "bo-sung" {
		f.Round = ""
	}
	if f.State != "all" && !slices.ContainsFunc(buckets, func(b bucket) bool { return b.Key == f.State }) {
		f.State = ""
	}
	return f
}

// query is the filter as a URL query with the state replaced.
func (f homeFilter) query(state string) string {
	q := url.Values{}
	if f.Campaign != 0 {
		q.Set("campaign", strconv.FormatInt(f.Campaign, 10))
	}
	if f.Agency != 0 {
		q.Set("agency", strconv.FormatInt(f.Agency, 10))
	}
	if f.Round != "" {
		q.Set("round", f.Round)
	}
	if state != "" {
		q.Set("state", state)
	}
	if len(q) == 0 {
		return "/"
	}
	return "/?" + q.Encode()
}

func (f homeFilter) keeps(r *store.BoardReport) bool {
	return (f.Campaign == 0 || r.CampaignID == f.Campaign) && (f.Agency == 0 || r.AgencyID == f.Agency) &&
		(f.Round == "" || (f.Round == "chinh-thuc") == (r.Round == 0))
}

// option is a choice of a filter's <select>.
type option struct {
	Value int64
	Name  string
}

// countLink is one count of Việc của tôi, a link that filters by it.
type countLink struct {
	Label   string
	N       int
	Href    string
	Current bool
}

type homePage struct {
	Overview  bool // an admin: every report, not only what waits on them
	Filter    homeFilter
	Filtered  bool
	Counts    []countLink
	All       countLink
	Rows      []store.BoardReport
	Total     int // before the page's cap
	Campaigns []option
	Agencies  []option
	Buckets   []bucket
	Notices   []store.Notification
	Unread    int
}

// homeCap is how many reports Việc của tôi lists at most: the filters narrow
// the rest.
const homeCap = 200

// handleHome is Việc của tôi: the reports waiting for me across agencies and
// rounds, by deadline, with counts per state and my unread notifications.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	ctx := r.Context()
	visible, err := s.store.BoardReports(ctx, u, store.BoardFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := readHomeFilter(r.URL.Query())
	p := homePage{Filter: f, Buckets: buckets, Overview: workflow.Allows(u, workflow.ActUserManage, workflow.Target{})}
	p.Filtered = f != homeFilter{}
	campaigns, agencies := map[int64]string{}, map[int64]string{}
	n := map[string]int{}
	all := 0
	for i := range visible {
		v := &visible[i]
		campaigns[v.CampaignID], agencies[v.AgencyID] = v.CampaignName, v.AgencyName
		if !f.keeps(v) {
			continue
		}
		all++
		mine := p.Overview || waitsOn(u, v)
		if mine {
			n[bucketOf(v)]++
		}
		switch {
		case f.State == "" && mine, f.State == "all", f.State == bucketOf(v):
			p.Rows = append(p.Rows, *v)
		}
	}
	for _, b := range buckets {
		if n[b.Key] > 0 || (!p.Overview && mineBucket(u, b.Key)) {
			p.Counts = append(p.Counts, countLink{Label: b.Label, N: n[b.Key], Href: f.query(b.Key), Current: f.State == b.Key})
		}
	}
	p.All = countLink{Label: "Tất cả báo cáo", N: all, Href: f.query("all"), Current: f.State == "all"}
	p.Campaigns, p.Agencies = options(campaigns), options(agencies)
	slices.SortStableFunc(p.Rows, func(a, b store.BoardReport) int {
		return cmp.Or(a.Deadline.Compare(b.Deadline), cmp.Compare(a.AgencyName, b.AgencyName))
	})
	p.Total = len(p.Rows)
	if len(p.Rows) > homeCap {
		p.Rows = p.Rows[:homeCap]
	}
	if p.Unread, err = s.store.CountUnread(ctx, u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if p.Notices, err = s.store.ListNotifications(ctx, u.ID, true, 5); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "home", page{Title: "Việc của tôi", Nav: "home", Unread: p.Unread, Data: p})
}

// mineBucket says whether the bucket's reports would wait on u in some
// agency of theirs (its count is shown even at zero).
func mineBucket(u *workflow.User, key string) bool {
	st := workflow.State(key)
	if key == "returned" {
		st = workflow.StateDraft
	}
	agencies := append(u.AgencyIDs(), 0)
	for _, t := range workflow.Transitions {
		if !slices.Contains(t.From, st) {
			continue
		}
		for _, a := range agencies {
			if workflow.CanFire(u, t.Event, a) == nil {
				return true
			}
		}
	}
	return false
}

// options sorts a map of names into a <select>'s options.
func options(m map[int64]string) []option {
	out := make([]option, 0, len(m))
	for id, name := range m {
		out = append(out, option{id, name})
	}
	slices.SortFunc(out, func(a, b option) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Value, b.Value)) })
	return out
}

// notificationRow is a notification with the reports it names that the
// reader may open.
type notificationRow struct {
	store.Notification
	Reports []store.BoardReport
	Hidden  []int64 // named but not visible to the reader (any more)
	More    int     // reports named beyond the first few listed
}

// noticeLinks is how many reports a notification links to; a lock of a
// whole campaign names them all.
const noticeLinks = 10

type notificationsPage struct {
	Unread []notificationRow
	Read   []notificationRow
}

// handleNotifications lists my notifications, unread first, each with links
// to the reports it names.
func (s *Server) handleNotifications(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	ctx := r.Context()
	list, err := s.store.ListNotifications(ctx, u.ID, false, 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var ids []int64
	for _, n := range list {
		ids = append(ids, n.ReportIDs...)
	}
	byID := map[int64]store.BoardReport{}
	if len(ids) > 0 {
		slices.Sort(ids)
		f := store.BoardFilter{IDs: slices.Compact(ids)}
		if len(f.IDs) > 500 {
			f.IDs = nil // a query's parameters are bounded: read what the reader sees
		}
		reports, err := s.store.BoardReports(ctx, u, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, rep := range reports {
			byID[rep.ID] = rep
		}
	}
	var p notificationsPage
	for _, n := range list {
		row := notificationRow{Notification: n}
		for _, id := range n.ReportIDs {
			if rep, ok := byID[id]; ok && len(row.Reports) == noticeLinks {
				row.More++
			} else if ok {
				row.Reports = append(row.Reports, rep)
			} else {
				row.Hidden = append(row.Hidden, id)
			}
		}
		if n.Read {
			p.Read = append(p.Read, row)
		} else {
			p.Unread = append(p.Unread, row)
		}
	}
	s.render(w, r, http.StatusOK, "notifications", page{Title: "Thông báo", Nav: "notifications", Unread: len(p.Unread), Data: p})
}
