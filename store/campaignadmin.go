package store

import (
	"context"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// CampaignPatch holds what may change in a campaign before it opens; nil
// leaves a field as it is.
type CampaignPatch struct {
	Name     *string
	OpensAt  *time.Time
	ClosesAt *time.Time
}

// UpdateCampaign changes a campaign's name or window before it opens and
// writes the audit row, in one transaction. The window is a decision input
// of every report of the campaign, so each report's version moves on (the
// guard a cached decision's write is checked against). Returns ENOTFOUND,
// EINVALID, ECONFLICT once the campaign has opened or for a name its year
// already has.
func (s *Store) UpdateCampaign(ctx context.Context, actor *workflow.User, id int64, p CampaignPatch, meta Meta) (*workflow.Campaign, error) {
	if err := mayAdminister(actor, workflow.ActCampaignManage); err != nil {
		return nil, err
	}
	old, err := s.GetCampaign(ctx, id)
	if err != nil {
		return nil, err
	}
	err = s.withTx(ctx, func(tx *sqlx.Tx) error {
		var opens dbTime
		if err := tx.GetContext(ctx, &opens, tx.Rebind(`SELECT opens_at FROM campaigns WHERE id = ?`), id); err != nil {
			return err
		}
		if !s.now().Before(opens.Time) {
			return workflow.Errorf(workflow.ECONFLICT, "Kỳ đánh giá đã mở nên không sửa được tên và thời hạn.")
		}
		c := *old
		if p.Name != nil {
			c.Name = *p.Name
		}
		if p.OpensAt != nil {
			c.OpensAt = *p.OpensAt
		}
		if p.ClosesAt != nil {
			c.ClosesAt = *p.ClosesAt
		}
		if err := c.Validate(); err != nil {
			return err
		}
		// Guarded by what the patch was applied to: a change made meanwhile
		// is not overwritten, the caller reloads.
		res, err := exec(ctx, tx, `UPDATE campaigns SET name = ?, opens_at = ?, closes_at = ?
			WHERE id = ? AND name = ? AND opens_at = ? AND closes_at = ?`,
			c.Name, s.ts(c.OpensAt), s.ts(c.ClosesAt), id, old.Name, s.ts(old.OpensAt), s.ts(old.ClosesAt))
		if err != nil {
			return s.duplicate(err, "name", "Năm %d đã có kỳ đánh giá «%s».", c.Year, c.Name)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return workflow.Errorf(workflow.ECONFLICT, "Kỳ đánh giá vừa được sửa: hãy tải lại rồi thử lại.")
		}
		if _, err := exec(ctx, tx, `UPDATE reports SET version = version + 1 WHERE campaign_id = ?`, id); err != nil {
			return err
		}
		type window struct {
			Name     string    `json:"name"`
			OpensAt  time.Time `json:"opens_at"`
			ClosesAt time.Time `json:"closes_at"`
		}
		return s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditCampaign, Action: "update", Target: strconv.FormatInt(id, 10),
			Detail: struct {
				Before window `json:"before"`
				After  window `json:"after"`
			}{window{old.Name, old.OpensAt, old.ClosesAt}, window{c.Name, c.OpensAt.UTC().Truncate(time.Microsecond), c.ClosesAt.UTC().Truncate(time.Microsecond)}},
			Meta: meta})
	})
	if err != nil {
		return nil, err
	}
	return s.GetCampaign(ctx, id)
}

