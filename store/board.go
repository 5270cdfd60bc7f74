package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"parindex/workflow"
)

// BoardReport is a report as the pages list it (Việc của tôi, the council's
// campaign board): whose it is by name, which campaign, where it stands and
// its deadline in force, read with the names in one query.
type BoardReport struct {
	ID            int64               `db:"id"`
	CampaignID    int64               `db:"campaign_id"`
	CampaignName  string              `db:"campaign_name"`
	AgencyID      int64               `db:"agency_id"`
	AgencyCode    string              `db:"agency_code"`
	AgencyName    string              `db:"agency_name"`
	Kind          workflow.AgencyKind `db:"kind"`
	CriteriaSetID int64               `db:"criteria_set_id"`
	State         workflow.State      `db:"state"`
	LockedFrom    workflow.State      `db:"locked_from"`
	Round         int                 `db:"round"`
	Version       int64               `db:"version"`
	Deadline      time.Time           `db:"-"`
	// UpdatedAt is the report's last change: every write raises its
	// version and sets it.
	UpdatedAt time.Time `db:"-"`
	// Returned: a draft whose last step was return; ReturnReason is why.
	Returned     bool   `db:"-"`
	ReturnReason string `db:"-"`
	// Scored and Applicable (only with BoardFilter.Completion): the
	// applicable self-scored leaves that have a score, of how many.
	Scored, Applicable int `db:"-"`

	RawDeadline dbTime         `db:"closes_at"`
	RawUpdated  dbTime         `db:"updated_at"`
	LastEvent   sql.NullString `db:"last_event"`
	LastReason  sql.NullString `db:"last_reason"`
}

// BoardFilter narrows BoardReports; zero fields match everything.
type BoardFilter struct {
	CampaignID int64
	AgencyID   int64
	IDs        []int64
	States     []workflow.State
	// Completion also counts each report's scored leaves (campaign boards).
	Completion bool
}

// transitionEvents lists the events that move a report, as SQL text: the
// history's other rows (evidence, exemptions, summaries) are not steps.
var transitionEvents = func() string {
	var q []string
	for _, t := range workflow.Transitions {
		q = append(q, "'"+string(t.Event)+"'")
	}
	return "(" + strings.Join(q, ", ") + ")"
}()

