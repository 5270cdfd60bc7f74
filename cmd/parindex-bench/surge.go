package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"parindex/store"
)

// surgeResult is what became of a campaign whose every agency worked until
// its deadline passed.
type surgeResult struct {
	Window            time.Duration
	Submitted, Locked int
	Other             int // neither submitted nor locked once the sweep had run
	Late              int // writes answered 2xx although sent after the deadline
	LateRows          int // history or entry revisions written at or after the deadline, other than locks
	Refused           int // writes refused with 423 because the window had closed when they arrived
	Errors            int // writes that failed otherwise
	First             string
	LagP50, LagP99    time.Duration
	LagMax            time.Duration
	Settled           time.Duration // from the deadline until a client saw no report left open
}

// runSurge creates a campaign over the API that closes after cfg.Surge and has
// every agency save, complete, approve, sign and submit against it with
// cfg.Clients clients; then it waits for the service's own scheduler to lock
// what was not submitted and measures the lock lag from the database.
func runSurge(ctx context.Context, cfg benchConfig, w *benchWorld, ops *benchOps) (*surgeResult, error) {
	now := time.Now()
	closes := now.Add(cfg.Surge)
	body, _ := json.Marshal(map[string]any{
		"name": "Thử tải hạn chót " + now.Format(time.RFC3339), "year": now.Year(),
		"opens_at": now.Add(-time.Minute).Format(time.RFC3339Nano), "closes_at": closes.Format(time.RFC3339Nano),
		"criteria_sets": w.sets,
	})
	out, _, err := ops.c.call(ctx, "campaign", http.MethodPost, "/api/v1/campaigns", w.admin, "application/json", body, http.StatusCreated)
	if err != nil {
		return nil, err
	}
	var campaign struct {
		ID       int64     `json:"id"`
		ClosesAt time.Time `json:"closes_at"`
	}
	if err := json.Unmarshal(out, &campaign); err != nil {
		return nil, err
	}
	closes = campaign.ClosesAt
	s, err := store.Open(ctx, w.db, nil)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	surge := &benchWorld{db: w.db, adminID: w.adminID, leaves: w.leaves}
	for _, a := range w.agencies {
		copy := *a
		surge.agencies = append(surge.agencies, &copy)
	}
	if err := surge.attachReports(ctx, s, campaign.ID); err != nil {
		return nil, err
	}

	res := &surgeResult{Window: cfg.Surge}
	var mu sync.Mutex
	// write runs one write of the flow and sorts its outcome by the deadline.
	write := func(fn func() error) bool {
		sent := time.Now()
		err := fn()
		mu.Lock()
		defer mu.Unlock()
		var answer *answerError
		switch {
		case err == nil && !sent.Before(closes):
			res.Late++
		case errors.As(err, &answer) && answer.Status == http.StatusLocked:
			res.Refused++
		case err != nil:
			if res.Errors == 0 {
				res.First = err.Error()
			}
			res.Errors++
		}
		return err == nil
	}
	sops := &benchOps{c: ops.c, w: surge, signer: ops.signer}
	spread(ctx, cfg.Clients, len(surge.agencies), func(i int) {
		a := surge.agencies[i]
		_ = write(func() error { return sops.entries(ctx, a, "surge") }) &&
			write(func() error { return sops.fire(ctx, a, "surge", "complete") }) &&
			write(func() error { return sops.fire(ctx, a, "surge", "approve") }) &&
			write(func() error { return sops.signSummary(ctx, a, "surge", "surge") }) &&
			write(func() error { return sops.fire(ctx, a, "surge", "sign") }) &&
			write(func() error { return sops.fire(ctx, a, "surge", "submit") })
	})
	// The figures are read once the deadline has passed and the service's
	// scheduler has locked every report that was not submitted.
	if wait := time.Until(closes); wait > 0 {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait): // the deadline is the event measured, not a timing guess
		}
	}
	if err := waitSettled(ctx, s, campaign.ID, closes.Add(2*time.Minute)); err != nil {
		return nil, err
	}
	res.Settled = time.Since(closes)
	return res, surgeFigures(ctx, s, campaign.ID, closes, res)
}

// waitSettled polls until no report of the campaign is still open for work:
// every one submitted or locked by the service's scheduler.
func waitSettled(ctx context.Context, s *store.Store, campaign int64, limit time.Time) error {
	for {
		var open int
		err := s.DB().GetContext(ctx, &open, s.DB().Rebind(`SELECT COUNT(*) FROM reports WHERE campaign_id = ? AND state NOT IN ('submitted', 'locked')`), campaign)
		if err != nil {
			return err
		}
		if open == 0 {
			return nil
		}
		if time.Now().After(limit) {
			return fmt.Errorf("%d reports are neither submitted nor locked two minutes after the deadline", open)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond): // polling the database; the poll bounds the figure from above
		}
	}
}

// surgeFigures counts the outcome from the database: states, late rows, and
// the lag from the deadline to each lock's commit time.
func surgeFigures(ctx context.Context, s *store.Store, campaign int64, closes time.Time, res *surgeResult) error {
	db := s.DB()
	rows := []struct {
		State string `db:"state"`
		N     int    `db:"n"`
	}{}
	if err := db.SelectContext(ctx, &rows, db.Rebind(`SELECT state, COUNT(*) AS n FROM reports WHERE campaign_id = ? GROUP BY state`), campaign); err != nil {
		return err
	}
	for _, r := range rows {
		switch r.State {
		case "submitted":
			res.Submitted = r.N
		case "locked":
			res.Locked = r.N
		default:
			res.Other += r.N
		}
	}
	at := benchTime(s, closes)
	var late int
	if err := db.GetContext(ctx, &late, db.Rebind(`SELECT
		(SELECT COUNT(*) FROM history h JOIN reports r ON r.id = h.report_id WHERE r.campaign_id = ? AND h.event <> 'lock' AND h.at >= ?) +
		(SELECT COUNT(*) FROM entry_revisions e JOIN reports r ON r.id = e.report_id WHERE r.campaign_id = ? AND e.at >= ?)`),
		campaign, at, campaign, at); err != nil {
		return err
	}
	res.LateRows = late
	var locks []benchInstant
	if err := db.SelectContext(ctx, &locks, db.Rebind(`SELECT h.at FROM history h JOIN reports r ON r.id = h.report_id WHERE r.campaign_id = ? AND h.event = 'lock'`), campaign); err != nil {
		return err
	}
	if len(locks) == 0 {
		return nil
	}
	lags := make([]time.Duration, len(locks))
	for i, l := range locks {
		lags[i] = l.Time.Sub(closes)
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	res.LagP50, res.LagP99, res.LagMax = lags[len(lags)/2], lags[min(len(lags)-1, len(lags)*99/100)], lags[len(lags)-1]
	return nil
}

// benchInstant scans an instant from either dialect.
type benchInstant struct {
	Time time.Time `db:"at"`
}

func (b *benchInstant) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		b.Time = v
		return nil
	case string:
		t, err := time.Parse(time.RFC3339Nano, v)
		b.Time = t
		return err
	case []byte:
		t, err := time.Parse(time.RFC3339Nano, string(v))
		b.Time = t
		return err
	}
	return fmt.Errorf("cannot scan %T as an instant", v)
}
