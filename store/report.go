package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// Meta says where a write came from, for the history.
type Meta struct {
	// RequestID is the server's own id of the request (X-Request-Id of the
	// answer); ClientRequestID the client's, kept beside it when it was
	// well-formed, never instead of it.
	RequestID       string
	ClientRequestID string
	ClientIP        string
	// IssuedBy is the administrator who issued the token the request was
	// made with, when that is not the user acting: history, revisions and
	// the audit log name both.
	IssuedBy *int64
}

// ReportRef is what never changes about a report: whose it is and for which campaign.
type ReportRef struct {
	AgencyID   int64
	CampaignID int64
}

// ReportRef returns the report's agency and campaign (cached: they never
// change), or ENOTFOUND. Handlers use it to answer 404 before reading a body.
func (s *Store) ReportRef(ctx context.Context, id int64) (ReportRef, error) {
	if v, ok := s.refs.Load(id); ok {
		return v.(ReportRef), nil
	}
	var ref ReportRef
	err := s.db.QueryRowxContext(ctx, s.db.Rebind(`SELECT agency_id, campaign_id FROM reports WHERE id = ?`), id).Scan(&ref.AgencyID, &ref.CampaignID)
	if errors.Is(err, sql.ErrNoRows) {
		return ref, workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy báo cáo %d.", id)
	} else if err != nil {
		return ref, s.dbError(err)
	}
	s.refs.Store(id, ref)
	return ref, nil
}

// deadlineExpr is the deadline in force for a report r in its round: its own
// extension, else the round's, else the campaign's. Queries that use it join
// campaigns c and report_rounds rr as reportSelect does.
const deadlineExpr = `COALESCE(r.closes_at, rr.closes_at, c.closes_at)`

// reportSelect reads a report with the window in force for its round: the
// campaign's for round 0, the round's own after that, with the report's own
// extension of the deadline if it has one.
const reportSelect = `SELECT r.id, r.campaign_id, r.agency_id, r.criteria_set_id, r.state, r.round, r.version,
	COALESCE(r.locked_from, '') AS locked_from, r.updated_at,
	COALESCE(rr.opens_at, c.opens_at) AS opens_at, ` + deadlineExpr + ` AS closes_at,
	COALESCE(rr.criteria, '[]') AS round_criteria` + reportFrom

// reportFrom is reportSelect's FROM clause.
const reportFrom = `
	FROM reports r
	JOIN campaigns c ON c.id = r.campaign_id
	LEFT JOIN report_rounds rr ON rr.report_id = r.id AND rr.number = r.round`

type reportRow struct {
	ID            int64          `db:"id"`
	CampaignID    int64          `db:"campaign_id"`
	AgencyID      int64          `db:"agency_id"`
	CriteriaSetID int64          `db:"criteria_set_id"`
	State         workflow.State `db:"state"`
	Round         int            `db:"round"`
	Version       int64          `db:"version"`
	LockedFrom    workflow.State `db:"locked_from"`
	UpdatedAt     dbTime         `db:"updated_at"`
	OpensAt       dbTime         `db:"opens_at"`
	ClosesAt      dbTime         `db:"closes_at"`
	RoundCriteria string         `db:"round_criteria"`
}

func (row *reportRow) report() (*workflow.Report, error) {
	r := &workflow.Report{
		ID: row.ID, CampaignID: row.CampaignID, AgencyID: row.AgencyID, CriteriaSetID: row.CriteriaSetID,
		State: row.State, Round: row.Round, Version: row.Version, LockedFrom: row.LockedFrom,
		OpensAt: row.OpensAt.Time, ClosesAt: row.ClosesAt.Time, UpdatedAt: row.UpdatedAt.Time,
	}
	if err := json.Unmarshal([]byte(row.RoundCriteria), &r.RoundCriteria); err != nil {
		return nil, err
	}
	return r, nil
}

// exemptionsExpr lists a report r's exempted codes as a JSON array in the
// same query that reads it. The dialects name their JSON aggregates
// differently; SQLite orders through a subquery.
var exemptionsExpr = map[string]string{
	Postgres: `COALESCE((SELECT json_agg(e.code ORDER BY e.code) FROM exemptions e WHERE e.report_id = r.id)::text, '[]')`,
	SQLite:   `COALESCE((SELECT json_group_array(code) FROM (SELECT e.code FROM exemptions e WHERE e.report_id = r.id ORDER BY e.code)), '[]')`,
}

