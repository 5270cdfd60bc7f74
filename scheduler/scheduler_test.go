package scheduler_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"parindex/internal/testkit"
	"parindex/notify"
	"parindex/notify/smtptest"
	"parindex/scheduler"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

var ctx = context.Background()

// start is where injected clocks begin; the world's campaign is open from a
// day before to a day after.
var start = time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC) // 09:00 in the province

var hcm = testkit.Zone(workflow.DefaultZone)

// env is a world, an SMTP server and a scheduler delivering to it.
type env struct {
	w     *storetest.World
	s     *store.Store
	clock *storetest.Clock
	srv   *smtptest.Server
	sched *scheduler.Scheduler
	log   *testkit.SyncBuffer
	seen  int // messages already looked at by newMessages
}

// newMailer delivers to the test server in plain text.
func newMailer(t testing.TB, srv *smtptest.Server) *notify.Mailer {
	t.Helper()
	m, err := notify.NewMailer(notify.Config{Host: srv.Host, Port: srv.Port, TLS: notify.TLSNone,
		From: "Sở Nội vụ <cchc@example.vn>", Timeout: 5 * time.Second}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// newEnv builds the world on a fresh database with an injected clock and a
// scheduler that is not started: tests call RunOnce and DeliverOnce.
func newEnv(t *testing.T, dialect string, cfg scheduler.Config) *env {
	t.Helper()
	clock := storetest.NewClock(start)
	s := storetest.Open(t, dialect, clock)
	e := &env{w: storetest.NewWorld(t, s, clock), s: s, clock: clock, srv: smtptest.Start(t), log: &testkit.SyncBuffer{}}
	if cfg.Mailer == nil {
		cfg.Mailer = newMailer(t, e.srv)
	}
	if cfg.Zone == nil {
		cfg.Zone = hcm
	}
	e.sched = scheduler.New(s, cfg, zerolog.New(e.log))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("scheduler log:\n%s", e.log)
		}
	})
	return e
}

// run is RunOnce, failing the test on error.
func (e *env) run(t testing.TB) scheduler.Run {
	t.Helper()
	r, err := e.sched.RunOnce(ctx)
	if err != nil {
		t.Fatalf("run at %s: %v", e.clock.Now().Format(time.RFC3339Nano), err)
	}
	return r
}

// deliver is DeliverOnce, failing the test on error.
func (e *env) deliver(t testing.TB) scheduler.Delivery {
	t.Helper()
	d, err := e.sched.DeliverOnce(ctx)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	return d
}

// newMessages returns the messages the server accepted since the last call,
// by recipient, subjects sorted.
func (e *env) newMessages(t testing.TB) map[string][]string {
	t.Helper()
	all := e.srv.Messages()
	out := map[string][]string{}
	for _, m := range all[e.seen:] {
		if len(m.To) != 1 {
			t.Fatalf("a message to %v: one recipient per message", m.To)
		}
		out[m.To[0]] = append(out[m.To[0]], m.Subject)
		for _, b := range m.Data {
			if b >= 0x80 {
				t.Fatalf("message %q has an 8-bit byte on the wire", m.Subject)
			}
		}
	}
	for _, v := range out {
		slices.Sort(v)
	}
	e.seen = len(all)
	return out
}

// wantMessages checks the new messages against recipient → subjects.
func (e *env) wantMessages(t testing.TB, what string, want map[string][]string) {
	t.Helper()
	got := e.newMessages(t)
	for _, v := range want {
		slices.Sort(v)
	}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("%s: the server received\n%s\nwant\n%s", what, show(got), show(want))
	}
}

func show(m map[string][]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "  %s: %q\n", k, m[k])
	}
	return b.String()
}

// emailState reads an email's state and attempts.
func emailState(t testing.TB, s *store.Store, id int64) (state string, attempts int, lastError string) {
	t.Helper()
	row := struct {
		State     string `db:"state"`
		Attempts  int    `db:"attempts"`
		LastError string `db:"last_error"`
	}{}
	if err := s.DB().Get(&row, s.DB().Rebind(`SELECT state, attempts, last_error FROM emails WHERE id = ?`), id); err != nil {
		t.Fatal(err)
	}
	return row.State, row.Attempts, row.LastError
}

