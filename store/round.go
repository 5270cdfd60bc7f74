package store

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// roundSpec is the window and criteria of a supplementary round being opened.
type roundSpec struct {
	OpensAt, ClosesAt time.Time
	Criteria          []string
	Note              string
}

// roundSpecFor resolves a round's criteria against the report's set.
func (s *Store) roundSpecFor(ctx context.Context, q sqlx.ExtContext, r *workflow.Report, rr workflow.RoundRequest) (*roundSpec, error) {
	set, err := s.criteriaSet(ctx, q, r.CriteriaSetID)
	if err != nil {
		return nil, err
	}
	codes, err := workflow.RoundCriteria(set, rr.Criteria)
	if err != nil {
		return nil, err
	}
	return &roundSpec{OpensAt: rr.OpensAt, ClosesAt: rr.ClosesAt, Criteria: codes, Note: rr.Note}, nil
}

// RoundResult is the answer to opening a round for a campaign.
type RoundResult struct {
	Number   int           `json:"number"`
	OpensAt  time.Time     `json:"opens_at"`
	ClosesAt time.Time     `json:"closes_at"`
	Opened   []int64       `json:"opened"`
	Skipped  []SkippedOpen `json:"skipped"`
}

// SkippedOpen is a targeted report that was not in submitted or locked.
type SkippedOpen struct {
	ReportID int64          `json:"report_id"`
	State    workflow.State `json:"state"`
}

// OpenCampaignRound fires open_round on every targeted report of a campaign
// (all of them when rr.AgencyIDs is empty) in one transaction; reports not in
// submitted or locked are skipped and listed. Returns ENOTFOUND for the
// campaign, EFORBIDDEN unless the user is on the council, EINVALID for a bad
// window, unknown agencies or criteria.
func (s *Store) OpenCampaignRound(ctx context.Context, u *workflow.User, campaignID int64, rr workflow.RoundRequest, meta Meta) (*RoundResult, error) {
	if !u.Has(workflow.RoleCouncil, 0) {
		return nil, workflow.Errorf(workflow.EFORBIDDEN, "Only the council opens supplementary rounds.")
	}
	if err := rr.Validate(s.now()); err != nil {
		return nil, err
	}
	res := &RoundResult{OpensAt: rr.OpensAt.UTC().Truncate(time.Microsecond), ClosesAt: rr.ClosesAt.UTC().Truncate(time.Microsecond), Opened: []int64{}, Skipped: []SkippedOpen{}}
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, tx.Rebind(`SELECT COUNT(*) FROM campaigns WHERE id = ?`), campaignID); err != nil {
			return err
		} else if n == 0 {
			return workflow.Errorf(workflow.ENOTFOUND, "Campaign %d not found.", campaignID)
		}
		var ids []struct {
			ID       int64 `db:"id"`
			AgencyID int64 `db:"agency_id"`
		}
		if err := tx.SelectContext(ctx, &ids, tx.Rebind(`SELECT id, agency_id FROM reports WHERE campaign_id = ? ORDER BY id`), campaignID); err != nil {
			return err
		}
		targeted := map[int64]bool{}
		for _, a := range rr.AgencyIDs {
			targeted[a] = true
		}
		for _, row := range ids {
			delete(targeted, row.AgencyID)
		}
		for a := range targeted {
			return workflow.Errorf(workflow.EINVALID, "Agency %d has no report in this campaign.", a).
				WithFields(workflow.FieldError{Field: "agency_ids", Message: "unknown agency in this campaign"})
		}
		want := map[int64]bool{}
		for _, a := range rr.AgencyIDs {
			want[a] = true
		}
		if err := tx.GetContext(ctx, &res.Number, tx.Rebind(`SELECT COALESCE(MAX(number), 0) + 1 FROM campaign_rounds WHERE campaign_id = ?`), campaignID); err != nil {
			return err
		}
		opened := []int64{}
		for _, row := range ids {
			if len(want) > 0 && !want[row.AgencyID] {
				continue
			}
			r, err := s.loadReport(ctx, tx, u, row.ID)
			if err != nil {
				return err
			}
			d, err := workflow.Decide(r, u, workflow.TransitionRequest{Event: workflow.EventOpenRound, Reason: rr.Note}, s.now())
			if workflow.ErrorCode(err) == workflow.ECONFLICT {
				res.Skipped = append(res.Skipped, SkippedOpen{ReportID: r.ID, State: r.State})
				continue
			} else if err != nil {
				return err
			}
			spec, err := s.roundSpecFor(ctx, tx, r, rr)
			if err != nil {
				return err
			}
			if err := s.applyTransition(ctx, tx, &transitionWrite{R: r, D: d, Actor: u, Reason: rr.Note, Round: spec, Meta: meta}); err != nil {
				return err
			}
			res.Opened = append(res.Opened, r.ID)
			opened = append(opened, row.AgencyID)
		}
		agencies, _ := json.Marshal(opened)
		var criteria any
		if rr.Criteria != nil {
			b, _ := json.Marshal(rr.Criteria)
			criteria = string(b)
		}
		_, err := exec(ctx, tx, `INSERT INTO campaign_rounds (campaign_id, number, opens_at, closes_at, agency_ids, criteria, note, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			campaignID, res.Number, s.ts(rr.OpensAt), s.ts(rr.ClosesAt), string(agencies), criteria, rr.Note, u.ID, s.ts(s.now()))
		if err != nil {
			return err
		}
		return s.insertAudit(ctx, tx, auditRow{Actor: u, Kind: AuditCampaign, Action: "open_round", Target: strconv.FormatInt(campaignID, 10),
			Detail: struct {
				Number    int           `json:"number"`
				OpensAt   time.Time     `json:"opens_at"`
				ClosesAt  time.Time     `json:"closes_at"`
				AgencyIDs []int64       `json:"agency_ids"`
				Criteria  []string      `json:"criteria"`
				Note      string        `json:"note"`
				Opened    []int64       `json:"opened"`
				Skipped   []SkippedOpen `json:"skipped"`
			}{res.Number, res.OpensAt, res.ClosesAt, opened, rr.Criteria, rr.Note, res.Opened, res.Skipped},
			Meta: meta})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
