package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// historyRow is one line of a report's audit trail.
type historyRow struct {
	ReportID int64
	At       any
	ActorID  *int64
	Role     workflow.Role
	Event    string
	From, To workflow.State
	Round    int
	Reason   string
	ClosesAt any // the new deadline of open_round and extend
	Meta     Meta
}

func insertHistory(ctx context.Context, tx *sqlx.Tx, h historyRow) error {
	_, err := exec(ctx, tx, `INSERT INTO history (report_id, at, actor_id, role, event, from_state, to_state, round, reason, closes_at, request_id, client_ip)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h.ReportID, h.At, h.ActorID, h.Role, h.Event, h.From, h.To, h.Round, h.Reason, h.ClosesAt, h.Meta.RequestID, h.Meta.ClientIP)
	return err
}

// roundSpec is the window and criteria of a supplementary round being opened.
type roundSpec struct {
	OpensAt, ClosesAt time.Time
	Criteria          []string
	Note              string
}

// applyTransition writes a decided transition: the state change guarded in SQL
// by the state and version read in this transaction, the history row, the
// outbox event it causes and, for open_round, the new round's window (which
// replaces any extension) or, for extend, the report's own deadline. The
// caller commits.
func (s *Store) applyTransition(ctx context.Context, tx *sqlx.Tx, r *workflow.Report, d workflow.Decision, actor *workflow.User, reason string, ifMatch bool, round *roundSpec, extendTo *time.Time, meta Meta) error {
	now := s.ts(s.now())
	var lockedFrom any
	if d.To == workflow.StateLocked {
		lockedFrom = string(d.From)
	}
	deadline, args := "", []any{d.To, d.Round, lockedFrom, now}
	var closesAt any
	switch {
	case round != nil:
		deadline = ", closes_at = NULL"
		closesAt = s.ts(round.ClosesAt)
	case extendTo != nil:
		deadline, closesAt = ", closes_at = ?", s.ts(*extendTo)
		args = append(args, closesAt)
	}
	res, err := exec(ctx, tx, `UPDATE reports SET state = ?, round = ?, version = version + 1, locked_from = ?, updated_at = ?`+deadline+`
		WHERE id = ? AND state = ? AND version = ?`,
		append(args, r.ID, r.State, r.Version)...)
	if err != nil {
		return err
	}
	if err := checkOneRow(res, ifMatch); err != nil {
		return err
	}
	if round != nil {
		criteria, err := json.Marshal(round.Criteria)
		if err != nil {
			return err
		}
		if _, err := exec(ctx, tx, `INSERT INTO report_rounds (report_id, number, opens_at, closes_at, criteria, note) VALUES (?, ?, ?, ?, ?, ?)`,
			r.ID, d.Round, s.ts(round.OpensAt), s.ts(round.ClosesAt), string(criteria), round.Note); err != nil {
			return err
		}
	}
	var actorID *int64
	var actorName string
	if actor != nil {
		actorID, actorName = &actor.ID, actor.Name
	}
	reason = workflow.NormalizeText(reason)
	if err := insertHistory(ctx, tx, historyRow{ReportID: r.ID, At: now, ActorID: actorID, Role: d.Role, Event: string(d.Event),
		From: d.From, To: d.To, Round: d.Round, Reason: reason, ClosesAt: closesAt, Meta: meta}); err != nil {
		return err
	}
	if err := s.transitionEvent(ctx, tx, r.ID, d, actorName, reason, round, extendTo); err != nil {
		return err
	}
	r.State, r.Round, r.Version = d.To, d.Round, r.Version+1
	return nil
}

// transitionEvent writes the outbox event a transition causes, if any.
func (s *Store) transitionEvent(ctx context.Context, tx *sqlx.Tx, id int64, d workflow.Decision, actor, reason string, round *roundSpec, extendTo *time.Time) error {
	data := EventData{Round: d.Round, Actor: actor, Reason: reason}
	var kind string
	switch d.Event {
	case workflow.EventReturn:
		kind = KindReturned
	case workflow.EventSubmit:
		kind = KindSubmitted
	case workflow.EventExtend:
		kind, data.ClosesAt = KindExtended, extendTo
	case workflow.EventOpenRound:
		kind, data.Reason = KindRoundOpened, ""
		data.OpensAt, data.ClosesAt, data.Criteria, data.Note = &round.OpensAt, &round.ClosesAt, round.Criteria, round.Note
	default:
		return nil
	}
	return s.insertEvent(ctx, tx, kind, []int64{id}, data)
}

// Transition fires an event on a report in one transaction: read the report,
// check role, If-Match, window, state and content guards, write the guarded
// state change and its history row, commit. round carries open_round's window
// (its opens_at is now: a round opened on one report opens at once). Returns,
// in the API's order: ENOTFOUND, EINVALID (unknown event), EFORBIDDEN,
// EPRECONDITION, ELOCKED, ECONFLICT, EINVALID (content).
func (s *Store) Transition(ctx context.Context, u *workflow.User, id int64, req workflow.TransitionRequest, round *workflow.RoundRequest, meta Meta) (*workflow.Report, error) {
	var out *workflow.Report
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		r, err := s.loadReport(ctx, tx, u, id)
		if err != nil {
			return err
		}
		now := s.now()
		d, err := workflow.Decide(r, u, req, now)
		if err != nil {
			return err
		}
		if req.Invalid != nil {
			return req.Invalid
		}
		var spec *roundSpec
		var extendTo *time.Time
		switch d.Event {
		case workflow.EventComplete:
			set, err := s.criteriaSet(ctx, tx, r.CriteriaSetID)
			if err != nil {
				return err
			}
			values, err := loadEntryValues(ctx, tx, id)
			if err != nil {
				return err
			}
			r.Fill(set, values)
			if missing := r.MissingForComplete(); missing != nil {
				return workflow.Errorf(workflow.EINVALID, "%d criteria still need a score, and evidence or an explanation.", len(missing)).WithFields(missing...)
			}
		case workflow.EventSign:
			if err := s.checkSignedSummary(ctx, tx, r); err != nil {
				return err
			}
		case workflow.EventExtend:
			if round == nil {
				return workflow.Errorf(workflow.EINVALID, "extend needs the report's new closes_at.").
					WithFields(workflow.FieldError{Field: "closes_at", Message: "required"})
			}
			if !round.ClosesAt.After(now) || !round.ClosesAt.After(r.OpensAt) {
				return workflow.Errorf(workflow.EINVALID, "The new deadline must be in the future.").
					WithFields(workflow.FieldError{Field: "closes_at", Message: "must be after now"})
			}
			extendTo = &round.ClosesAt
		case workflow.EventOpenRound:
			if round == nil {
				return workflow.Errorf(workflow.EINVALID, "open_round needs the round's closes_at.").
					WithFields(workflow.FieldError{Field: "closes_at", Message: "required"})
			}
			rr := *round
			rr.OpensAt = now
			if err := rr.Validate(now); err != nil {
				return err
			}
			if spec, err = s.roundSpecFor(ctx, tx, r, rr); err != nil {
				return err
			}
		}
		if err := s.applyTransition(ctx, tx, r, d, u, req.Reason, req.IfMatch != nil, spec, extendTo, meta); err != nil {
			return err
		}
		out = r
		return nil
	})
	return out, err
}

// roundSpecFor resolves a round's criteria against the report's set.
func (s *Store) roundSpecFor(ctx context.Context, tx *sqlx.Tx, r *workflow.Report, rr workflow.RoundRequest) (*roundSpec, error) {
	set, err := s.criteriaSet(ctx, tx, r.CriteriaSetID)
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
			if err := s.applyTransition(ctx, tx, r, d, u, rr.Note, false, spec, nil, meta); err != nil {
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
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