// oneEmail produces exactly one pending email: the Dept approver returns the
// report to its one updater. Returns the email's id.
func (e *env) oneEmail(t *testing.T) int64 {
	t.Helper()
	w := e.w
	w.FillEntries(t, w.Dept)
	w.Fire(t, w.Dept.Updater, w.Dept, workflow.EventComplete, "")
	w.Fire(t, w.Dept.Approver, w.Dept, workflow.EventReturn, "Thiếu chữ ký số trên kế hoạch")
	if n, err := e.sched.FanOut(ctx); err != nil || n != 1 {
		t.Fatalf("fanned out %d, %v", n, err)
	}
	var ids []int64
	if err := e.s.DB().Select(&ids, `SELECT id FROM emails`); err != nil || len(ids) != 1 {
		t.Fatalf("emails %v, %v", ids, err)
	}
	return ids[0]
}

func TestBackoff(t *testing.T) {
	for attempts, want := range map[int]time.Duration{
		0: 30 * time.Second, 1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 4: 4 * time.Minute,
		7: 32 * time.Minute, 8: time.Hour, 20: time.Hour, 1000: time.Hour,
	} {
		if got := scheduler.Backoff(attempts); got != want {
			t.Errorf("Backoff(%d) = %s, want %s", attempts, got, want)
		}
	}
}

// TestDeliverRetriesThenSends: a server that fails twice then accepts gets
// the message once; each retry waits for its backoff on the injected clock.
func TestDeliverRetriesThenSends(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		e := newEnv(t, dialect, scheduler.Config{})
		id := e.oneEmail(t)
		e.srv.FailNext(2)

		if d := e.deliver(t); d != (scheduler.Delivery{Failed: 1}) {
			t.Fatalf("first attempt: %+v", d)
		}
		if state, attempts, lastErr := emailState(t, e.s, id); state != "pending" || attempts != 1 || !strings.Contains(lastErr, "451") {
			t.Fatalf("after one failure: %s, %d attempts, %q", state, attempts, lastErr)
		}
		if d := e.deliver(t); d != (scheduler.Delivery{}) {
			t.Fatalf("retried before the backoff: %+v", d)
		}
		e.clock.Add(scheduler.Backoff(1) - time.Millisecond)
		if d := e.deliver(t); d != (scheduler.Delivery{}) {
			t.Fatalf("retried 1 ms before the backoff ended: %+v", d)
		}
		e.clock.Add(time.Millisecond)
		if d := e.deliver(t); d != (scheduler.Delivery{Failed: 1}) {
			t.Fatalf("second attempt: %+v", d)
		}
		e.clock.Add(scheduler.Backoff(2) - time.Millisecond)
		if d := e.deliver(t); d != (scheduler.Delivery{}) {
			t.Fatalf("retried before the second backoff: %+v", d)
		}
		e.clock.Add(time.Millisecond)
		if d := e.deliver(t); d != (scheduler.Delivery{Sent: 1}) {
			t.Fatalf("third attempt: %+v", d)
		}
		if state, attempts, lastErr := emailState(t, e.s, id); state != "sent" || attempts != 3 || lastErr != "" {
			t.Fatalf("after delivery: %s, %d attempts, %q", state, attempts, lastErr)
		}
		e.clock.Add(24 * time.Hour)
		if d := e.deliver(t); d != (scheduler.Delivery{}) {
			t.Fatalf("delivered again: %+v", d)
		}
		msgs := e.srv.Messages()
		if len(msgs) != 1 {
			t.Fatalf("%d messages at the server, want 1", len(msgs))
		}
		m := msgs[0]
		if m.To[0] != e.w.Dept.Updater.Email || m.Subject != "Báo cáo tự đánh giá của Sở Tư pháp bị trả lại" ||
			!strings.Contains(m.Text, "Lý do: Thiếu chữ ký số trên kế hoạch") || !strings.Contains(m.Text, "Kính gửi "+e.w.Dept.Updater.Name+",") {
			t.Fatalf("message to %v: %q\n%s", m.To, m.Subject, m.Text)
		}
		if st, _ := e.s.OutboxStats(ctx); st != (store.OutboxStats{SentEmails: 1}) {
			t.Fatalf("stats %+v", st)
		}
	})
}

