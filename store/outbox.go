package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// Notification kinds: what happened, and so who hears of it.
// The kinds a transition causes are the transition table's (its Notifies
// column); the scheduler's own are reminders and campaign openings.
const (
	KindRoundOpened    = workflow.NoticeRoundOpened // the agency's updaters (they do the editing) and approvers
	KindCampaignOpened = "campaign_opened"          // the agency's updaters and approvers
	KindReminder       = "reminder"                 // the agency's updaters and approvers
	KindReturned       = workflow.NoticeReturned    // the agency's updaters
	KindSubmitted      = workflow.NoticeSubmitted   // the council
	KindLocked         = workflow.NoticeLocked      // the agency's approvers and the council
	KindExtended       = workflow.NoticeExtended    // the agency's approvers
)

// recipientRoles says which grants hear of each kind; RoleCouncil is
// province-wide, the others are the reports' agencies'.
var recipientRoles = map[string][]workflow.Role{
	KindRoundOpened:    {workflow.RoleUpdater, workflow.RoleApprover},
	KindCampaignOpened: {workflow.RoleUpdater, workflow.RoleApprover},
	KindReminder:       {workflow.RoleUpdater, workflow.RoleApprover},
	KindReturned:       {workflow.RoleUpdater},
	KindSubmitted:      {workflow.RoleCouncil},
	KindLocked:         {workflow.RoleApprover, workflow.RoleCouncil},
	KindExtended:       {workflow.RoleApprover},
}

// EventData is what an outbox event remembers of its cause. Its JSON names
// match notify.Data so the notifier can read it directly.
type EventData struct {
	Round         int        `json:"round"`
	OpensAt       *time.Time `json:"opens_at,omitempty"`
	ClosesAt      *time.Time `json:"closes_at,omitempty"`
	Criteria      []string   `json:"criteria,omitempty"`
	Note          string     `json:"note,omitempty"`
	Reason        string     `json:"reason,omitempty"`
	Actor         string     `json:"actor,omitempty"`
	OffsetSeconds int64      `json:"offset_seconds,omitempty"`
}

// insertEvent writes an outbox event in the caller's transaction, so that the
// notification exists if and only if what caused it was committed.
func (s *Store) insertEvent(ctx context.Context, tx *sqlx.Tx, kind string, reportIDs []int64, data EventData) error {
	if len(reportIDs) == 0 {
		return nil
	}
	ids, err := json.Marshal(reportIDs)
	if err != nil {
		return err
	}
	d, err := json.Marshal(data)
	if err != nil {
		return err
	}
	_, err = exec(ctx, tx, `INSERT INTO outbox (kind, report_ids, data, created_at) VALUES (?, ?, ?, ?)`,
		kind, string(ids), string(d), s.ts(s.now()))
	return err
}

// Notice is one recipient's view of one outbox event, handed to the renderer.
type Notice struct {
	EventID   int64
	Kind      string
	Data      json.RawMessage
	Campaign  string
	ReportIDs []int64  // the recipient's reports among the event's
	Agencies  []string // their agencies' names, in report order
	UserID    int64
	Email     string
	Name      string
}

// Rendered is a notice turned into words: the in-app title and body, and the email.
type Rendered struct {
	Subject, Text, HTML string
}