// loadReport reads a report the user may see (ENOTFOUND otherwise) with its
// window and exemptions, but not its entries, in one query.
func (s *Store) loadReport(ctx context.Context, q sqlx.ExtContext, u *workflow.User, id int64) (*workflow.Report, error) {
	var row struct {
		reportRow
		Exemptions string `db:"exemptions"`
	}
	query := strings.TrimSuffix(reportSelect, reportFrom) + ", " + exemptionsExpr[s.dialect] + " AS exemptions" + reportFrom
	err := sqlx.GetContext(ctx, q, &row, q.Rebind(query+` WHERE r.id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && u != nil && workflow.Can(u, workflow.ActReportSee, workflow.Target{AgencyID: row.AgencyID}) != nil) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy báo cáo %d.", id)
	} else if err != nil {
		return nil, err
	}
	r, err := row.report()
	if err != nil {
		return nil, err
	}
	r.Exemptions = []string{}
	return r, json.Unmarshal([]byte(row.Exemptions), &r.Exemptions)
}

// loadEntryValues reads the stored entries of a report and counts each
// leaf's evidence files, in one query.
func loadEntryValues(ctx context.Context, q sqlx.ExtContext, id int64) (map[string]workflow.EntryValue, error) {
	rows := []struct {
		Code        string           `db:"code"`
		SelfScore   *workflow.Points `db:"self_score"`
		Explanation string           `db:"explanation"`
		Evidence    int              `db:"evidence"`
		Entry       int              `db:"entry"`
	}{}
	if err := sqlx.SelectContext(ctx, q, &rows, q.Rebind(`SELECT code, self_score, explanation, 0 AS evidence, 1 AS entry FROM entries WHERE report_id = ?
		UNION ALL
		SELECT code, NULL, '', COUNT(*), 0 FROM evidence WHERE report_id = ? AND deleted_at IS NULL GROUP BY code`), id, id); err != nil {
		return nil, err
	}
	values := make(map[string]workflow.EntryValue, len(rows))
	for _, r := range rows {
		v := values[r.Code]
		if r.Entry == 1 {
			v.SelfScore, v.Explanation = r.SelfScore, r.Explanation
		} else {
			v.Evidence = r.Evidence
		}
		values[r.Code] = v
	}
	return values, nil
}

// fullReport reads a report with its entries and totals.
func (s *Store) fullReport(ctx context.Context, q sqlx.ExtContext, u *workflow.User, id int64) (*workflow.Report, error) {
	r, err := s.loadReport(ctx, q, u, id)
	if err != nil {
		return nil, err
	}
	set, err := s.criteriaSet(ctx, q, r.CriteriaSetID)
	if err != nil {
		return nil, err
	}
	values, err := loadEntryValues(ctx, q, id)
	if err != nil {
		return nil, err
	}
	r.Fill(set, values)
	return r, nil
}

// GetReport returns a report the user may see, with its entries and totals, or ENOTFOUND.
func (s *Store) GetReport(ctx context.Context, u *workflow.User, id int64) (*workflow.Report, error) {
	r, err := s.fullReport(ctx, s.db, u, id)
	return r, s.dbError(err)
}

// GetReportState returns a report the user may see without its entries, or ENOTFOUND.
func (s *Store) GetReportState(ctx context.Context, u *workflow.User, id int64) (*workflow.Report, error) {
	r, err := s.loadReport(ctx, s.db, u, id)
	return r, s.dbError(err)
}

// ReportFilter narrows ListReports; zero fields match everything.
type ReportFilter struct {
	CampaignID int64
	AgencyID   int64
	State      workflow.State
}

// ReportSummary is a report without its entries.
type ReportSummary struct {
	ID         int64           `db:"id"`
	CampaignID int64           `db:"campaign_id"`
	AgencyID   int64           `db:"agency_id"`
	State      workflow.State  `db:"state"`
	Round      int             `db:"round"`
	Version    int64           `db:"version"`
	Deadline   time.Time       `db:"-"`
	SelfTotal  workflow.Points `db:"self_total"`
	MaxTotal   workflow.Points `db:"max_total"`
	ClosesAt   dbTime          `db:"closes_at"`
}

// ListReports returns the reports the user may see: their own agencies', or
// all for council and admin, with totals computed in SQL.
func (s *Store) ListReports(ctx context.Context, u *workflow.User, f ReportFilter) ([]ReportSummary, error) {
	var where []string
	var args []any
	if f.CampaignID != 0 {
		where, args = append(where, "r.campaign_id = ?"), append(args, f.CampaignID)
	}
	if f.AgencyID != 0 {
		where, args = append(where, "r.agency_id = ?"), append(args, f.AgencyID)
	}
	if f.State != "" {
		where, args = append(where, "r.state = ?"), append(args, f.State)
	}
	if !u.SeesAll() {
		ids := u.AgencyIDs()
		if len(ids) == 0 {
			return []ReportSummary{}, nil
		}
		where = append(where, "r.agency_id IN (?"+strings.Repeat(", ?", len(ids)-1)+")")
		for _, id := range ids {
			args = append(args, id)
		}
	}
	query := `SELECT r.id, r.campaign_id, r.agency_id, r.state, r.round, r.version,
		` + deadlineExpr + ` AS closes_at,
		COALESCE((SELECT SUM(e.self_score) FROM entries e WHERE e.report_id = r.id
			AND NOT EXISTS (SELECT 1 FROM exemptions x WHERE x.report_id = r.id AND x.code = e.code)), 0) AS self_total,
		cs.max_points - COALESCE((SELECT SUM(k.max_points) FROM exemptions x
			JOIN criteria k ON k.set_id = r.criteria_set_id AND k.code = x.code WHERE x.report_id = r.id), 0) AS max_total
		FROM reports r
		JOIN campaigns c ON c.id = r.campaign_id
		JOIN criteria_sets cs ON cs.id = r.criteria_set_id
		LEFT JOIN report_rounds rr ON rr.report_id = r.id AND rr.number = r.round`
	if where != nil {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY r.id"
	out := []ReportSummary{}
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(query), args...); err != nil {
		return nil, s.dbError(err)
	}
	for i := range out {
		out[i].Deadline = out[i].ClosesAt.Time
	}
	return out, nil
}

// PutEntry replaces one entry of a report for its updater and records the
// revision, in one transaction. Returns, in the API's order: ENOTFOUND
// (report), EFORBIDDEN, ENOTFOUND (criterion), EPRECONDITION, ELOCKED,
// ECONFLICT, EINVALID.
func (s *Store) PutEntry(ctx context.Context, u *workflow.User, id int64, code string, v workflow.EntryValue, ifMatch *int64, meta Meta) (*workflow.Entry, int64, error) {
	return s.writeEntry(ctx, u, id, code, func(workflow.EntryValue) workflow.EntryValue { return v }, ifMatch, meta)
}

// EntryPatch is a partial change of an entry: a nil field is left as it is.
// A SelfScore that is set but holds a nil *Points clears the score.
type EntryPatch struct {
	SelfScore   **workflow.Points
	Explanation *string
	Invalid     error // a value that could not be read, refused at the 422 stage
}

// PatchEntry changes only the fields the patch sets, on the entry as it is in
// the same transaction; the checks, the revision and the answer are PutEntry's.
func (s *Store) PatchEntry(ctx context.Context, u *workflow.User, id int64, code string, p EntryPatch, ifMatch *int64, meta Meta) (*workflow.Entry, int64, error) {
	return s.writeEntry(ctx, u, id, code, func(old workflow.EntryValue) workflow.EntryValue {
		v := workflow.EntryValue{SelfScore: old.SelfScore, Explanation: old.Explanation, Invalid: p.Invalid}
		if p.SelfScore != nil {
			v.SelfScore = *p.SelfScore
		}
		if p.Explanation != nil {
			v.Explanation = *p.Explanation
		}
		return v
	}, ifMatch, meta)
}

// writeEntry writes the value that merge makes of the entry's current one.
func (s *Store) writeEntry(ctx context.Context, u *workflow.User, id int64, code string, merge func(old workflow.EntryValue) workflow.EntryValue, ifMatch *int64, meta Meta) (*workflow.Entry, int64, error) {
	code = workflow.NormalizeText(code)
	var v workflow.EntryValue
	var entry *workflow.Entry
	var version int64
	var header *workflow.Report
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		r, err := s.loadReport(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if err := workflow.Can(u, workflow.ActEntryEdit, workflow.Target{AgencyID: r.AgencyID}); err != nil {
			return err
		}
		set, err := s.criteriaSet(ctx, tx, r.CriteriaSetID)
		if err != nil {
			return err
		}
		// Plain Scan: it leaves the destinations alone when there is no row,
		// so a first entry's revision records a missing old score as NULL.
		var old workflow.EntryValue
		err = tx.QueryRowxContext(ctx, tx.Rebind(`SELECT self_score, explanation FROM entries WHERE report_id = ? AND code = ?`), id, code).
			Scan(&old.SelfScore, &old.Explanation)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		v = merge(old)
		v.Explanation = workflow.NormalizeText(v.Explanation)
		// One instant is checked against the window and recorded.
		at := s.now()
		if err := r.CheckEntry(set, code, v, ifMatch, at); err != nil {
			return err
		}
		// The version guard also guards old: a write between the read of
		// the report and of the entry moved the version, and this one fails.
		if err := s.bumpVersion(ctx, tx, r, ifMatch != nil, s.ts(at)); err != nil {
			return err
		}
		now := s.ts(at)
		if _, err := exec(ctx, tx, `INSERT INTO entries (report_id, code, self_score, explanation, round, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (report_id, code) DO UPDATE SET self_score = excluded.self_score, explanation = excluded.explanation,
				round = excluded.round, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			id, code, v.SelfScore, v.Explanation, r.Round, u.ID, now); err != nil {
			return err
		}
		if _, err := exec(ctx, tx, `INSERT INTO entry_revisions (report_id, code, round, actor_id, at, old_score, new_score, old_explanation, new_explanation,
				request_id, client_request_id, client_ip, issued_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, code, r.Round, u.ID, now, old.SelfScore, v.SelfScore, old.Explanation, v.Explanation,
			meta.RequestID, meta.ClientRequestID, meta.ClientIP, meta.IssuedBy); err != nil {
			return err
		}
		version = r.Version + 1
		entry = &workflow.Entry{Code: code, SelfScore: v.SelfScore, Explanation: v.Explanation, Editable: true}
		header = r
		return nil
	})
	if err == nil {
		// An entry changes the version and that entry, nothing else a
		// transition decides on: keep the header at its new version.
		s.cacheEntry(header, version, code, workflow.EntryValue{SelfScore: v.SelfScore, Explanation: v.Explanation})
	}
	return entry, version, err
}

// bumpVersion raises the report's version, guarded by the state and version
// read in this transaction: a concurrent change makes it ECONFLICT (or
// EPRECONDITION when the client sent If-Match), never a silent overwrite.
// It drops the report's cached header: the next transition reads it afresh
// rather than write against a version it knows is gone.
func (s *Store) bumpVersion(ctx context.Context, tx *sqlx.Tx, r *workflow.Report, ifMatch bool, now any) error {
	s.forgetReport(r.ID)
	res, err := exec(ctx, tx, `UPDATE reports SET version = version + 1, updated_at = ? WHERE id = ? AND state = ? AND version = ?`,
		now, r.ID, r.State, r.Version)
	if err != nil {
		return err
	}
	return checkOneRow(res, ifMatch)
}

// holdVersion checks, in SQL and under the row's lock, that the report is
// still in the state and version read in this transaction, without changing
// it: for writes beside the report (a signed summary) that must not land on
// a report that moved on, a locked one above all.
func (s *Store) holdVersion(ctx context.Context, tx *sqlx.Tx, r *workflow.Report) error {
	res, err := exec(ctx, tx, `UPDATE reports SET version = version WHERE id = ? AND state = ? AND version = ?`, r.ID, r.State, r.Version)
	if err != nil {
		return err
	}
	return checkOneRow(res, false)
}

func checkOneRow(res sql.Result, ifMatch bool) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		if ifMatch {
			return workflow.Errorf(workflow.EPRECONDITION, "Báo cáo vừa được người khác thay đổi: hãy tải lại.")
		}
		return workflow.Errorf(workflow.ECONFLICT, "Báo cáo vừa được người khác thay đổi: hãy tải lại và thử lại.")
	}
	return nil
}

// SetExemptions replaces the report's exempt leaves for an admin, with the
// reason, raises its version and records it in the history (the reason, and
// in detail the codes and max_total before and after) and in the audit log,
// in one transaction. The window and the state are checked at the instant
// written. Returns, in the API's order: ENOTFOUND, EFORBIDDEN, ELOCKED (a
// locked report, a window closed or not yet open), ECONFLICT (signed or
// submitted), EINVALID (codes, reason).
func (s *Store) SetExemptions(ctx context.Context, u *workflow.User, id int64, codes []string, reason string, meta Meta) (*workflow.Report, error) {
	var out *workflow.Report
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		r, err := s.loadReport(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if err := workflow.Can(u, workflow.ActExemptionsSet, workflow.Target{}); err != nil {
			return err
		}
		set, err := s.criteriaSet(ctx, tx, r.CriteriaSetID)
		if err != nil {
			return err
		}
		at := s.now()
		codes, reason, err := r.CheckExemptions(set, codes, reason, at)
		if err != nil {
			return err
		}
		r.Fill(set, nil) // the maximum before: only the exemptions count
		change := exemptionChange{CodesBefore: r.Exemptions, CodesAfter: codes, MaxBefore: pointsFixed(r.MaxTotal)}
		if change.CodesAfter == nil {
			change.CodesAfter = []string{}
		}
		now := s.ts(at)
		if err := s.bumpVersion(ctx, tx, r, false, now); err != nil {
			return err
		}
		if _, err := exec(ctx, tx, `DELETE FROM exemptions WHERE report_id = ?`, id); err != nil {
			return err
		}
		for _, c := range codes {
			if _, err := exec(ctx, tx, `INSERT INTO exemptions (report_id, code) VALUES (?, ?)`, id, c); err != nil {
				return err
			}
		}
		if out, err = s.fullReport(ctx, tx, nil, id); err != nil {
			return err
		}
		change.MaxAfter = pointsFixed(out.MaxTotal)
		detail, err := json.Marshal(change)
		if err != nil {
			return err
		}
		if err := insertHistory(ctx, tx, historyRow{ReportID: id, At: now, ActorID: &u.ID, Role: workflow.RoleAdmin, Event: "exemptions",
			From: r.State, To: r.State, Round: r.Round, Reason: reason, Detail: string(detail), Meta: meta}); err != nil {
			return err
		}
		return s.insertAudit(ctx, tx, auditRow{Actor: u, Kind: AuditExemption, Action: "update", Target: strconv.FormatInt(id, 10),
			Detail: struct {
				ReportID int64  `json:"report_id"`
				Reason   string `json:"reason"`
				exemptionChange
			}{id, reason, change}, Meta: meta})
	})
	return out, err
}

// exemptionChange is what an exemptions history row's detail holds: the
// codes and the report's max_total before and after, the maxima as strings
// with two decimals ("95.00"), exact as points are.
type exemptionChange struct {
	CodesBefore []string `json:"codes_before"`
	CodesAfter  []string `json:"codes_after"`
	MaxBefore   string   `json:"max_before"`
	MaxAfter    string   `json:"max_after"`
}

// pointsFixed writes points with exactly two decimals: "95.00", "0.75".
func pointsFixed(p workflow.Points) string {
	sign, n := "", int64(p)
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s%d.%02d", sign, n/100, n%100)
}

// criteriaSet reads a set through the cache, inside or outside a transaction.
func (s *Store) criteriaSet(ctx context.Context, q sqlx.ExtContext, id int64) (*workflow.CriteriaSet, error) {
	if v, ok := s.sets.Load(id); ok {
		return v.(*workflow.CriteriaSet), nil
	}
	set, err := loadCriteriaSet(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if set.Frozen {
		s.sets.Store(id, set)
	}
	return set, nil
}