// TestDeliverDeadAfterMaxAttempts: after MaxAttempts failures the email is
// dead: counted, kept with its error, never tried again.
func TestDeliverDeadAfterMaxAttempts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		e := newEnv(t, dialect, scheduler.Config{MaxAttempts: 3})
		id := e.oneEmail(t)
		e.srv.FailNext(1000)
		for attempt := 1; attempt <= 3; attempt++ {
			want := scheduler.Delivery{Failed: 1}
			if attempt == 3 {
				want = scheduler.Delivery{Dead: 1}
			}
			if d := e.deliver(t); d != want {
				t.Fatalf("attempt %d: %+v, want %+v", attempt, d, want)
			}
			e.clock.Add(scheduler.Backoff(attempt))
		}
		state, attempts, lastErr := emailState(t, e.s, id)
		if state != "dead" || attempts != 3 || !strings.Contains(lastErr, "451") {
			t.Fatalf("after 3 failures: %s, %d attempts, %q", state, attempts, lastErr)
		}
		if st, _ := e.s.OutboxStats(ctx); st != (store.OutboxStats{DeadEmails: 1}) {
			t.Fatalf("stats %+v", st)
		}
		e.srv.FailNext(0)
		for range 3 {
			e.clock.Add(48 * time.Hour)
			if d := e.deliver(t); d != (scheduler.Delivery{}) {
				t.Fatalf("a dead email was tried again: %+v", d)
			}
		}
		if n := len(e.srv.Messages()); n != 0 {
			t.Fatalf("%d messages at the server", n)
		}
	})
}

// TestDeliverPermanentFailureIsDead: a 5xx is dead at once, not retried.
func TestDeliverPermanentFailureIsDead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		e := newEnv(t, dialect, scheduler.Config{})
		id := e.oneEmail(t)
		e.srv.RejectNext(1)
		if d := e.deliver(t); d != (scheduler.Delivery{Dead: 1}) {
			t.Fatalf("a 554: %+v, want dead at once", d)
		}
		if state, attempts, lastErr := emailState(t, e.s, id); state != "dead" || attempts != 1 || !strings.Contains(lastErr, "554") {
			t.Fatalf("after a 554: %s, %d attempts, %q", state, attempts, lastErr)
		}
		e.clock.Add(48 * time.Hour)
		if d := e.deliver(t); d != (scheduler.Delivery{}) {
			t.Fatalf("tried again: %+v", d)
		}
		if st, _ := e.s.OutboxStats(ctx); st != (store.OutboxStats{DeadEmails: 1}) {
			t.Fatalf("stats %+v", st)
		}
	})
}

