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
	// Scored and Applicable (filled by BoardCompletion): the applicable
	// self-scored leaves that have a score, of how many.
	Scored, Applicable int `db:"-"`

	RawDeadline dbTime         `db:"closes_at"`
	RawUpdated  dbTime         `db:"updated_at"`
	LastStep    sql.NullString `db:"last_step"`
}

// BoardFilter narrows BoardReports; zero fields match everything.
type BoardFilter struct {
	CampaignID int64
	AgencyID   int64
	IDs        []int64
	Kind       workflow.AgencyKind
	States     []workflow.State
	NotStates  []workflow.State
	// Limit and Offset take a page of the ordered list (Limit 0: all).
	Limit, Offset int
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
// order) and agency code, in one query.
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
	if f.Kind != "" {
		where, args = append(where, "a.kind = ?"), append(args, f.Kind)
	}
	if len(f.NotStates) > 0 {
		where = append(where, "NOT "+in("r.state", len(f.NotStates)))
		for _, st := range f.NotStates {
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
	// A draft's last step, "event:reason" (an event is a word without a
	// colon), read through the history's index in one probe; other states
	// need none.
	query := `SELECT r.id, r.campaign_id, c.name AS campaign_name, r.agency_id, a.code AS agency_code, a.name AS agency_name,
		a.kind, r.criteria_set_id, r.state, COALESCE(r.locked_from, '') AS locked_from, r.round, r.version,
		` + deadlineExpr + ` AS closes_at, r.updated_at,
		CASE WHEN r.state = 'draft' THEN (SELECT h.event || ':' || h.reason FROM history h
			WHERE h.report_id = r.id AND h.event IN ` + transitionEvents + ` ORDER BY h.id DESC LIMIT 1) END AS last_step
		FROM reports r
		JOIN campaigns c ON c.id = r.campaign_id
		JOIN agencies a ON a.id = r.agency_id
		LEFT JOIN agency_kinds k ON k.code = a.kind
		LEFT JOIN report_rounds rr ON rr.report_id = r.id AND rr.number = r.round`
	if where != nil {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY COALESCE(k.position, 0), a.kind, a.code, r.campaign_id DESC"
	if f.Limit > 0 {
		query += " LIMIT ? OFFSET ?"
		args = append(args, f.Limit, f.Offset)
	}
	// Scanned by hand: a board reads a thousand rows, and sqlx's mapping
	// by reflection was most of its time.
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(query), args...)
	if err != nil {
		return nil, s.dbError(err)
	}
	defer rows.Close()
	out := []BoardReport{}
	for rows.Next() {
		var b BoardReport
		if err := rows.Scan(&b.ID, &b.CampaignID, &b.CampaignName, &b.AgencyID, &b.AgencyCode, &b.AgencyName, &b.Kind, &b.CriteriaSetID,
			&b.State, &b.LockedFrom, &b.Round, &b.Version, &b.RawDeadline, &b.RawUpdated, &b.LastStep); err != nil {
			return nil, s.dbError(err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, s.dbError(err)
	}
	for i := range out {
		b := &out[i]
		b.Deadline, b.UpdatedAt = b.RawDeadline.Time, b.RawUpdated.Time
		event, reason, _ := strings.Cut(b.LastStep.String, ":")
		if b.Returned = event == string(workflow.EventReturn); b.Returned {
			b.ReturnReason = reason
		}
	}
	return out, nil
}

// BoardCompletion fills, for the listed reports (a board's page), Scored
// and Applicable: the applicable self-scored leaves and those with a score.
// Two queries for them all; the leaves come from the (cached) criteria sets.
func (s *Store) BoardCompletion(ctx context.Context, out []BoardReport) error {
	if len(out) == 0 {
		return nil
	}
	ids := make([]any, len(out))
	for i := range out {
		ids[i] = out[i].ID
	}
	in := "(?" + strings.Repeat(", ?", len(ids)-1) + ")"
	scored := []struct {
		ReportID int64 `db:"report_id"`
		N        int   `db:"n"`
	}{}
	if err := s.db.SelectContext(ctx, &scored, s.db.Rebind(`SELECT e.report_id, COUNT(*) AS n FROM entries e
		WHERE e.report_id IN `+in+` AND e.self_score IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM exemptions x WHERE x.report_id = e.report_id AND x.code = e.code)
		GROUP BY e.report_id`), ids...); err != nil {
		return s.dbError(err)
	}
	exempt := []struct {
		ReportID int64  `db:"report_id"`
		Code     string `db:"code"`
	}{}
	if err := s.db.SelectContext(ctx, &exempt, s.db.Rebind(`SELECT report_id, code FROM exemptions WHERE report_id IN `+in), ids...); err != nil {
		return s.dbError(err)
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
				return s.dbError(err)
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

// BoardCount is how many of a campaign's reports of a kind are in a state.
type BoardCount struct {
	Kind  workflow.AgencyKind
	State workflow.State
	N     int
}

// BoardCounts counts a campaign's reports by kind (in the kinds' display
// order) and state, in one query: the board's summary, for those who follow
// progress (it does not narrow by agency).
func (s *Store) BoardCounts(ctx context.Context, campaignID int64) ([]BoardCount, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT a.kind, r.state, COUNT(*)
		FROM reports r JOIN agencies a ON a.id = r.agency_id LEFT JOIN agency_kinds k ON k.code = a.kind
		WHERE r.campaign_id = ? GROUP BY COALESCE(k.position, 0), a.kind, r.state ORDER BY COALESCE(k.position, 0), a.kind, r.state`), campaignID)
	if err != nil {
		return nil, s.dbError(err)
	}
	defer rows.Close()
	out := []BoardCount{}
	for rows.Next() {
		var c BoardCount
		if err := rows.Scan(&c.Kind, &c.State, &c.N); err != nil {
			return nil, s.dbError(err)
		}
		out = append(out, c)
	}
	return out, s.dbError(rows.Err())
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
