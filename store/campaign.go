package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// CreateCampaign stores a campaign, freezes its criteria sets, creates one
// draft report (round 0) per agency of each kind and writes the audit row
// saying who created it (actor, an admin or nil at the server), all in one
// transaction. Returns EINVALID for a bad window or a set that is unknown or
// of the wrong kind.
func (s *Store) CreateCampaign(ctx context.Context, c *workflow.Campaign, actor *workflow.User, meta Meta) error {
	if err := c.Validate(); err != nil {
		return err
	}
	kinds := make([]workflow.AgencyKind, 0, len(c.CriteriaSets))
	for k := range c.CriteriaSets {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
	var id int64
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		var fields []workflow.FieldError
		for _, kind := range kinds {
			if err := kindExists(ctx, tx, kind, "criteria_sets/"+string(kind)); err != nil {
				fields = append(fields, workflow.ErrorFields(err)...)
				continue
			}
			// Freeze before reading the kind: the UPDATE takes the row lock that
			// ReplaceCriteriaSet takes, so the kind read next is the committed
			// one and cannot change before this commits. Refusing rolls it back.
			if _, err := exec(ctx, tx, `UPDATE criteria_sets SET frozen = ? WHERE id = ?`, true, c.CriteriaSets[kind]); err != nil {
				return err
			}
			var setKind workflow.AgencyKind
			err := tx.GetContext(ctx, &setKind, tx.Rebind(`SELECT agency_kind FROM criteria_sets WHERE id = ?`), c.CriteriaSets[kind])
			switch {
			case errors.Is(err, sql.ErrNoRows):
				fields = append(fields, workflow.FieldError{Field: "criteria_sets/" + string(kind), Message: "Không có bộ tiêu chí này."})
			case err != nil:
				return err
			case setKind != kind:
				fields = append(fields, workflow.Field("criteria_sets/"+string(kind), "Bộ tiêu chí này dành cho khối %s.", setKind))
			}
		}
		if fields != nil {
			return workflow.Errorf(workflow.EINVALID, "Bộ tiêu chí của kỳ đánh giá không hợp lệ.").WithFields(fields...)
		}
		now := s.ts(s.now())
		var createdBy *int64
		if actor != nil {
			createdBy = &actor.ID
		}
		var err error
		id, err = insertID(ctx, tx, `INSERT INTO campaigns (name, year, opens_at, closes_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			c.Name, c.Year, s.ts(c.OpensAt), s.ts(c.ClosesAt), createdBy, now)
		if err != nil {
			return s.duplicate(err, "name", "Năm %d đã có kỳ đánh giá «%s».", c.Year, c.Name)
		}
		var reports int64
		for _, kind := range kinds {
			setID := c.CriteriaSets[kind]
			if _, err := exec(ctx, tx, `INSERT INTO campaign_criteria_sets (campaign_id, agency_kind, criteria_set_id) VALUES (?, ?, ?)`, id, kind, setID); err != nil {
				return err
			}
			res, err := exec(ctx, tx, `INSERT INTO reports (campaign_id, agency_id, criteria_set_id, state, round, version, created_at, updated_at)
				SELECT ?, id, ?, ?, 0, 1, ?, ? FROM agencies WHERE kind = ? AND deactivated_at IS NULL`, id, setID, workflow.StateDraft, now, now, kind)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			reports += n
		}
		return s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditCampaign, Action: "create", Target: strconv.FormatInt(id, 10),
			Detail: struct {
				Name         string                        `json:"name"`
				Year         int                           `json:"year"`
				OpensAt      time.Time                     `json:"opens_at"`
				ClosesAt     time.Time                     `json:"closes_at"`
				CriteriaSets map[workflow.AgencyKind]int64 `json:"criteria_sets"`
				Reports      int64                         `json:"reports"`
			}{c.Name, c.Year, c.OpensAt.UTC().Truncate(time.Microsecond), c.ClosesAt.UTC().Truncate(time.Microsecond), c.CriteriaSets, reports},
			Meta: meta})
	})
	if err != nil {
		return err
	}
	// Only a committed campaign gets its id: a rolled-back one must not look stored.
	c.ID = id
	c.OpensAt, c.ClosesAt = c.OpensAt.UTC().Truncate(time.Microsecond), c.ClosesAt.UTC().Truncate(time.Microsecond)
	c.Rounds = []workflow.CampaignRound{}
	return nil
}

// GetCampaign returns a campaign with its criteria sets and rounds, or ENOTFOUND.
func (s *Store) GetCampaign(ctx context.Context, id int64) (*workflow.Campaign, error) {
	campaigns, err := s.loadCampaigns(ctx, &id)
	if err != nil {
		return nil, err
	} else if len(campaigns) == 0 {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy kỳ đánh giá %d.", id)
	}
	return &campaigns[0], nil
}

// ListCampaigns returns every campaign, newest first.
func (s *Store) ListCampaigns(ctx context.Context) ([]workflow.Campaign, error) {
	return s.loadCampaigns(ctx, nil)
}

func (s *Store) loadCampaigns(ctx context.Context, only *int64) ([]workflow.Campaign, error) {
	where, args := "", []any{}
	if only != nil {
		where, args = " WHERE id = ?", []any{*only}
	}
	rows := []struct {
		ID       int64  `db:"id"`
		Name     string `db:"name"`
		Year     int    `db:"year"`
		OpensAt  dbTime `db:"opens_at"`
		ClosesAt dbTime `db:"closes_at"`
	}{}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT id, name, year, opens_at, closes_at FROM campaigns`+where+` ORDER BY id DESC`), args...); err != nil {
		return nil, s.dbError(err)
	}
	out := make([]workflow.Campaign, len(rows))
	byID := map[int64]*workflow.Campaign{}
	for i, r := range rows {
		out[i] = workflow.Campaign{ID: r.ID, Name: r.Name, Year: r.Year, OpensAt: r.OpensAt.Time, ClosesAt: r.ClosesAt.Time,
			CriteriaSets: map[workflow.AgencyKind]int64{}, Rounds: []workflow.CampaignRound{}}
		byID[r.ID] = &out[i]
	}
	sets := []struct {
		CampaignID int64               `db:"campaign_id"`
		Kind       workflow.AgencyKind `db:"agency_kind"`
		SetID      int64               `db:"criteria_set_id"`
	}{}
	filter := ""
	if only != nil {
		filter = " WHERE campaign_id = ?"
	}
	if err := s.db.SelectContext(ctx, &sets, s.db.Rebind(`SELECT campaign_id, agency_kind, criteria_set_id FROM campaign_criteria_sets`+filter), args...); err != nil {
		return nil, s.dbError(err)
	}
	for _, r := range sets {
		if c := byID[r.CampaignID]; c != nil {
			c.CriteriaSets[r.Kind] = r.SetID
		}
	}
	rounds := []struct {
		CampaignID int64          `db:"campaign_id"`
		Number     int            `db:"number"`
		OpensAt    dbTime         `db:"opens_at"`
		ClosesAt   dbTime         `db:"closes_at"`
		AgencyIDs  string         `db:"agency_ids"`
		Criteria   sql.NullString `db:"criteria"`
		Note       string         `db:"note"`
	}{}
	if err := s.db.SelectContext(ctx, &rounds, s.db.Rebind(`SELECT campaign_id, number, opens_at, closes_at, agency_ids, criteria, note FROM campaign_rounds`+filter+` ORDER BY number`), args...); err != nil {
		return nil, s.dbError(err)
	}
	for _, r := range rounds {
		c := byID[r.CampaignID]
		if c == nil {
			continue
		}
		round := workflow.CampaignRound{Number: r.Number, OpensAt: r.OpensAt.Time, ClosesAt: r.ClosesAt.Time, Note: r.Note, AgencyIDs: []int64{}, Criteria: []string{}}
		if err := json.Unmarshal([]byte(r.AgencyIDs), &round.AgencyIDs); err != nil {
			return nil, err
		}
		if r.Criteria.Valid {
			if err := json.Unmarshal([]byte(r.Criteria.String), &round.Criteria); err != nil {
				return nil, err
			}
		}
		c.Rounds = append(c.Rounds, round)
	}
	return out, nil
}