// TestDeliverWithoutMailer: emails wait, pending, until a mailer exists.
func TestDeliverWithoutMailer(t *testing.T) {
	clock := storetest.NewClock(start)
	s := storetest.Open(t, store.SQLite, clock)
	storetest.NewWorld(t, s, clock)
	sched := scheduler.New(s, scheduler.Config{}, zerolog.Nop())
	if _, err := sched.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if d, err := sched.DeliverOnce(ctx); err != nil || d != (scheduler.Delivery{}) {
		t.Fatalf("delivered %+v, %v without a mailer", d, err)
	}
	if st, _ := s.OutboxStats(ctx); st.PendingEmails == 0 || st.SentEmails != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestEveryKindReachesItsRecipients: each kind of notification arrives by
// SMTP at exactly its recipients, once, with its Vietnamese subject intact;
// running the sweeps again sends nothing more.
func TestEveryKindReachesItsRecipients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		e := newEnv(t, dialect, scheduler.Config{BaseURL: "https://cchc.example.vn"})
		w := e.w
		dept, dept2, district := w.Dept, w.Dept2, w.District
		const campaign = "Chỉ số CCHC 2026"
		// phase runs the scheduler and delivers: exactly want is sent, and
		// running again sends nothing more.
		phase := func(t *testing.T, what string, want map[string][]string) {
			t.Helper()
			e.run(t)
			d := e.deliver(t)
			n := 0
			for _, v := range want {
				n += len(v)
			}
			if d.Sent != n || d.Failed+d.Dead != 0 {
				t.Fatalf("%s: delivery %+v, want %d sent", what, d, n)
			}
			e.wantMessages(t, what, want)
			for range 2 {
				e.run(t)
				if d := e.deliver(t); d != (scheduler.Delivery{}) {
					t.Fatalf("%s: running again delivered %+v", what, d)
				}
			}
			e.wantMessages(t, what+", again", map[string][]string{})
		}
		var now time.Time // when the round opens, an hour after the lock

		testkit.Step(t, "a campaign open and closing within a day tells every updater and approver, with the 24h reminder", func(t *testing.T) {
			want := map[string][]string{}
			for _, a := range []*storetest.Agency{dept, dept2, district} {
				for _, u := range []*workflow.User{a.Updater, a.Approver} {
					want[u.Email] = []string{"Đã mở kỳ: «" + campaign + "» – " + a.Name, "Còn 1 ngày để gửi báo cáo tự đánh giá – " + a.Name}
				}
			}
			phase(t, "campaign opened and 24h reminder", want)
		})

		testkit.Step(t, "a returned report tells its updater", func(t *testing.T) {
			w.FillEntries(t, dept)
			w.Fire(t, dept.Updater, dept, workflow.EventComplete, "")
			w.Fire(t, dept.Approver, dept, workflow.EventReturn, "Thiếu chữ ký số trên kế hoạch")
			phase(t, "returned", map[string][]string{dept.Updater.Email: {"Báo cáo tự đánh giá của Sở Tư pháp bị trả lại"}})
		})

		testkit.Step(t, "a submitted report tells the council", func(t *testing.T) {
			w.Submit(t, dept2)
			phase(t, "submitted", map[string][]string{w.Council.Email: {"Sở Tài chính đã gửi báo cáo tự đánh giá"}})
		})

		testkit.Step(t, "two hours before the deadline the people of every report not submitted are reminded", func(t *testing.T) {
			e.clock.Set(w.Campaign.ClosesAt.Add(-2 * time.Hour))
			want := map[string][]string{}
			for _, a := range []*storetest.Agency{dept, district} {
				for _, u := range []*workflow.User{a.Updater, a.Approver} {
					want[u.Email] = []string{"Còn 2 giờ để gửi báo cáo tự đánh giá – " + a.Name}
				}
			}
			phase(t, "2h reminder", want)
		})

		testkit.Step(t, "at the deadline the approvers of the locked reports and the council hear of the lock", func(t *testing.T) {
			e.clock.Set(w.Campaign.ClosesAt)
			phase(t, "locked", map[string][]string{
				dept.Approver.Email:     {"Báo cáo tự đánh giá của Sở Tư pháp đã bị khóa"},
				district.Approver.Email: {"Báo cáo tự đánh giá của UBND huyện A Lưới đã bị khóa"},
				w.Council.Email:         {"Báo cáo tự đánh giá của Sở Tư pháp, UBND huyện A Lưới đã bị khóa"},
			})
		})

		testkit.Step(t, "an extension tells the approver, and the report's people are reminded once of the time actually left", func(t *testing.T) {
			e.clock.Add(time.Hour)
			if _, err := w.Store.Transition(ctx, w.Council, dept.ReportID, workflow.TransitionRequest{Event: workflow.EventExtend, Reason: "Sự cố mạng"},
				&workflow.RoundRequest{ClosesAt: e.clock.Now().Add(5 * time.Hour)}, store.Meta{}); err != nil {
				t.Fatal(err)
			}
			phase(t, "extended", map[string][]string{
				dept.Approver.Email: {"Gia hạn báo cáo tự đánh giá – Sở Tư pháp", "Còn 5 giờ để gửi báo cáo tự đánh giá – Sở Tư pháp"},
				dept.Updater.Email:  {"Còn 5 giờ để gửi báo cáo tự đánh giá – Sở Tư pháp"},
			})
		})

		testkit.Step(t, "a round opened for one agency tells its updater and approver", func(t *testing.T) {
			now = e.clock.Now()
			if _, err := w.Store.OpenCampaignRound(ctx, w.Council, w.Campaign.ID, workflow.RoundRequest{OpensAt: now, ClosesAt: now.Add(96 * time.Hour),
				AgencyIDs: []int64{dept2.ID}, Note: "Bổ sung tài liệu kiểm chứng"}, store.Meta{}); err != nil {
				t.Fatal(err)
			}
			phase(t, "round opened", map[string][]string{
				dept2.Approver.Email: {"Đã mở đợt báo cáo bổ sung lần 1 – Sở Tài chính"},
				dept2.Updater.Email:  {"Đã mở đợt báo cáo bổ sung lần 1 – Sở Tài chính"},
			})
		})

		testkit.Step(t, "when the extended deadline passes the report is locked again, under its own deadline", func(t *testing.T) {
			e.clock.Set(now.Add(5 * time.Hour))
			phase(t, "extended deadline passed", map[string][]string{
				dept.Approver.Email: {"Báo cáo tự đánh giá của Sở Tư pháp đã bị khóa"},
				w.Council.Email:     {"Báo cáo tự đánh giá của Sở Tư pháp đã bị khóa"},
			})
		})

		testkit.Step(t, "the round's reminder and then its deadline name the round", func(t *testing.T) {
			e.clock.Set(now.Add(96*time.Hour - 2*time.Hour))
			phase(t, "round's 2h reminder", map[string][]string{
				dept2.Approver.Email: {"Còn 2 giờ để gửi báo cáo bổ sung lần 1 – Sở Tài chính"},
				dept2.Updater.Email:  {"Còn 2 giờ để gửi báo cáo bổ sung lần 1 – Sở Tài chính"},
			})
			e.clock.Set(now.Add(96 * time.Hour))
			phase(t, "round's deadline passed", map[string][]string{
				dept2.Approver.Email: {"Báo cáo bổ sung lần 1 của Sở Tài chính đã bị khóa"},
				w.Council.Email:      {"Báo cáo bổ sung lần 1 của Sở Tài chính đã bị khóa"},
			})
		})

		testkit.Step(t, "the bodies arrive whole, with greeting, reason, deadline in province time and link, and the in-app notifications say the same", func(t *testing.T) {
			var returned, extended, roundLocked smtptest.Received
			for _, m := range e.srv.Messages() {
				switch {
				case strings.HasSuffix(m.Subject, "bị trả lại"):
					returned = m
				case strings.HasPrefix(m.Subject, "Gia hạn"):
					extended = m
				case m.Subject == "Báo cáo bổ sung lần 1 của Sở Tài chính đã bị khóa":
					roundLocked = m
				}
			}
			roundDeadline := now.Add(96*time.Hour).In(hcm).Format("02/01/2006 15:04") + " (giờ Việt Nam)"
			if !strings.Contains(roundLocked.Text, "Hạn chót: "+roundDeadline) {
				t.Errorf("the round's lock message lacks its deadline %s:\n%s", roundDeadline, roundLocked.Text)
			}
			for _, want := range []string{"Kính gửi " + dept.Updater.Name + ",", "Lý do: Thiếu chữ ký số trên kế hoạch", "https://cchc.example.vn/reports/" + fmt.Sprint(dept.ReportID)} {
				if !strings.Contains(returned.Text, want) {
					t.Errorf("the returned message lacks %q:\n%s", want, returned.Text)
				}
			}
			newDeadline := now.Add(5*time.Hour).In(hcm).Format("02/01/2006 15:04") + " (giờ Việt Nam)"
			if !strings.Contains(extended.Text, "Hạn chót mới: "+newDeadline) || !strings.Contains(extended.Text, "Lý do: Sự cố mạng") {
				t.Errorf("the extended message lacks the new deadline %s or the reason:\n%s", newDeadline, extended.Text)
			}
			list, err := w.Store.ListNotifications(ctx, dept.Approver.ID, false, 10)
			if err != nil || len(list) != 7 {
				t.Fatalf("the approver has %d notifications, %v", len(list), err)
			}
			i := slices.IndexFunc(list, func(n store.Notification) bool { return n.Kind == store.KindExtended })
			if i < 0 || list[i].Title != extended.Subject || list[i].Body != strings.ReplaceAll(extended.Text, "\r\n", "\n") {
				t.Fatalf("the approver's notifications differ from the email %q:\n%+v", extended.Subject, list)
			}
		})
	})
}

