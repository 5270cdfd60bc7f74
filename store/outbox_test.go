package store_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// testRender stands in for the notifier: the title names the kind and the
// recipient's agencies, the body is the event's data.
func testRender(n store.Notice) (store.Rendered, error) {
	subject := n.Kind + ": " + strings.Join(n.Agencies, ", ")
	return store.Rendered{Subject: subject, Text: string(n.Data), HTML: "<p>" + subject + "</p>"}, nil
}

// fanOut turns every pending event into notifications and emails.
func fanOut(t testing.TB, s *store.Store) int {
	t.Helper()
	n, err := s.FanOut(ctx, 1000, testRender)
	if err != nil {
		t.Fatalf("fan out: %v", err)
	}
	return n
}

// delivered is one notification with its recipient and email.
type delivered struct {
	ID        int64  `db:"id"`
	Kind      string `db:"kind"`
	Email     string `db:"email"`
	ReportIDs string `db:"report_ids"`
	Title     string `db:"title"`
	Body      string `db:"body"`
	EmailTo   string `db:"to_addr"`
	Subject   string `db:"subject"`
}

// notificationsAfter returns the notifications after id, each with the
// recipient's address and its email (every notification has exactly one).
func notificationsAfter(t testing.TB, s *store.Store, after int64) []delivered {
	t.Helper()
	var out []delivered
	if err := s.DB().Select(&out, s.DB().Rebind(`SELECT n.id, n.kind, u.email, n.report_ids, n.title, n.body, e.to_addr, e.subject
		FROM notifications n JOIN users u ON u.id = n.user_id JOIN emails e ON e.notification_id = n.id
		WHERE n.id > ? ORDER BY n.id`), after); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM notifications WHERE id > ?`, after); n != len(out) {
		t.Fatalf("%d notifications but %d with an email", n, len(out))
	}
	for _, d := range out {
		if d.EmailTo != d.Email || d.Subject != d.Title {
			t.Fatalf("notification %d to %s has an email to %s about %q", d.ID, d.Email, d.EmailTo, d.Subject)
		}
	}
	return out
}

// lastNotification is the newest notification's id, 0 for none.
func lastNotification(t testing.TB, s *store.Store) int64 {
	t.Helper()
	return int64(count(t, s, `SELECT COALESCE(MAX(id), 0) FROM notifications`))
}

// recipients lists "kind email [report ids]" for the notifications, sorted.
func recipients(ds []delivered) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Kind+" "+d.Email+" "+d.ReportIDs)
	}
	slices.Sort(out)
	return out
}

// expect builds the sorted "kind email [ids]" lines of recipients.
func expect(kind string, ids []int64, users ...*workflow.User) []string {
	b, _ := json.Marshal(ids)
	var out []string
	for _, u := range users {
		out = append(out, kind+" "+u.Email+" "+string(b))
	}
	slices.Sort(out)
	return out
}

// TestFanOutRecipients: each kind of event reaches exactly the right people,
// once per event, with one email per notification. A second approver of an
// agency hears what the first does; an approver of two agencies gets one
// notification naming both reports; the admin hears of nothing.
func TestFanOutRecipients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s := w.Store
		dept, dept2, district := w.Dept, w.Dept2, w.District
		approver2 := storetest.MustUser(t, s, "approver2.stp@test.example.vn", workflow.Grant{Role: workflow.RoleApprover, AgencyID: &dept.ID})
		both := storetest.MustUser(t, s, "approver.both@test.example.vn",
			workflow.Grant{Role: workflow.RoleApprover, AgencyID: &dept.ID}, workflow.Grant{Role: workflow.RoleApprover, AgencyID: &district.ID})
		council2 := storetest.MustUser(t, s, "council2@test.example.vn", workflow.Grant{Role: workflow.RoleCouncil})
		// An updater of one agency who approves another hears each in its role.
		mixed := storetest.MustUser(t, s, "mixed@test.example.vn",
			workflow.Grant{Role: workflow.RoleUpdater, AgencyID: &dept2.ID}, workflow.Grant{Role: workflow.RoleApprover, AgencyID: &district.ID})
		ids := func(as ...*storetest.Agency) []int64 {
			var out []int64
			for _, a := range as {
				out = append(out, a.ReportID)
			}
			return out
		}
		step := func(name string, want []string, do func()) []delivered {
			t.Helper()
			mark := lastNotification(t, s)
			do()
			if n := fanOut(t, s); n != 1 {
				t.Fatalf("%s: fanned out %d events, want 1", name, n)
			}
			got := notificationsAfter(t, s, mark)
			if !slices.Equal(recipients(got), want) {
				t.Fatalf("%s reached:\n  %s\nwant:\n  %s", name, strings.Join(recipients(got), "\n  "), strings.Join(want, "\n  "))
			}
			if n := fanOut(t, s); n != 0 {
				t.Fatalf("%s: a second fan-out found %d events", name, n)
			}
			if got := notificationsAfter(t, s, mark); len(got) != len(want) {
				t.Fatalf("%s: %d notifications after the second fan-out", name, len(got))
			}
			return got
		}

		// Campaign opened → every updater and approver of its agencies, once.
		var want []string
		want = append(want, expect(store.KindCampaignOpened, ids(dept), dept.Updater, dept.Approver, approver2)...)
		want = append(want, expect(store.KindCampaignOpened, ids(dept2), dept2.Updater, dept2.Approver)...)
		want = append(want, expect(store.KindCampaignOpened, ids(district), district.Updater, district.Approver)...)
		want = append(want, expect(store.KindCampaignOpened, ids(dept, district), both)...)
		want = append(want, expect(store.KindCampaignOpened, ids(dept2, district), mixed)...)
		slices.Sort(want)
		step("campaign opened", want, func() {
			if got, err := s.NotifyOpenedCampaigns(ctx); err != nil || len(got) != 1 {
				t.Fatalf("opened %v, %v", got, err)
			}
		})
		if got, err := s.NotifyOpenedCampaigns(ctx); err != nil || len(got) != 0 {
			t.Fatalf("announced again: %v, %v", got, err)
		}
		if n := fanOut(t, s); n != 0 {
			t.Fatalf("nothing new, yet %d events fanned out", n)
		}

		// Returned → the agency's updaters only, with the reason and who returned it.
		walk(t, w, dept, workflow.StateEntered)
		got := step("returned", expect(store.KindReturned, ids(dept), dept.Updater), func() {
			w.Fire(t, dept.Approver, dept, workflow.EventReturn, "Thiếu tài liệu kiểm chứng tiêu chí 1.2")
		})
		if !strings.Contains(got[0].Body, "Thiếu tài liệu kiểm chứng tiêu chí 1.2") || !strings.Contains(got[0].Body, dept.Approver.Name) {
			t.Fatalf("returned body %s lacks the reason or the approver", got[0].Body)
		}

		// Submitted → the council.
		walk(t, w, dept2, workflow.StateSigned)
		step("submitted", expect(store.KindSubmitted, ids(dept2), w.Council, council2), func() {
			w.Fire(t, dept2.Approver, dept2, workflow.EventSubmit, "")
		})

		// Locked without submission → the agencies' approvers and the council;
		// one notification per person for the whole sweep.
		want = nil
		want = append(want, expect(store.KindLocked, ids(dept), dept.Approver, approver2)...)
		want = append(want, expect(store.KindLocked, ids(district), district.Approver, mixed)...)
		want = append(want, expect(store.KindLocked, ids(dept, district), both, w.Council, council2)...)
		slices.Sort(want)
		step("locked", want, func() {
			w.Clock.Set(w.Campaign.ClosesAt)
			if got := lockDue(t, s); !slices.Equal(got, ids(dept, district)) {
				t.Fatalf("locked %v", got)
			}
		})

		// Extended → the agency's approvers.
		now := w.Clock.Now()
		step("extended", expect(store.KindExtended, ids(dept), dept.Approver, approver2, both), func() {
			if _, err := extend(w, w.Council, dept.ReportID, now.Add(time.Hour), "Sự cố mạng"); err != nil {
				t.Fatal(err)
			}
		})

		// Round opened → the updaters and approvers of the targeted agencies only.
		step("round opened", expect(store.KindRoundOpened, ids(dept2), dept2.Updater, dept2.Approver, mixed), func() {
			if _, err := s.OpenCampaignRound(ctx, w.Council, w.Campaign.ID, workflow.RoundRequest{OpensAt: now, ClosesAt: now.Add(5 * time.Hour),
				AgencyIDs: []int64{dept2.ID}, Note: "Bổ sung minh chứng"}, store.Meta{}); err != nil {
				t.Fatal(err)
			}
		})

		// Reminder → the updaters and approvers of the agency not submitted.
		step("reminder", expect(store.KindReminder, ids(dept), dept.Updater, dept.Approver, approver2, both), func() {
			if n, err := s.RemindDue(ctx, []time.Duration{2 * time.Hour}); err != nil || n != 1 {
				t.Fatalf("reminded %d, %v", n, err)
			}
		})

		// Nobody with no agency role but the council ever heard anything.
		if n := count(t, s, `SELECT COUNT(*) FROM notifications WHERE user_id = ?`, w.Admin.ID); n != 0 {
			t.Fatalf("the admin got %d notifications", n)
		}
		st, err := s.OutboxStats(ctx)
		if err != nil || st.PendingEvents != 0 || st.PendingEmails != count(t, s, `SELECT COUNT(*) FROM emails`) || st.DeadEmails != 0 || st.SentEmails != 0 {
			t.Fatalf("stats %+v, %v", st, err)
		}
	})
}

// TestFanOutConcurrent: three notifiers on two store handles (replicas) drain
// the outbox at once: every event is fanned out by exactly one of them, and
// every recipient gets one notification and one email per event.
func TestFanOutConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		clock, s1, s2 := replicas(t, dialect)
		w := storetest.NewWorld(t, s1, clock)
		// 6 events: campaign opened (6 people), a 24h reminder (6), the lock
		// (3 approvers and the council), three extensions (an approver each).
		if _, err := s1.NotifyOpenedCampaigns(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s1.RemindDue(ctx, []time.Duration{24 * time.Hour}); err != nil {
			t.Fatal(err)
		}
		clock.Set(w.Campaign.ClosesAt)
		lockDue(t, s1)
		for _, a := range []*storetest.Agency{w.Dept, w.Dept2, w.District} {
			if _, err := extend(w, w.Council, a.ReportID, clock.Now().Add(time.Hour), "Gia hạn chung"); err != nil {
				t.Fatal(err)
			}
		}
		const events, people = 6, 6 + 6 + 4 + 3

		var wg sync.WaitGroup
		done := make([]int, 6)
		gun := make(chan struct{})
		for i := range done {
			wg.Go(func() {
				<-gun
				s := eachReplica(i, s1, s2)
				for {
					n, err := s.FanOut(ctx, 1, testRender)
					if err != nil {
						t.Errorf("notifier %d: %v", i, err)
						return
					}
					if n == 0 {
						return
					}
					done[i] += n
				}
			})
		}
		close(gun)
		wg.Wait()
		total := 0
		for _, n := range done {
			total += n
		}
		if total != events {
			t.Fatalf("the notifiers finished %d events between them (%v), want %d", total, done, events)
		}
		if n := count(t, s1, `SELECT COUNT(*) FROM notifications`); n != people {
			t.Fatalf("%d notifications, want %d", n, people)
		}
		if n := count(t, s1, `SELECT COUNT(*) FROM emails`); n != people {
			t.Fatalf("%d emails, want %d", n, people)
		}
		if n := count(t, s1, `SELECT COUNT(*) FROM outbox WHERE done_at IS NULL`); n != 0 {
			t.Fatalf("%d events left", n)
		}
	})
}

// TestNotificationsListAndRead: a user's notifications, newest first, only
// their own; marking read keeps the first time and hides it from the unread.
func TestNotificationsListAndRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		// Three events for the Dept approver: campaign opened, locked, extended.
		if _, err := s.NotifyOpenedCampaigns(ctx); err != nil {
			t.Fatal(err)
		}
		fanOut(t, s)
		w.Clock.Set(w.Campaign.ClosesAt)
		lockDue(t, s)
		fanOut(t, s)
		w.Clock.Add(time.Minute)
		if _, err := extend(w, w.Admin, a.ReportID, w.Clock.Now().Add(time.Hour), "Gia hạn"); err != nil {
			t.Fatal(err)
		}
		fanOut(t, s)

		list, err := s.ListNotifications(ctx, a.Approver.ID, false, 50)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, n := range list {
			kinds = append(kinds, n.Kind)
			if n.Read || n.ReadAt != nil {
				t.Fatalf("notification %d is read already", n.ID)
			}
			if !slices.Contains(n.ReportIDs, a.ReportID) {
				t.Fatalf("notification %d is about %v", n.ID, n.ReportIDs)
			}
		}
		if want := []string{store.KindExtended, store.KindLocked, store.KindCampaignOpened}; !slices.Equal(kinds, want) {
			t.Fatalf("kinds newest first %v, want %v", kinds, want)
		}
		if !list[0].CreatedAt.Equal(w.Clock.Now()) || !list[1].CreatedAt.Equal(w.Campaign.ClosesAt) || !list[2].CreatedAt.Equal(start) {
			t.Fatalf("created at %s, %s, %s", list[0].CreatedAt, list[1].CreatedAt, list[2].CreatedAt)
		}
		if list[0].Title != "extended: Sở Tư pháp" {
			t.Fatalf("title %q", list[0].Title)
		}
		if l, _ := s.ListNotifications(ctx, a.Approver.ID, false, 2); len(l) != 2 || l[0].ID != list[0].ID {
			t.Fatalf("limit 2: %+v", l)
		}

		// Marking read: the first time stays; someone else's is not found.
		w.Clock.Add(time.Minute)
		readAt := w.Clock.Now()
		if err := s.MarkNotificationRead(ctx, a.Approver.ID, list[1].ID); err != nil {
			t.Fatal(err)
		}
		w.Clock.Add(time.Minute)
		if err := s.MarkNotificationRead(ctx, a.Approver.ID, list[1].ID); err != nil {
			t.Fatalf("marking twice: %v", err)
		}
		wantCode(t, s.MarkNotificationRead(ctx, a.Updater.ID, list[0].ID), workflow.ENOTFOUND)
		wantCode(t, s.MarkNotificationRead(ctx, a.Approver.ID, 1_000_000), workflow.ENOTFOUND)
		after, err := s.ListNotifications(ctx, a.Approver.ID, false, 50)
		if err != nil {
			t.Fatal(err)
		}
		if after[1].ReadAt == nil || !after[1].ReadAt.Equal(readAt) || !after[1].Read || after[0].Read || after[2].Read {
			t.Fatalf("after marking: %+v", after)
		}
		unread, err := s.ListNotifications(ctx, a.Approver.ID, true, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(unread) != 2 || unread[0].ID != list[0].ID || unread[1].ID != list[2].ID {
			t.Fatalf("unread %+v", unread)
		}
		if l, err := s.ListNotifications(ctx, w.Admin.ID, false, 50); err != nil || len(l) != 0 {
			t.Fatalf("the admin's list %+v, %v", l, err)
		}
	})
}

// dbTime is t as the dialect stores it, for fixtures written in SQL.
func dbTime(s *store.Store, t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if s.Dialect() == store.SQLite {
		return t.Format("2006-01-02T15:04:05.000000Z")
	}
	return t
}

// pendingEmails writes n pending emails to the user, each with its event and
// notification, in one transaction, and returns their ids.
func pendingEmails(t testing.TB, s *store.Store, u *workflow.User, n int) []int64 {
	t.Helper()
	tx := s.DB().MustBegin()
	defer tx.Rollback()
	now := dbTime(s, s.Now())
	var ids []int64
	for i := range n {
		var ev, nid, id int64
		if err := tx.QueryRowx(tx.Rebind(`INSERT INTO outbox (kind, report_ids, data, created_at, done_at) VALUES ('submitted', '[]', '{}', ?, ?) RETURNING id`), now, now).Scan(&ev); err != nil {
			t.Fatal(err)
		}
		if err := tx.QueryRowx(tx.Rebind(`INSERT INTO notifications (user_id, event_id, kind, report_ids, title, body, created_at) VALUES (?, ?, 'submitted', '[]', ?, ?, ?) RETURNING id`),
			u.ID, ev, fmt.Sprintf("Thư %d", i), "Nội dung", now).Scan(&nid); err != nil {
			t.Fatal(err)
		}
		if err := tx.QueryRowx(tx.Rebind(`INSERT INTO emails (notification_id, to_addr, to_name, subject, text_body, html_body, next_attempt_at, created_at)
			VALUES (?, ?, ?, ?, 'Nội dung', '<p>Nội dung</p>', ?, ?) RETURNING id`), nid, u.Email, u.Name, fmt.Sprintf("Thư %d", i), now, now).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestClaimEmailsConcurrent: eight senders on two store handles claim at once
// until nothing is left; no email is handed to two of them.
func TestClaimEmailsConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		_, s1, s2 := replicas(t, dialect)
		u := storetest.MustUser(t, s1, "nhan.thu@test.example.vn")
		ids := pendingEmails(t, s1, u, 300)

		var mu sync.Mutex
		claimedBy := map[int64][]int{}
		var wg sync.WaitGroup
		gun := make(chan struct{})
		for i := range 8 {
			wg.Go(func() {
				<-gun
				s := eachReplica(i, s1, s2)
				for {
					got, err := s.ClaimEmails(ctx, 7, time.Minute)
					if err != nil {
						t.Errorf("sender %d: %v", i, err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, e := range got {
						claimedBy[e.ID] = append(claimedBy[e.ID], i)
						if e.Attempts != 1 || e.To != u.Email {
							t.Errorf("email %d claimed with attempts %d to %s", e.ID, e.Attempts, e.To)
						}
					}
					mu.Unlock()
				}
			})
		}
		close(gun)
		wg.Wait()
		for _, id := range ids {
			if len(claimedBy[id]) != 1 {
				t.Errorf("email %d was claimed by senders %v", id, claimedBy[id])
			}
		}
		if len(claimedBy) != len(ids) {
			t.Fatalf("%d emails claimed, want %d", len(claimedBy), len(ids))
		}
		if n := count(t, s1, `SELECT COUNT(*) FROM emails WHERE attempts != 1`); n != 0 {
			t.Fatalf("%d emails with attempts other than 1", n)
		}
	})
}

// TestEmailLeaseRetryDead: a claimed email is invisible for its lease (a
// sender that dies only delays it), a failed one waits for its retry time, a
// dead one is never claimed again, and OutboxStats counts each state.
func TestEmailLeaseRetryDead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		clock := storetest.NewClock(start)
		s := storetest.Open(t, dialect, clock)
		u := storetest.MustUser(t, s, "nhan.thu@test.example.vn")
		ids := pendingEmails(t, s, u, 3)
		claim := func(want ...int64) []store.Email {
			t.Helper()
			got, err := s.ClaimEmails(ctx, 10, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			var gotIDs []int64
			for _, e := range got {
				gotIDs = append(gotIDs, e.ID)
			}
			if !slices.Equal(gotIDs, want) {
				t.Fatalf("at %s claimed %v, want %v", clock.Now().Format(time.RFC3339Nano), gotIDs, want)
			}
			return got
		}
		stats := func(want store.OutboxStats) {
			t.Helper()
			got, err := s.OutboxStats(ctx)
			if err != nil || got != want {
				t.Fatalf("stats %+v, %v; want %+v", got, err, want)
			}
		}
		stats(store.OutboxStats{PendingEmails: 3})
		got := claim(ids...)
		if got[0].Subject != "Thư 0" || got[0].Text != "Nội dung" || got[0].HTML != "<p>Nội dung</p>" || got[0].ToName != u.Name {
			t.Fatalf("claimed %+v", got[0])
		}
		claim() // leased
		clock.Add(time.Minute - time.Millisecond)
		claim()
		clock.Add(time.Millisecond)
		got = claim(ids...) // the sender died: the lease ended
		if got[0].Attempts != 2 {
			t.Fatalf("attempts %d after the second claim", got[0].Attempts)
		}

		if err := s.EmailSent(ctx, ids[0]); err != nil {
			t.Fatal(err)
		}
		retry := clock.Now().Add(30 * time.Second)
		if err := s.EmailFailed(ctx, ids[1], fmt.Errorf("451 4.3.0 thử lại sau"), retry, false); err != nil {
			t.Fatal(err)
		}
		if err := s.EmailFailed(ctx, ids[2], fmt.Errorf("554 5.6.0 từ chối"), retry, true); err != nil {
			t.Fatal(err)
		}
		// A late failure report cannot undo a delivery.
		if err := s.EmailFailed(ctx, ids[0], fmt.Errorf("timeout"), retry, true); err != nil {
			t.Fatal(err)
		}
		stats(store.OutboxStats{PendingEmails: 1, DeadEmails: 1, SentEmails: 1})
		clock.Set(retry.Add(-time.Millisecond))
		claim()
		clock.Set(retry)
		if got := claim(ids[1]); got[0].Attempts != 3 {
			t.Fatalf("attempts %d on the retry", got[0].Attempts)
		}
		clock.Add(365 * 24 * time.Hour)
		claim(ids[1]) // its lease ended; the dead one never comes back
		var lastErr string
		if err := s.DB().Get(&lastErr, s.DB().Rebind(`SELECT last_error FROM emails WHERE id = ?`), ids[2]); err != nil || lastErr != "554 5.6.0 từ chối" {
			t.Fatalf("dead email's last error %q, %v", lastErr, err)
		}
	})
}

// TestFanOutSkipsAFailingEvent: an event that cannot be fanned out stays
// pending, is reported, and does not hold up the events after it.
func TestFanOutSkipsAFailingEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s := w.Store
		var bad int64
		if err := s.DB().QueryRowx(s.DB().Rebind(`INSERT INTO outbox (kind, report_ids, data, created_at) VALUES ('birthday', ?, '{}', ?) RETURNING id`),
			fmt.Sprintf("[%d]", w.Dept.ReportID), dbTime(s, start)).Scan(&bad); err != nil {
			t.Fatal(err)
		}
		walk(t, w, w.Dept, workflow.StateEntered)
		w.Fire(t, w.Dept.Approver, w.Dept, workflow.EventReturn, "Thiếu tài liệu")
		walk(t, w, w.Dept2, workflow.StateSubmitted)
		if _, err := s.NotifyOpenedCampaigns(ctx); err != nil {
			t.Fatal(err)
		}
		submitted := lastEvent(t, s) - 1
		// A renderer that refuses one kind fails those events only.
		render := func(n store.Notice) (store.Rendered, error) {
			if n.Kind == store.KindSubmitted {
				return store.Rendered{}, workflow.Errorf(workflow.EINVALID, "cannot render")
			}
			return testRender(n)
		}
		done, err := s.FanOut(ctx, 100, render)
		if done != 2 || err == nil || !strings.Contains(err.Error(), fmt.Sprintf("outbox event %d:", bad)) || !strings.Contains(err.Error(), fmt.Sprintf("outbox event %d:", submitted)) {
			t.Fatalf("fan out: %d done, %v; want the 2 good events done and both failures named", done, err)
		}
		kinds := map[string]int{}
		for _, d := range notificationsAfter(t, s, 0) {
			kinds[d.Kind]++
		}
		if kinds[store.KindReturned] != 1 || kinds[store.KindCampaignOpened] != 6 || len(kinds) != 2 {
			t.Fatalf("notifications by kind %v", kinds)
		}
		if st, _ := s.OutboxStats(ctx); st.PendingEvents != 2 {
			t.Fatalf("stats %+v, want the 2 failed events pending", st)
		}
		// Retried on every call; once the renderer can, it goes through.
		if done, err := s.FanOut(ctx, 100, render); done != 0 || err == nil {
			t.Fatalf("second fan out: %d, %v", done, err)
		}
		if done, err := s.FanOut(ctx, 100, testRender); done != 1 || err == nil || strings.Contains(err.Error(), fmt.Sprintf("outbox event %d:", submitted)) {
			t.Fatalf("with a working renderer: %d, %v", done, err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM notifications WHERE kind = 'submitted'`); n != 1 {
			t.Fatalf("%d submitted notifications", n)
		}
		// The unknown kind fails every time: after MaxEventAttempts it is dead,
		// kept with its last error, and no longer tried or counted as pending.
		for range store.MaxEventAttempts {
			s.FanOut(ctx, 100, testRender)
		}
		if done, err := s.FanOut(ctx, 100, testRender); done != 0 || err != nil {
			t.Fatalf("after the limit: %d, %v; want nothing tried", done, err)
		}
		st, _ := s.OutboxStats(ctx)
		if st.PendingEvents != 0 || st.DeadEvents != 1 {
			t.Fatalf("stats %+v, want the unknown kind dead", st)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM outbox WHERE id = ? AND dead_at IS NOT NULL AND done_at IS NULL AND attempts = ? AND last_error LIKE '%birthday%'`, bad, store.MaxEventAttempts); n != 1 {
			t.Fatalf("the dead event's row is not kept with its attempts and error")
		}
	})
}

// TestFanOutLargeEvent: an event naming more reports than either database
// takes parameters in one statement is fanned out all the same.
func TestFanOutLargeEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s := w.Store
		ids := []int64{w.Dept.ReportID, w.District.ReportID}
		for i := range 70_000 {
			ids = append(ids, int64(1_000_000+i)) // gone, or never were: skipped
		}
		b, _ := json.Marshal(ids)
		if _, err := s.DB().Exec(s.DB().Rebind(`INSERT INTO outbox (kind, report_ids, data, created_at) VALUES ('locked', ?, '{}', ?)`), string(b), dbTime(s, start)); err != nil {
			t.Fatal(err)
		}
		if n := fanOut(t, s); n != 1 {
			t.Fatalf("fanned out %d", n)
		}
		want := append(expect(store.KindLocked, []int64{w.Dept.ReportID}, w.Dept.Approver), expect(store.KindLocked, []int64{w.District.ReportID}, w.District.Approver)...)
		want = append(want, expect(store.KindLocked, []int64{w.Dept.ReportID, w.District.ReportID}, w.Council)...)
		slices.Sort(want)
		if got := recipients(notificationsAfter(t, s, 0)); !slices.Equal(got, want) {
			t.Fatalf("reached %v, want %v", got, want)
		}
	})
}