// FanOut turns up to limit pending outbox events into per-user notifications
// and pending emails, one transaction per event, and returns how many events
// it finished. Replicas may run it at once: on PostgreSQL each event is
// claimed with FOR UPDATE SKIP LOCKED, and (event, user) is unique besides.
// An event that cannot be fanned out (it cannot be rendered, say) stays
// pending and is retried on the next call, but does not hold up the events
// after it: its error is returned, joined with any others, after them. After
// MaxEventAttempts such failures it is dead: kept with its last error,
// counted by OutboxStats, never tried again. An unreachable database is not
// the event's failure and does not count.
func (s *Store) FanOut(ctx context.Context, limit int, render func(Notice) (Rendered, error)) (int, error) {
	done := 0
	var failed []error
	var after int64 // events up to here are done, failed in this call, or another replica's
	for done < limit {
		var claimed int64
		err := s.withTx(ctx, func(tx *sqlx.Tx) error {
			claim := `SELECT id, kind, report_ids, data FROM outbox WHERE done_at IS NULL AND dead_at IS NULL AND id > ? ORDER BY id LIMIT 1`
			if s.dialect == Postgres {
				claim += ` FOR UPDATE SKIP LOCKED`
			}
			var ev struct {
				ID        int64  `db:"id"`
				Kind      string `db:"kind"`
				ReportIDs string `db:"report_ids"`
				Data      string `db:"data"`
			}
			err := tx.GetContext(ctx, &ev, tx.Rebind(claim), after)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			} else if err != nil {
				return err
			}
			claimed = ev.ID
			var ids []int64
			if err := json.Unmarshal([]byte(ev.ReportIDs), &ids); err != nil {
				return err
			}
			if err := s.fanOutEvent(ctx, tx, ev.ID, ev.Kind, ids, json.RawMessage(ev.Data), render); err != nil {
				return err
			}
			_, err = exec(ctx, tx, `UPDATE outbox SET done_at = ? WHERE id = ?`, s.ts(s.now()), ev.ID)
			return err
		})
		switch {
		case err != nil && (claimed == 0 || ctx.Err() != nil):
			return done, errors.Join(append(failed, err)...) // the database, not the event
		case err != nil:
			failed = append(failed, fmt.Errorf("outbox event %d: %w", claimed, err))
			if workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
				if ferr := s.eventFailed(ctx, claimed, err); ferr != nil {
					return done, errors.Join(append(failed, ferr)...)
				}
			}
		case claimed == 0:
			return done, errors.Join(failed...)
		default:
			done++
		}
		after = claimed
	}
	return done, errors.Join(failed...)
}

// MaxEventAttempts is how many times an outbox event may fail to fan out
// before it is left dead.
const MaxEventAttempts = 20

// eventFailed counts a failed fan-out of an event, and kills it at the limit.
func (s *Store) eventFailed(ctx context.Context, id int64, cause error) error {
	msg := cause.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := exec(ctx, tx, `UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ? AND done_at IS NULL`,
			strings.ToValidUTF8(msg, "?"), id); err != nil {
			return err
		}
		_, err := exec(ctx, tx, `UPDATE outbox SET dead_at = ? WHERE id = ? AND attempts >= ? AND dead_at IS NULL`, s.ts(s.now()), id, MaxEventAttempts)
		return err
	})
}

// eventReports reads an event's reports with their agency and campaign. The
// ids go in as one JSON array, not one parameter each: a campaign of 70,000
// reports would pass both dialects' limits on parameters.
var eventReports = map[string]string{
	Postgres: `SELECT r.id, r.agency_id, a.name AS agency, c.name AS campaign FROM reports r
		JOIN agencies a ON a.id = r.agency_id JOIN campaigns c ON c.id = r.campaign_id
		WHERE r.id IN (SELECT value::bigint FROM json_array_elements_text($1::json)) ORDER BY r.id`,
	SQLite: `SELECT r.id, r.agency_id, a.name AS agency, c.name AS campaign FROM reports r
		JOIN agencies a ON a.id = r.agency_id JOIN campaigns c ON c.id = r.campaign_id
		WHERE r.id IN (SELECT value FROM json_each(?)) ORDER BY r.id`,
}

// fanOutEvent writes one notification and one email per recipient of an event.
func (s *Store) fanOutEvent(ctx context.Context, tx *sqlx.Tx, eventID int64, kind string, reportIDs []int64, data json.RawMessage, render func(Notice) (Rendered, error)) error {
	roles := recipientRoles[kind]
	if roles == nil {
		return workflow.Errorf(workflow.EINTERNAL, "Sự kiện chờ gửi %d có loại %q không xác định.", eventID, kind)
	}
	reports, err := s.eventReports(ctx, tx, reportIDs)
	if err != nil {
		return err
	}
	notices, err := recipients(ctx, tx, roles, reports, Notice{EventID: eventID, Kind: kind, Data: data})
	if err != nil {
		return err
	}
	now := s.ts(s.now())
	for _, n := range notices {
		if err := writeNotice(ctx, tx, n, now, render); err != nil {
			return err
		}
	}
	return nil
}

// eventReport is a report an event names, with what its notices say of it.
type eventReport struct {
	ID       int64  `db:"id"`
	AgencyID int64  `db:"agency_id"`
	Agency   string `db:"agency"`
	Campaign string `db:"campaign"`
}