// TestRemindersOnce: stepping the clock through a campaign with RunOnce from
// three goroutines at every step, each offset's reminder reaches each
// updater and approver of the agencies not submitted exactly once, at its
// instant.
func TestRemindersOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		e := newEnv(t, dialect, scheduler.Config{})
		w := e.w
		// A second campaign, open from start, closing in four days; the
		// world's campaign is submitted by all and leaves the stage.
		closes := start.Add(96 * time.Hour)
		_, reports := w.NewCampaign(t, "Đợt nhắc hạn", start, closes)
		for _, a := range []*storetest.Agency{w.Dept, w.Dept2, w.District} {
			w.Submit(t, a)
		}
		dept2 := *w.Dept2
		dept2.ReportID = reports[w.Dept2.ID]
		w.Submit(t, &dept2)
		e.run(t)
		e.deliver(t)
		e.newMessages(t) // the openings and submissions

		runs := func() {
			var wg sync.WaitGroup
			for range 3 {
				wg.Go(func() {
					if _, err := e.sched.RunOnce(ctx); err != nil {
						t.Errorf("run: %v", err)
					}
				})
			}
			wg.Wait()
			e.run(t)
		}
		for _, step := range []struct {
			off  time.Duration
			left string
		}{{72 * time.Hour, "3 ngày"}, {24 * time.Hour, "1 ngày"}, {2 * time.Hour, "2 giờ"}} {
			at := closes.Add(-step.off)
			e.clock.Set(at.Add(-time.Millisecond))
			runs()
			e.deliver(t)
			e.wantMessages(t, step.left+" reminder 1 ms early", map[string][]string{})
			e.clock.Set(at)
			runs()
			runs()
			e.deliver(t)
			want := map[string][]string{}
			for _, a := range []*storetest.Agency{w.Dept, w.District} {
				for _, u := range []*workflow.User{a.Updater, a.Approver} {
					want[u.Email] = []string{"Còn " + step.left + " để gửi báo cáo tự đánh giá – " + a.Name}
				}
			}
			e.wantMessages(t, step.left+" reminder", want)
			e.clock.Set(at.Add(time.Millisecond))
			runs()
			e.deliver(t)
			e.wantMessages(t, step.left+" reminder 1 ms later", map[string][]string{})
		}
		for _, u := range []*workflow.User{w.Dept.Updater, w.Dept.Approver, w.District.Updater, w.District.Approver} {
			if n := storetest.Count(t, w.Store, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = 'reminder'`, u.ID); n != 3 {
				t.Errorf("%s got %d reminders, want 3", u.Email, n)
			}
		}
		for _, u := range []*workflow.User{w.Dept2.Updater, w.Dept2.Approver} {
			if n := storetest.Count(t, w.Store, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = 'reminder'`, u.ID); n != 0 {
				t.Errorf("%s (submitted) got %d reminders", u.Email, n)
			}
		}
	})
}