// Progress counts a campaign's reports by state, in all and per block of
// agencies (departments, districts), lists the agencies that have not
// submitted, and says how long is left until the deadline in force.
type Progress struct {
	ByState      map[workflow.State]int
	NotSubmitted []int64
	ByKind       map[workflow.AgencyKind]*BlockProgress
	// Agencies names every agency of the campaign with its report's state,
	// round and last activity, in the kinds' display order and by code.
	Agencies []ProgressAgency
	// Deadline is the campaign's closes_at or, once that has passed, the
	// latest supplementary round's if it is still ahead.
	Deadline    time.Time
	SecondsLeft int64
}

// BlockProgress is Progress for one kind of agency.
type BlockProgress struct {
	Total        int
	ByState      map[workflow.State]int
	NotSubmitted []int64
}

func newCounts() map[workflow.State]int {
	m := make(map[workflow.State]int, len(workflow.States))
	for _, st := range workflow.States {
		m[st] = 0
	}
	return m
}

// CampaignProgress returns the campaign's progress, or ENOTFOUND.
func (s *Store) CampaignProgress(ctx context.Context, id int64) (*Progress, error) {
	c, err := s.GetCampaign(ctx, id)
	if err != nil {
		return nil, err
	}
	rows := []struct {
		AgencyID int64               `db:"agency_id"`
		Kind     workflow.AgencyKind `db:"kind"`
		State    workflow.State      `db:"state"`
	}{}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT r.agency_id, a.kind, r.state FROM reports r JOIN agencies a ON a.id = r.agency_id
		WHERE r.campaign_id = ? ORDER BY r.agency_id`), id); err != nil {
		return nil, s.dbError(err)
	}
	p := &Progress{ByState: newCounts(), NotSubmitted: []int64{}, ByKind: map[workflow.AgencyKind]*BlockProgress{}}
	if p.Agencies, err = s.progressAgencies(ctx, id); err != nil {
		return nil, s.dbError(err)
	}
	for kind := range c.CriteriaSets {
		p.ByKind[kind] = &BlockProgress{ByState: newCounts(), NotSubmitted: []int64{}}
	}
	for _, r := range rows {
		b := p.ByKind[r.Kind]
		if b == nil {
			b = &BlockProgress{ByState: newCounts(), NotSubmitted: []int64{}}
			p.ByKind[r.Kind] = b
		}
		p.ByState[r.State]++
		b.ByState[r.State]++
		b.Total++
		if r.State != workflow.StateSubmitted {
			p.NotSubmitted = append(p.NotSubmitted, r.AgencyID)
			b.NotSubmitted = append(b.NotSubmitted, r.AgencyID)
		}
	}
	now := s.now()
	p.Deadline = c.ClosesAt
	for _, round := range c.Rounds {
		if !now.Before(p.Deadline) && round.ClosesAt.After(p.Deadline) {
			p.Deadline = round.ClosesAt
		}
	}
	if left := p.Deadline.Sub(now); left > 0 {
		p.SecondsLeft = int64(left / time.Second)
	}
	return p, nil
}

// ProgressAgency is one agency of a campaign's progress: who it is, its
// report and where the report stands.
type ProgressAgency struct {
	ID       int64               `db:"id"`
	Code     string              `db:"code"`
	Name     string              `db:"name"`
	Kind     workflow.AgencyKind `db:"kind"`
	ReportID int64               `db:"report_id"`
	State    workflow.State      `db:"state"`
	Round    int                 `db:"round"`
	// LastActivity is the latest of the report's last step, last entry
	// edit and creation.
	LastActivity time.Time
}

// progressAgencies lists a campaign's agencies with their reports.
func (s *Store) progressAgencies(ctx context.Context, campaignID int64) ([]ProgressAgency, error) {
	rows := []struct {
		ProgressAgency
		Updated  dbTime  `db:"updated_at"`
		LastStep *dbTime `db:"last_step"`
		LastEdit *dbTime `db:"last_edit"`
	}{}
	err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT a.id, a.code, a.name, a.kind, r.id AS report_id, r.state, r.round, r.updated_at,
		(SELECT MAX(h.at) FROM history h WHERE h.report_id = r.id) AS last_step,
		(SELECT MAX(v.at) FROM entry_revisions v WHERE v.report_id = r.id) AS last_edit
		FROM reports r JOIN agencies a ON a.id = r.agency_id LEFT JOIN agency_kinds k ON k.code = a.kind
		WHERE r.campaign_id = ? ORDER BY k.position, a.kind, a.code`), campaignID)
	if err != nil {
		return nil, err
	}
	out := make([]ProgressAgency, len(rows))
	for i, r := range rows {
		out[i] = r.ProgressAgency
		out[i].LastActivity = r.Updated.Time
		for _, t := range []*dbTime{r.LastStep, r.LastEdit} {
			if t != nil && t.After(out[i].LastActivity) {
				out[i].LastActivity = t.Time
			}
		}
	}
	return out, nil
}