func (s *Store) eventReports(ctx context.Context, tx *sqlx.Tx, reportIDs []int64) ([]eventReport, error) {
	ids, err := json.Marshal(reportIDs)
	if err != nil {
		return nil, err
	}
	var reports []eventReport
	err = tx.SelectContext(ctx, &reports, tx.Rebind(eventReports[s.dialect]), string(ids))
	return reports, err
}

// recipients is one notice per user holding one of roles over any of the
// reports (province-wide roles over all), naming each report once, in user
// order; base carries the event.
func recipients(ctx context.Context, tx *sqlx.Tx, roles []workflow.Role, reports []eventReport, base Notice) ([]Notice, error) {
	users := []struct {
		ID       int64  `db:"id"`
		Email    string `db:"email"`
		Name     string `db:"name"`
		Role     string `db:"role"`
		AgencyID *int64 `db:"agency_id"`
	}{}
	var roleNames []string
	for _, r := range roles {
		roleNames = append(roleNames, string(r))
	}
	q, args, err := sqlx.In(`SELECT u.id, u.email, u.name, g.role, g.agency_id FROM grants g JOIN users u ON u.id = g.user_id
		WHERE g.role IN (?) AND u.deactivated_at IS NULL ORDER BY u.id`, roleNames)
	if err != nil {
		return nil, err
	}
	if err := tx.SelectContext(ctx, &users, tx.Rebind(q), args...); err != nil {
		return nil, err
	}
	byUser := map[int64]int{} // index in out
	seen := map[[2]int64]bool{}
	var out []Notice
	for _, rep := range reports {
		for _, u := range users {
			if u.AgencyID != nil && *u.AgencyID != rep.AgencyID {
				continue
			}
			i, ok := byUser[u.ID]
			if !ok {
				n := base
				n.Campaign, n.UserID, n.Email, n.Name = rep.Campaign, u.ID, u.Email, u.Name
				i = len(out)
				byUser[u.ID] = i
				out = append(out, n)
			}
			if !seen[[2]int64{u.ID, rep.ID}] {
				seen[[2]int64{u.ID, rep.ID}] = true
				out[i].ReportIDs = append(out[i].ReportIDs, rep.ID)
				out[i].Agencies = append(out[i].Agencies, rep.Agency)
			}
		}
	}
	return out, nil
}

