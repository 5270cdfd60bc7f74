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
	Number   int
	OpensAt  time.Time
	ClosesAt time.Time
	Opened   []int64
	Skipped  []SkippedOpen
}

// SkippedOpen is a targeted report that was not in submitted or locked.
type SkippedOpen struct {
	ReportID int64
	State    workflow.State
}

// OpenCampaignRound fires open_round on every targeted report of a campaign
// (all of them when rr.AgencyIDs is empty) in one transaction; reports not in
// submitted or locked are skipped and listed. Returns ENOTFOUND for the
// campaign, EFORBIDDEN unless the user is on the council, EINVALID for a bad
// window, unknown agencies or criteria.
func (s *Store) OpenCampaignRound(ctx context.Context, u *workflow.User, campaignID int64, rr workflow.RoundRequest, meta Meta) (*RoundResult, error) {
	if err := workflow.Can(u, workflow.ActRoundOpen, workflow.Target{}); err != nil {
		return nil, err
	}
	if err := rr.Validate(s.now()); err != nil {
		return nil, err
	}
	res := &RoundResult{OpensAt: rr.OpensAt.UTC().Truncate(time.Microsecond), ClosesAt: rr.ClosesAt.UTC().Truncate(time.Microsecond), Opened: []int64{}, Skipped: []SkippedOpen{}}
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		targets, err := campaignTargets(ctx, tx, campaignID, rr.AgencyIDs)
		if err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &res.Number, tx.Rebind(`SELECT COALESCE(MAX(number), 0) + 1 FROM campaign_rounds WHERE campaign_id = ?`), campaignID); err != nil {
			return err
		}
		opened, err := s.openRoundOn(ctx, tx, u, targets, rr, res, meta)
		if err != nil {
			return err
		}
		return s.recordCampaignRound(ctx, tx, u, campaignID, rr, res, opened, meta)
	})
	if err != nil {
		return nil, err
	}
	for _, id := range res.Opened {
		s.forgetReport(id) // its window changed: the next decision reads it afresh
	}
	return res, nil
}

// reportTarget is one report of a campaign a round may open on.
type reportTarget struct {
	ID       int64 `db:"id"`
	AgencyID int64 `db:"agency_id"`
}

// campaignTargets lists the campaign's reports of the agencies (all when
// agencyIDs is empty): ENOTFOUND for the campaign, EINVALID naming an
// agency without a report in it.
func campaignTargets(ctx context.Context, tx *sqlx.Tx, campaignID int64, agencyIDs []int64) ([]reportTarget, error) {
	var n int
	if err := tx.GetContext(ctx, &n, tx.Rebind(`SELECT COUNT(*) FROM campaigns WHERE id = ?`), campaignID); err != nil {
		return nil, err
	} else if n == 0 {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy kỳ đánh giá %d.", campaignID)
	}
	var all []reportTarget
	if err := tx.SelectContext(ctx, &all, tx.Rebind(`SELECT id, agency_id FROM reports WHERE campaign_id = ? ORDER BY id`), campaignID); err != nil {
		return nil, err
	}
	if len(agencyIDs) == 0 {
		return all, nil
	}
	want := map[int64]bool{}
	for _, a := range agencyIDs {
		want[a] = true
	}
	var out []reportTarget
	for _, r := range all {
		if want[r.AgencyID] {
			out = append(out, r)
			delete(want, r.AgencyID)
		}
	}
	for a := range want {
		return nil, workflow.Errorf(workflow.EINVALID, "Đơn vị %d không có báo cáo trong kỳ đánh giá này.", a).
			WithFields(workflow.FieldError{Field: "agency_ids", Message: "Đơn vị không có trong kỳ đánh giá này."})
	}
	return out, nil
}

// openRoundOn fires open_round on each target in tx, through the same
// decision and write as a single report's; a report in a state the event
// does not leave is skipped and listed. It returns the agencies opened.
func (s *Store) openRoundOn(ctx context.Context, tx *sqlx.Tx, u *workflow.User, targets []reportTarget, rr workflow.RoundRequest, res *RoundResult, meta Meta) ([]int64, error) {
	opened := []int64{}
	for _, t := range targets {
		r, err := s.loadReport(ctx, tx, u, t.ID)
		if err != nil {
			return nil, err
		}
		d, err := workflow.Decide(r, u, workflow.TransitionRequest{Event: workflow.EventOpenRound, Reason: rr.Note}, s.now())
		if workflow.ErrorCode(err) == workflow.ECONFLICT {
			res.Skipped = append(res.Skipped, SkippedOpen{ReportID: r.ID, State: r.State})
			continue
		} else if err != nil {
			return nil, err
		}
		spec, err := s.roundSpecFor(ctx, tx, r, rr)
		if err != nil {
			return nil, err
		}
		if err := s.applyTransition(ctx, tx, &transitionWrite{R: r, D: d, Actor: u, Reason: rr.Note, Round: spec, Meta: meta}); err != nil {
			return nil, err
		}
		res.Opened = append(res.Opened, r.ID)
		opened = append(opened, t.AgencyID)
	}
	return opened, nil
}

// recordCampaignRound writes the campaign's round and its audit row.
func (s *Store) recordCampaignRound(ctx context.Context, tx *sqlx.Tx, u *workflow.User, campaignID int64, rr workflow.RoundRequest, res *RoundResult, opened []int64, meta Meta) error {
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
}