// TestStartCatchesUp: deadlines that passed while no scheduler ran are
// locked by Start itself, before it returns, and announced.
func TestStartCatchesUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		e := newEnv(t, dialect, scheduler.Config{})
		w := e.w
		walk := func(a *storetest.Agency) {
			w.FillEntries(t, a)
			w.Fire(t, a.Updater, a, workflow.EventComplete, "")
		}
		walk(w.Dept)
		e.clock.Set(w.Campaign.ClosesAt.Add(36 * time.Hour))
		if err := e.sched.Start(ctx); err != nil {
			t.Fatal(err)
		}
		// No wait: Start returned after the catch-up committed.
		for _, a := range []*storetest.Agency{w.Dept, w.Dept2, w.District} {
			r := w.Report(t, a)
			if r.State != workflow.StateLocked {
				t.Errorf("report %d is %s after Start", a.ReportID, r.State)
			}
			h, _ := w.Store.History(ctx, w.Admin, a.ReportID)
			if last := h[len(h)-1]; last.Event != "lock" || last.Actor != nil || !last.At.Equal(e.clock.Now()) {
				t.Errorf("report %d last history %+v", a.ReportID, last)
			}
		}
		if r := w.Report(t, w.Dept); r.LockedFrom != workflow.StateEntered {
			t.Errorf("Dept locked from %s", r.LockedFrom)
		}
		e.sched.Stop()
		if st, _ := w.Store.OutboxStats(ctx); st.PendingEvents != 0 {
			t.Errorf("stats after Start and Stop %+v", st)
		}
		// The late wake sends neither the 72h, 24h nor 2h reminder: the
		// deadline has passed.
		if n := storetest.Count(t, w.Store, `SELECT COUNT(*) FROM reminders`); n != 0 {
			t.Errorf("%d reminders after the deadline", n)
		}
	})
}