// BoardReports returns the reports u may see that match f, with their
// agency's and campaign's names, ordered by block (the kinds' display
// order) and agency code, in one query (and two more with Completion).
func (s *Store) BoardReports(ctx context.Context, u *workflow.User, f BoardFilter) ([]BoardReport, error) {
	var where []string
	var args []any
	in := func(col string, n int) string { return col + " IN (?" + strings.Repeat(", ?", n-1) + ")" }
	if f.CampaignID != 0 {
		where, args = append(where, "r.campaign_id = ?"), append(args, f.CampaignID)
	}
	if f.AgencyID != 0 {
		where, args = append(where, "r.agency_id = ?"), append(args, f.AgencyID)
	}
	if len(f.IDs) > 0 {
		where = append(where, in("r.id", len(f.IDs)))
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	if len(f.States) > 0 {
		where = append(where, in("r.state", len(f.States)))
		for _, st := range f.States {
			args = append(args, st)
		}
	}
	if !u.SeesAll() {
		ids := u.AgencyIDs()
		if len(ids) == 0 {
			return []BoardReport{}, nil
		}
		where = append(where, in("r.agency_id", len(ids)))
		for _, id := range ids {
			args = append(args, id)
		}
	}
	// The last step is read only for drafts, from the history's index.
	lastStep := `(SELECT h.%s FROM history h WHERE h.report_id = r.id AND h.event IN ` + transitionEvents + ` ORDER BY h.id DESC LIMIT 1)`
	query := `SELECT r.id, r.campaign_id, c.name AS campaign_name, r.agency_id, a.code AS agency_code, a.name AS agency_name,
		a.kind, r.criteria_set_id, r.state, COALESCE(r.locked_from, '') AS locked_from, r.round, r.version,
		` + deadlineExpr + ` AS closes_at, r.updated_at,
		CASE WHEN r.state = 'draft' THEN ` + strings.Replace(lastStep, "%s", "event", 1) + ` END AS last_event,
		CASE WHEN r.state = 'draft' THEN ` + strings.Replace(lastStep, "%s", "reason", 1) + ` END AS last_reason
		FROM reports r
		JOIN campaigns c ON c.id = r.campaign_id
		JOIN agencies a ON a.id = r.agency_id
		LEFT JOIN agency_kinds k ON k.code = a.kind
		LEFT JOIN report_rounds rr ON rr.report_id = r.id AND rr.number = r.round`
	if where != nil {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY COALESCE(k.position, 0), a.kind, a.code, r.campaign_id DESC"
	out := []BoardReport{}
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(query), args...); err != nil {
		return nil, s.dbError(err)
	}
	for i := range out {
		b := &out[i]
		b.Deadline, b.UpdatedAt = b.RawDeadline.Time, b.RawUpdated.Time
		b.Returned = b.LastEvent.String == string(workflow.EventReturn)
		if b.Returned {
			b.ReturnReason = b.LastReason.String
		}
	}
	if f.Completion && f.CampaignID != 0 {
		if err := s.boardCompletion(ctx, f.CampaignID, out); err != nil {
			return nil, s.dbError(err)
		}
	}
	return out, nil
}

// boardCompletion counts, for a campaign's reports, the applicable
// self-scored leaves and those with a score: two queries for the whole
// campaign, the leaves from the (cached) criteria sets.
func (s *Store) boardCompletion(ctx context.Context, campaignID int64, out []BoardReport) error {
	scored := []struct {
		ReportID int64 `db:"report_id"`
		N        int   `db:"n"`
	}{}
	if err := s.db.SelectContext(ctx, &scored, s.db.Rebind(`SELECT e.report_id, COUNT(*) AS n
		FROM entries e JOIN reports r ON r.id = e.report_id
		WHERE r.campaign_id = ? AND e.self_score IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM exemptions x WHERE x.report_id = e.report_id AND x.code = e.code)
		GROUP BY e.report_id`), campaignID); err != nil {
		return err
	}
	exempt := []struct {
		ReportID int64  `db:"report_id"`
		Code     string `db:"code"`
	}{}
	if err := s.db.SelectContext(ctx, &exempt, s.db.Rebind(`SELECT x.report_id, x.code
		FROM exemptions x JOIN reports r ON r.id = x.report_id WHERE r.campaign_id = ?`), campaignID); err != nil {
		return err
	}
	nScored := make(map[int64]int, len(scored))
	for _, r := range scored {
		nScored[r.ReportID] = r.N
	}
	exempted := map[int64][]string{}
	for _, x := range exempt {
		exempted[x.ReportID] = append(exempted[x.ReportID], x.Code)
	}
	selfLeaves := map[int64]map[string]bool{}
	for i := range out {
		b := &out[i]
		leaves, ok := selfLeaves[b.CriteriaSetID]
		if !ok {
			set, err := s.criteriaSet(ctx, s.db, b.CriteriaSetID)
			if err != nil {
				return err
			}
			leaves = map[string]bool{}
			for _, l := range set.LeafList() {
				if l.Method == workflow.MethodSelf {
					leaves[l.Code] = true
				}
			}
			selfLeaves[b.CriteriaSetID] = leaves
		}
		b.Applicable = len(leaves)
		for _, code := range exempted[b.ID] {
			if leaves[code] {
				b.Applicable--
			}
		}
		b.Scored = min(nScored[b.ID], b.Applicable)
	}
	return nil
}

// CampaignStateCounts counts every campaign's reports by state, in one query.
func (s *Store) CampaignStateCounts(ctx context.Context) (map[int64]map[workflow.State]int, error) {
	rows := []struct {
		CampaignID int64          `db:"campaign_id"`
		State      workflow.State `db:"state"`
		N          int            `db:"n"`
	}{}
	if err := s.db.SelectContext(ctx, &rows, `SELECT campaign_id, state, COUNT(*) AS n FROM reports GROUP BY campaign_id, state`); err != nil {
		return nil, s.dbError(err)
	}
	out := map[int64]map[workflow.State]int{}
	for _, r := range rows {
		if out[r.CampaignID] == nil {
			out[r.CampaignID] = map[workflow.State]int{}
		}
		out[r.CampaignID][r.State] = r.N
	}
	return out, nil
}