// CancelCampaign removes a campaign posted by mistake, with its reports, in
// one transaction, and writes the audit row (name, year, window, how many
// reports). Only a campaign in which no work was done may go: every report
// a draft of round 0 with no entry, evidence file or signed summary.
// Returns ENOTFOUND, or ECONFLICT when any work was done.
func (s *Store) CancelCampaign(ctx context.Context, actor *workflow.User, id int64, meta Meta) error {
	if err := mayAdminister(actor, workflow.ActCampaignManage); err != nil {
		return err
	}
	c, err := s.GetCampaign(ctx, id)
	if err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		var work int
		if err := tx.GetContext(ctx, &work, tx.Rebind(`SELECT
			(SELECT COUNT(*) FROM entries e JOIN reports r ON r.id = e.report_id WHERE r.campaign_id = ?) +
			(SELECT COUNT(*) FROM evidence v JOIN reports r ON r.id = v.report_id WHERE r.campaign_id = ?) +
			(SELECT COUNT(*) FROM signed_summaries ss JOIN reports r ON r.id = ss.report_id WHERE r.campaign_id = ?) +
			(SELECT COUNT(*) FROM reports r WHERE r.campaign_id = ? AND (r.state <> ? OR r.round <> 0))`), id, id, id, id, workflow.StateDraft); err != nil {
			return err
		}
		if work > 0 {
			return workflow.Errorf(workflow.ECONFLICT, "Kỳ đánh giá %d đã có báo cáo được nhập liệu nên không hủy được.", id)
		}
		// The reports' history, rounds, exemptions and reminders go with
		// them (ON DELETE CASCADE); the audit row below keeps the record.
		res, err := exec(ctx, tx, `DELETE FROM reports WHERE campaign_id = ?`, id)
		if err != nil {
			return err
		}
		reports, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if _, err := exec(ctx, tx, `DELETE FROM campaigns WHERE id = ?`, id); err != nil {
			return err
		}
		return s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditCampaign, Action: "cancel", Target: strconv.FormatInt(id, 10),
			Detail: struct {
				Name     string    `json:"name"`
				Year     int       `json:"year"`
				OpensAt  time.Time `json:"opens_at"`
				ClosesAt time.Time `json:"closes_at"`
				Reports  int64     `json:"reports"`
			}{c.Name, c.Year, c.OpensAt, c.ClosesAt, reports}, Meta: meta})
	})
}

// AddCampaignReport gives an agency created (or reactivated) after a
// campaign began a draft report in it, with the campaign's criteria set for
// the agency's kind, and writes a history row, the audit row and, when the
// campaign's opening was already announced, the announcement to the new
// report's officials, in one transaction. Returns ENOTFOUND for an unknown campaign or agency,
// EINVALID when the campaign has no criteria set for the agency's kind,
// ECONFLICT when the campaign is over, the agency is deactivated or already
// has a report in it.
func (s *Store) AddCampaignReport(ctx context.Context, actor *workflow.User, campaignID, agencyID int64, meta Meta) (*workflow.Report, error) {
	if err := mayAdminister(actor, workflow.ActCampaignManage); err != nil {
		return nil, err
	}
	c, err := s.GetCampaign(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.withTx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		if !now.Before(c.ClosesAt) {
			return workflow.Errorf(workflow.ECONFLICT, "Kỳ đánh giá %d đã kết thúc.", campaignID)
		}
		a, err := agencyActive(ctx, tx, agencyID)
		if err != nil {
			return err
		}
		setID, ok := c.CriteriaSets[a.Kind]
		if !ok {
			return workflow.Errorf(workflow.EINVALID, "Kỳ đánh giá không có bộ tiêu chí cho loại đơn vị %s.", a.Kind).
				WithFields(workflow.Field("agency_id", "Kỳ đánh giá không có bộ tiêu chí cho loại đơn vị %s.", a.Kind))
		}
		at := s.ts(now)
		id, err = insertID(ctx, tx, `INSERT INTO reports (campaign_id, agency_id, criteria_set_id, state, round, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, 0, 1, ?, ?)`, campaignID, agencyID, setID, workflow.StateDraft, at, at)
		if err != nil {
			return s.duplicate(err, "agency_id", "Đơn vị %s đã có báo cáo trong kỳ đánh giá này.", a.Code)
		}
		h := historyRow{ReportID: id, At: at, Role: workflow.RoleAdmin, Event: "added", From: workflow.StateDraft, To: workflow.StateDraft, Meta: meta}
		if actor != nil {
			h.ActorID = &actor.ID
		}
		if err := insertHistory(ctx, tx, h); err != nil {
			return err
		}
		// Once the campaign's opening was announced, the new report's
		// officials hear of it on their own; before, the announcement will
		// include their report.
		var announced *dbTime
		if err := tx.GetContext(ctx, &announced, tx.Rebind(`SELECT opened_notified_at FROM campaigns WHERE id = ?`), campaignID); err != nil {
			return err
		}
		if announced != nil {
			if err := s.insertEvent(ctx, tx, KindCampaignOpened, []int64{id}, EventData{OpensAt: &c.OpensAt, ClosesAt: &c.ClosesAt}); err != nil {
				return err
			}
		}
		return s.insertAudit(ctx, tx, auditRow{Actor: actor, Kind: AuditCampaign, Action: "add-report", Target: strconv.FormatInt(campaignID, 10),
			Detail: struct {
				ReportID int64 `json:"report_id"`
				AgencyID int64 `json:"agency_id"`
			}{id, agencyID}, Meta: meta})
	})
	if err != nil {
		return nil, err
	}
	return s.GetReport(ctx, nil, id)
}