// realWorld is a world on a store that tells real time.
func realWorld(t *testing.T, dialect string) *storetest.World {
	t.Helper()
	s := storetest.Open(t, dialect, nil)
	return storetest.NewWorld(t, s, storetest.NewClock(time.Now()))
}

// addCampaign creates a campaign open since an hour ago that closes after
// delay, real time, and returns its report ids.
func addCampaign(t *testing.T, w *storetest.World, delay time.Duration) []int64 {
	t.Helper()
	now := time.Now()
	_, reports := w.NewCampaign(t, "Đợt "+delay.String(), now.Add(-time.Hour), now.Add(delay))
	return slices.Sorted(maps.Values(reports))
}

// TestPanicInJobIsRecovered: a cron job that panics is recovered and logged;
// the scheduler runs the next planned instant as if nothing happened.
func TestPanicInJobIsRecovered(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := realWorld(t, dialect)
		var mu sync.Mutex
		calls, panicked := 0, false
		after := make(chan []int64, 10)
		log := &testkit.SyncBuffer{}
		sched := scheduler.New(w.Store, scheduler.Config{Zone: hcm, OnRun: func(r scheduler.Run) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			if calls == 1 || len(r.Sweep.Locked) == 0 {
				return // Start's own catch-up is no cron job: a panic there is not recovered
			}
			if !panicked {
				panicked = true
				panic(fmt.Sprintf("OnRun panics after locking %v", r.Sweep.Locked))
			}
			after <- r.Sweep.Locked
		}}, zerolog.New(log))
		if err := sched.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer sched.Stop()
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("log:\n%s", log)
			}
		})
		// Campaigns created while the scheduler runs are planned on Replan,
		// as the handlers ask after every change of a deadline. The first
		// run that locks any panics; a later one must still come.
		var all []int64
		for _, d := range []time.Duration{500 * time.Millisecond, time.Second, 1500 * time.Millisecond} {
			all = append(all, addCampaign(t, w, d)...)
		}
		sched.Replan()
		testkit.Await(t, after, 15*time.Second, "a run after the panic")
		// By the last deadline every report is locked, each exactly once.
		for giveUp := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			n := storetest.Count(t, w.Store, `SELECT COUNT(*) FROM history WHERE event = 'lock'`)
			if n == len(all) {
				break
			}
			if n > len(all) || time.Now().After(giveUp) {
				t.Fatalf("%d lock rows for %d reports", n, len(all))
			}
		}
		for _, id := range all {
			if n := storetest.Count(t, w.Store, `SELECT COUNT(*) FROM history WHERE report_id = ? AND event = 'lock'`, id); n != 1 {
				t.Fatalf("report %d has %d lock rows", id, n)
			}
		}
		if !strings.Contains(log.String(), `"level":"error"`) || !strings.Contains(log.String(), "OnRun panics after locking") {
			t.Fatalf("the panic was not logged:\n%s", log)
		}
	})
}