// writeNotice renders a notice and writes it as a notification and an
// email, once per event and user.
func writeNotice(ctx context.Context, tx *sqlx.Tx, n Notice, now any, render func(Notice) (Rendered, error)) error {
	out, err := render(n)
	if err != nil {
		return err
	}
	ids, _ := json.Marshal(n.ReportIDs)
	var nid int64
	err = tx.QueryRowxContext(ctx, tx.Rebind(`INSERT INTO notifications (user_id, event_id, kind, report_ids, title, body, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id, user_id) DO NOTHING RETURNING id`),
		n.UserID, n.EventID, n.Kind, string(ids), out.Subject, out.Text, now).Scan(&nid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // already fanned out to this user
	} else if err != nil {
		return err
	}
	_, err = exec(ctx, tx, `INSERT INTO emails (notification_id, to_addr, to_name, subject, text_body, html_body, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, nid, n.Email, n.Name, out.Subject, out.Text, out.HTML, now, now)
	return err
}

// Email is a message due for delivery, claimed by one sender for a lease.
type Email struct {
	ID       int64  `db:"id"`
	To       string `db:"to_addr"`
	ToName   string `db:"to_name"`
	Subject  string `db:"subject"`
	Text     string `db:"text_body"`
	HTML     string `db:"html_body"`
	Attempts int    `db:"attempts"`
}

// claimEmails is one statement per dialect: PostgreSQL skips rows another
// sender holds; SQLite has one writer, so the statement alone is the claim.
var claimEmails = map[string]string{
	Postgres: `UPDATE emails SET next_attempt_at = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM emails WHERE state = 'pending' AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
		RETURNING id, to_addr, to_name, subject, text_body, html_body, attempts`,
	SQLite: `UPDATE emails SET next_attempt_at = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM emails WHERE state = 'pending' AND next_attempt_at <= ?
			ORDER BY next_attempt_at, id LIMIT ?)
		RETURNING id, to_addr, to_name, subject, text_body, html_body, attempts`,
}

// ClaimEmails claims up to n due emails for lease: no other sender sees them
// until the lease ends, so a sender that dies mid-delivery only delays them.
func (s *Store) ClaimEmails(ctx context.Context, n int, lease time.Duration) ([]Email, error) {
	var out []Email
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		now := s.now()
		return tx.SelectContext(ctx, &out, tx.Rebind(claimEmails[s.dialect]), s.ts(now.Add(lease)), s.ts(now), n)
	})
	return out, err
}

// EmailSent records a delivery.
func (s *Store) EmailSent(ctx context.Context, id int64) error {
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		_, err := exec(ctx, tx, `UPDATE emails SET state = 'sent', sent_at = ?, last_error = '' WHERE id = ?`, s.ts(s.now()), id)
		return err
	})
}

// EmailFailed records a failed attempt: retried at retryAt, or dead (kept,
// visible, never retried) when dead is set.
func (s *Store) EmailFailed(ctx context.Context, id int64, cause error, retryAt time.Time, dead bool) error {
	state := "pending"
	if dead {
		state = "dead"
	}
	msg := cause.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		_, err := exec(ctx, tx, `UPDATE emails SET state = ?, next_attempt_at = ?, last_error = ? WHERE id = ? AND state = 'pending'`,
			state, s.ts(retryAt), strings.ToValidUTF8(msg, "?"), id)
		return err
	})
}

// OutboxStats counts what is waiting and what has failed for good.
type OutboxStats struct {
	PendingEvents int `db:"pending_events" json:"pending_events"`
	DeadEvents    int `db:"dead_events" json:"dead_events"`
	PendingEmails int `db:"pending_emails" json:"pending_emails"`
	DeadEmails    int `db:"dead_emails" json:"dead_emails"`
	SentEmails    int `db:"sent_emails" json:"sent_emails"`
}

// OutboxStats reads the outbox's backlog.
func (s *Store) OutboxStats(ctx context.Context) (OutboxStats, error) {
	var st OutboxStats
	err := s.db.GetContext(ctx, &st, `SELECT
		(SELECT COUNT(*) FROM outbox WHERE done_at IS NULL AND dead_at IS NULL) AS pending_events,
		(SELECT COUNT(*) FROM outbox WHERE dead_at IS NOT NULL) AS dead_events,
		(SELECT COUNT(*) FROM emails WHERE state = 'pending') AS pending_emails,
		(SELECT COUNT(*) FROM emails WHERE state = 'dead') AS dead_emails,
		(SELECT COUNT(*) FROM emails WHERE state = 'sent') AS sent_emails`)
	return st, s.dbError(err)
}

// Notification is one message in a user's in-app list.
type Notification struct {
	ID        int64      `db:"id"`
	Kind      string     `db:"kind"`
	ReportIDs []int64    `db:"-"`
	Title     string     `db:"title"`
	Body      string     `db:"body"`
	CreatedAt time.Time  `db:"-"`
	Read      bool       `db:"-"`
	ReadAt    *time.Time `db:"-"`

	RawReports string  `db:"report_ids"`
	RawCreated dbTime  `db:"created_at"`
	RawRead    *dbTime `db:"read_at"`
}

// ListNotifications returns the user's notifications, newest first, at most limit.
func (s *Store) ListNotifications(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]Notification, error) {
	q := `SELECT id, kind, report_ids, title, body, created_at, read_at FROM notifications WHERE user_id = ?`
	if unreadOnly {
		q += ` AND read_at IS NULL`
	}
	q += ` ORDER BY id DESC LIMIT ?`
	out := []Notification{}
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(q), userID, limit); err != nil {
		return nil, s.dbError(err)
	}
	for i := range out {
		n := &out[i]
		if err := json.Unmarshal([]byte(n.RawReports), &n.ReportIDs); err != nil {
			return nil, err
		}
		n.CreatedAt = n.RawCreated.Time
		n.ReadAt = n.RawRead.ptr()
		n.Read = n.ReadAt != nil
	}
	return out, nil
}

// MarkNotificationRead marks one of the user's notifications read; someone
// else's is ENOTFOUND. Marking twice keeps the first time.
func (s *Store) MarkNotificationRead(ctx context.Context, userID, id int64) error {
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		res, err := exec(ctx, tx, `UPDATE notifications SET read_at = COALESCE(read_at, ?) WHERE id = ? AND user_id = ?`, s.ts(s.now()), id, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy thông báo %d.", id)
		}
		return nil
	})
}

// CountUnread is how many of the user's notifications are unread (the
// pages' menu shows it).
func (s *Store) CountUnread(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`), userID)
	return n, s.dbError(err)
}