// TestStopWaitsForRunningJob: Stop returns only once a running job is done.
func TestStopWaitsForRunningJob(t *testing.T) {
	w := realWorld(t, store.SQLite)
	entered, release := make(chan struct{}), make(chan struct{})
	finished := false // written by the job, read after Stop returns
	sched := scheduler.New(w.Store, scheduler.Config{OnRun: func(r scheduler.Run) {
		if len(r.Sweep.Locked) == 0 {
			return
		}
		close(entered)
		<-release
		finished = true
	}}, zerolog.Nop())
	if err := sched.Start(ctx); err != nil {
		t.Fatal(err)
	}
	reports := addCampaign(t, w, time.Second)
	sched.Replan()
	testkit.Await(t, entered, 15*time.Second, "the deadline's job")
	stopped := make(chan bool)
	go func() {
		sched.Stop()
		stopped <- finished
	}()
	select {
	case <-stopped:
		t.Fatal("Stop returned while a job was running")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if !testkit.Await(t, stopped, 15*time.Second, "Stop") {
		t.Fatal("Stop returned before the job finished")
	}
	if n := storetest.Count(t, w.Store, `SELECT COUNT(*) FROM history WHERE event = 'lock'`); n != len(reports) {
		t.Fatalf("%d lock rows", n)
	}
}

// TestRunOnceReportsAFailingEvent: an outbox event that cannot be fanned out
// makes RunOnce return an error, yet the sweeps and the other events are
// done and OnRun sees the run.
func TestRunOnceReportsAFailingEvent(t *testing.T) {
	var seen []scheduler.Run
	e := newEnv(t, store.SQLite, scheduler.Config{OnRun: func(r scheduler.Run) { seen = append(seen, r) }})
	if _, err := e.s.DB().Exec(`INSERT INTO outbox (kind, report_ids, data, created_at) VALUES ('birthday', '[]', '{}', '2026-11-20T02:00:00.000000Z')`); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(e.w.Campaign.ClosesAt)
	run, err := e.sched.RunOnce(ctx)
	if err == nil || !strings.Contains(err.Error(), "birthday") {
		t.Fatalf("RunOnce: %v, want the failing event reported", err)
	}
	if len(run.Sweep.Locked) != 3 || run.FannedOut != 1 || len(seen) != 1 || seen[0].Finished.IsZero() {
		t.Fatalf("run %+v, OnRun saw %d runs; want 3 locked, the locked event fanned out, one run seen", run, len(seen))
	}
	if d := e.deliver(t); d.Sent != 3+1 { // the approvers and the council
		t.Fatalf("delivered %+v", d)
	}
}

// TestRunOnceSweepsAfterAnotherReplica: while another replica holds the
// sweep lock (its sweep may have begun before the deadline), RunOnce waits
// and sweeps once that one is done, rather than leaving the deadline to the
// minute tick.
func TestRunOnceSweepsAfterAnotherReplica(t *testing.T) {
	if !slices.Contains(storetest.Dialects(t), store.Postgres) {
		t.Skip("PostgreSQL only")
	}
	t.Parallel()
	e := newEnv(t, store.Postgres, scheduler.Config{})
	e.clock.Set(e.w.Campaign.ClosesAt)
	tx, err := e.s.DB().Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// 0x70617269 is the store's lock sweep class.
	if _, err := tx.Exec(`SELECT pg_advisory_xact_lock(x'70617269'::int, hashtext(current_schema()))`); err != nil {
		t.Fatal(err)
	}
	done := make(chan scheduler.Run)
	go func() {
		run, err := e.sched.RunOnce(ctx)
		if err != nil {
			t.Error(err)
		}
		done <- run
	}()
	select {
	case run := <-done:
		t.Fatalf("RunOnce returned while another sweep held the lock: %+v", run.Sweep)
	case <-time.After(200 * time.Millisecond):
	}
	tx.Rollback()
	run := testkit.Await(t, done, 15*time.Second, "RunOnce after the other sweep")
	if run.Sweep.Skipped || len(run.Sweep.Locked) != 3 {
		t.Fatalf("sweep %+v, want the 3 reports locked", run.Sweep)
	}
}
