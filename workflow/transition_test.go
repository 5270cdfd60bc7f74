package workflow

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// apiRow is one row of docs/api.md's state-machine table, written out again here so
// that Transitions is checked against the contract, not against itself.
type apiRow struct {
	from      []State
	to        State
	who       []Role // roles a user may hold to fire it; empty = system only
	window    bool   // needs an open window (423 otherwise)
	reason    bool   // needs a reason (422 otherwise)
	nextRound bool
	restores  bool // to is the state the report was locked from
}

// apiTable is docs/api.md's table; extend's "to" is the state the report was
// locked from (newReport locks reports from reviewed).
var apiTable = map[Event]apiRow{
	"complete":   {from: []State{"draft"}, to: "entered", who: []Role{"updater"}, window: true},
	"reopen":     {from: []State{"entered"}, to: "draft", who: []Role{"updater"}, window: true},
	"approve":    {from: []State{"entered"}, to: "reviewed", who: []Role{"approver"}, window: true},
	"return":     {from: []State{"entered", "reviewed", "signed"}, to: "draft", who: []Role{"approver"}, window: true, reason: true},
	"sign":       {from: []State{"reviewed"}, to: "signed", who: []Role{"approver"}, window: true},
	"submit":     {from: []State{"signed"}, to: "submitted", who: []Role{"approver"}, window: true},
	"lock":       {from: []State{"draft", "entered", "reviewed", "signed"}, to: "locked"},
	"open_round": {from: []State{"submitted", "locked"}, to: "draft", who: []Role{"council"}, nextRound: true},
	"extend":     {from: []State{"locked"}, to: "reviewed", who: []Role{"council", "admin"}, reason: true, restores: true},
}

const agencyA, agencyB int64 = 10, 20

// persona is a caller of the matrix; holds is what it may act as on agency
// A's report, written by hand rather than derived from User.Has.
type persona struct {
	name  string
	user  *User
	holds []Role
}

func grant(role Role, agency int64) Grant {
	if role.AgencyScoped() {
		return Grant{Role: role, AgencyID: i64(agency)}
	}
	return Grant{Role: role}
}

func userWith(grants ...Grant) *User {
	return &User{ID: 1, Email: "x@test.example.vn", Name: "X", Grants: grants}
}

var personas = []persona{
	{"updater of A", userWith(grant(RoleUpdater, agencyA)), []Role{RoleUpdater}},
	{"approver of A", userWith(grant(RoleApprover, agencyA)), []Role{RoleApprover}},
	{"updater+approver of B", userWith(grant(RoleUpdater, agencyB), grant(RoleApprover, agencyB)), nil},
	{"council", userWith(grant(RoleCouncil, 0)), []Role{RoleCouncil}},
	{"admin", userWith(grant(RoleAdmin, 0)), []Role{RoleAdmin}},
	{"updater+approver of A", userWith(grant(RoleUpdater, agencyA), grant(RoleApprover, agencyA)), []Role{RoleUpdater, RoleApprover}},
	{"no grants", userWith(), nil},
	{"nil user", nil, nil},
}

var (
	testOpens  = time.Date(2026, 11, 15, 8, 0, 0, 0, hcm)
	testCloses = time.Date(2026, 11, 25, 17, 0, 0, 0, hcm)
)

type windowCase struct {
	name string
	now  time.Time
	open bool
}

var windows = []windowCase{
	{"before the window", testOpens.Add(-time.Hour), false},
	{"window open", testOpens.Add(time.Hour), true},
	{"window closed", testCloses, false},
}

// newReport is agency A's report in state, round 1, version 7.
func newReport(state State) *Report {
	r := &Report{ID: 1, CampaignID: 1, AgencyID: agencyA, State: state, Round: 1, Version: 7,
		OpensAt: testOpens.UTC(), ClosesAt: testCloses.UTC()}
	if state == StateLocked {
		r.LockedFrom = StateReviewed
	}
	return r
}

type expectation struct {
	code  string // "" = allowed
	field string // the field error expected with code, if any
	to    State
	round int
	role  Role
}

// expect derives Decide's answer from docs/api.md alone: 422 unknown event, 403
// role, 412 If-Match, 423 window (or locked report), 409 state, 422 reason.
func expect(ev Event, state State, p persona, w windowCase, reason string, ifMatch *int64, version int64, round int) expectation {
	row, ok := apiTable[ev]
	if !ok {
		return expectation{code: EINVALID, field: "event"}
	}
	var role Role
	for _, r := range row.who {
		if slices.Contains(p.holds, r) {
			role = r
			break
		}
	}
	switch {
	case role == "":
		return expectation{code: EFORBIDDEN}
	case ifMatch != nil && *ifMatch != version:
		return expectation{code: EPRECONDITION}
	case row.window && (!w.open || state == StateLocked):
		return expectation{code: ELOCKED}
	case !slices.Contains(row.from, state):
		return expectation{code: ECONFLICT}
	case row.reason && strings.TrimSpace(reason) == "":
		return expectation{code: EINVALID, field: "reason"}
	}
	if row.nextRound {
		round++
	}
	return expectation{to: row.to, round: round, role: role}
}

// TestDecideMatrix fires every event of the table from every state, as every
// kind of caller, inside and outside the window, with and without a reason
// and If-Match, and compares Decide with docs/api.md.
func TestDecideMatrix(t *testing.T) {
	reasons := []string{"", " \t ", "Thiếu minh chứng cho tiêu chí 1.2"}
	ifMatches := []*int64{nil, i64(7), i64(6)}
	for _, tr := range Transitions {
		t.Run(string(tr.Event), func(t *testing.T) {
			checked, allowed := 0, 0
			for _, state := range States {
				for _, p := range personas {
					for _, w := range windows {
						for _, reason := range reasons {
							for _, im := range ifMatches {
								r := newReport(state)
								req := TransitionRequest{Event: tr.Event, Reason: reason, IfMatch: im}
								want := expect(tr.Event, state, p, w, reason, im, r.Version, r.Round)
								d, err := Decide(r, p.user, req, w.now)
								checked++
								what := fmt.Sprintf("%s from %s by %s, %s, reason %q, If-Match %v", tr.Event, state, p.name, w.name, reason, deref(im))
								if got := ErrorCode(err); got != want.code {
									t.Errorf("%s: code %q, want %q (%v)", what, got, want.code, err)
									continue
								}
								if r.State != state || r.Round != 1 || r.Version != 7 {
									t.Errorf("%s: Decide changed the report to %s round %d version %d", what, r.State, r.Round, r.Version)
								}
								if err != nil {
									if want.field != "" && !reflect.DeepEqual(fieldNames(err), []string{want.field}) {
										t.Errorf("%s: fields %v, want [%s]", what, fieldNames(err), want.field)
									}
									continue
								}
								allowed++
								if d.Event != tr.Event || d.From != state || d.To != want.to || d.Round != want.round || d.Role != want.role {
									t.Errorf("%s: decision %s %s→%s round %d as %s; want →%s round %d as %s",
										what, d.Event, d.From, d.To, d.Round, d.Role, want.to, want.round, want.role)
								}
							}
						}
					}
				}
			}
			if tr.Event != EventLock && allowed == 0 {
				t.Errorf("no case allowed %s; the matrix proves little", tr.Event)
			}
			if tr.Event == EventLock && allowed != 0 {
				t.Errorf("lock was allowed for a user %d times; it is system only", allowed)
			}
			t.Logf("%d cases, %d allowed", checked, allowed)
		})
	}
}

func deref(p *int64) any {
	if p == nil {
		return "none"
	}
	return *p
}

// TestTransitionsMatchAPI compares the production table row by row with docs/api.md.
func TestTransitionsMatchAPI(t *testing.T) {
	seen := map[Event]bool{}
	for _, tr := range Transitions {
		if seen[tr.Event] {
			t.Errorf("event %s appears twice", tr.Event)
		}
		seen[tr.Event] = true
		row, ok := apiTable[tr.Event]
		if !ok {
			t.Errorf("event %s is not in docs/api.md", tr.Event)
			continue
		}
		who := row.who
		if len(who) == 0 {
			who = []Role{RoleSystem}
		}
		to := tr.To
		if tr.Restores {
			to = StateReviewed // newReport's locked_from
		}
		if !reflect.DeepEqual(tr.From, row.from) || to != row.to || tr.Restores != row.restores || !reflect.DeepEqual(tr.Roles, who) ||
			tr.NeedsWindow != row.window || tr.NeedsReason != row.reason || tr.NextRound != row.nextRound {
			t.Errorf("%s = %+v; docs/api.md says %+v", tr.Event, tr, row)
		}
	}
	for ev := range apiTable {
		if !seen[ev] {
			t.Errorf("docs/api.md's event %s is missing from Transitions", ev)
		}
	}
	if got, want := Events(), []string{"complete", "reopen", "approve", "return", "sign", "submit", "lock", "open_round", "extend"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Events() = %v, want %v", got, want)
	}
	for _, tr := range Transitions {
		got, ok := LookupTransition(tr.Event)
		if !ok || got.Event != tr.Event {
			t.Errorf("LookupTransition(%s) = %v, %v", tr.Event, got.Event, ok)
		}
	}
	if _, ok := LookupTransition("extend?"); ok {
		t.Error("LookupTransition found an unknown event")
	}
}

// TestFSMAgreesWithTable: the looplab/fsm built from the table moves every
// allowed (event, from) to the table's To, and refuses every other pair.
func TestFSMAgreesWithTable(t *testing.T) {
	for _, tr := range Transitions {
		row := apiTable[tr.Event]
		for _, from := range States {
			f := newFSM(from)
			allowed := slices.Contains(row.from, from)
			if got := f.Can(string(tr.Event)); got != allowed {
				t.Errorf("fsm at %s: Can(%s) = %v, want %v", from, tr.Event, got, allowed)
				continue
			}
			if !allowed {
				if err := f.Event(context.Background(), string(tr.Event)); err == nil {
					t.Errorf("fsm at %s fired %s", from, tr.Event)
				}
				continue
			}
			if tr.Restores {
				// The fsm only says extend may fire from locked; Decide picks the target.
			} else if err := f.Event(context.Background(), string(tr.Event)); err != nil {
				t.Errorf("fsm at %s: %s: %v", from, tr.Event, err)
				continue
			} else if got := State(f.Current()); got != tr.To || got != row.to {
				t.Errorf("fsm: %s from %s lands in %s; table says %s, docs/api.md %s", tr.Event, from, got, tr.To, row.to)
			}

			// Decide, which runs the same fsm, gives the same answer to a caller allowed to fire it.
			caller := callerFor(tr)
			if caller == nil {
				continue // lock: system only
			}
			d, err := Decide(newReport(from), caller, TransitionRequest{Event: tr.Event, Reason: "r"}, testOpens.Add(time.Hour))
			if err != nil || d.To != row.to {
				t.Errorf("Decide %s from %s = %s, %v; want %s", tr.Event, from, d.To, err, row.to)
			}
		}
	}
}

// callerFor returns a persona allowed to fire tr on agency A's report.
func callerFor(tr Transition) *User {
	for _, p := range personas {
		if slices.Contains(p.holds, tr.Roles[0]) {
			return p.user
		}
	}
	return nil
}

func TestDecideUnknownEvent(t *testing.T) {
	for _, ev := range []Event{"", "extend ", "Complete", "delete", "lock\x00"} {
		for _, p := range personas {
			// 422 outranks 403, 412 and 423: stale If-Match, closed window, nil user.
			_, err := Decide(newReport(StateLocked), p.user, TransitionRequest{Event: ev, IfMatch: i64(1)}, testCloses)
			wantCode(t, err, EINVALID)
			if !reflect.DeepEqual(fieldNames(err), []string{"event"}) {
				t.Errorf("%q by %s: fields %v, want [event]", ev, p.name, fieldNames(err))
			}
		}
	}
}

func TestDecidePrecedence(t *testing.T) {
	updater, approver, council, admin := personas[0].user, personas[1].user, personas[3].user, personas[4].user
	open, closed := testOpens.Add(time.Hour), testCloses
	tests := []struct {
		name    string
		state   State
		user    *User
		event   Event
		reason  string
		ifMatch *int64
		now     time.Time
		want    string
	}{
		{"wrong role + stale If-Match → 403", StateDraft, approver, EventComplete, "", i64(6), open, EFORBIDDEN},
		{"wrong role + stale + closed + wrong state → 403", StateSubmitted, updater, EventApprove, "", i64(6), closed, EFORBIDDEN},
		{"right role + stale If-Match + closed window → 412", StateDraft, updater, EventComplete, "", i64(6), closed, EPRECONDITION},
		{"right role + stale If-Match + wrong state → 412", StateSubmitted, updater, EventComplete, "", i64(6), open, EPRECONDITION},
		{"right role + stale If-Match + missing reason → 412", StateEntered, approver, EventReturn, "", i64(8), open, EPRECONDITION},
		{"right role + current If-Match + closed window → 423", StateDraft, updater, EventComplete, "", i64(7), closed, ELOCKED},
		{"closed window + wrong state → 423", StateSubmitted, approver, EventSubmit, "", nil, closed, ELOCKED},
		{"locked report, window open → 423", StateLocked, approver, EventApprove, "ok", nil, open, ELOCKED},
		{"wrong state + missing reason → 409", StateDraft, approver, EventReturn, "", nil, open, ECONFLICT},
		{"missing reason → 422", StateSigned, approver, EventReturn, "", nil, open, EINVALID},
		{"lock by admin + stale → 403", StateDraft, admin, EventLock, "", i64(1), closed, EFORBIDDEN},
		{"lock by council → 403", StateSigned, council, EventLock, "", nil, closed, EFORBIDDEN},
		{"lock by a user holding a stray system grant → 403", StateSigned, userWith(Grant{Role: RoleSystem}), EventLock, "", nil, closed, EFORBIDDEN},
		{"open_round + stale → 412", StateSubmitted, council, EventOpenRound, "", i64(6), closed, EPRECONDITION},
		{"open_round with closed window → allowed", StateLocked, council, EventOpenRound, "", i64(7), closed, ""},
		{"open_round before the window → allowed", StateSubmitted, council, EventOpenRound, "", nil, testOpens.Add(-time.Hour), ""},
		{"open_round from draft → 409", StateDraft, council, EventOpenRound, "", nil, open, ECONFLICT},
		{"open_round by admin → 403", StateSubmitted, admin, EventOpenRound, "", nil, open, EFORBIDDEN},
		{"approve at the last millisecond → allowed", StateEntered, approver, EventApprove, "", nil, testCloses.Add(-time.Millisecond), ""},
		{"approve at the deadline → 423", StateEntered, approver, EventApprove, "", nil, testCloses, ELOCKED},
		{"approve at the opening instant → allowed", StateEntered, approver, EventApprove, "", nil, testOpens, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decide(newReport(tt.state), tt.user, TransitionRequest{Event: tt.event, Reason: tt.reason, IfMatch: tt.ifMatch}, tt.now)
			wantCode(t, err, tt.want)
		})
	}
}

func TestDecideOpenRound(t *testing.T) {
	council := personas[3].user
	for _, from := range []State{StateSubmitted, StateLocked} {
		for _, round := range []int{0, 1, 4} {
			r := newReport(from)
			r.Round = round
			d, err := Decide(r, council, TransitionRequest{Event: EventOpenRound}, testCloses.Add(24*time.Hour))
			if err != nil {
				t.Fatalf("open_round from %s round %d: %v", from, round, err)
			}
			if d.To != StateDraft || d.Round != round+1 || d.From != from || d.Role != RoleCouncil || !d.NextRound {
				t.Errorf("open_round from %s round %d = %+v; want draft, round %d", from, round, d, round+1)
			}
		}
	}
}

func TestAvailableTransitions(t *testing.T) {
	updater, approver, other, council, admin, both := personas[0].user, personas[1].user, personas[2].user, personas[3].user, personas[4].user, personas[5].user
	open, closed := testOpens.Add(time.Hour), testCloses
	tests := []struct {
		name  string
		state State
		user  *User
		now   time.Time
		want  []Available
	}{
		{"updater in draft, window open", StateDraft, updater, open, []Available{{EventComplete, StateEntered}}},
		{"updater in draft, window closed", StateDraft, updater, closed, []Available{}},
		{"updater in draft, before the window", StateDraft, updater, testOpens.Add(-time.Second), []Available{}},
		{"updater in entered", StateEntered, updater, open, []Available{{EventReopen, StateDraft}}},
		{"approver in draft", StateDraft, approver, open, []Available{}},
		{"approver in entered", StateEntered, approver, open, []Available{{EventApprove, StateReviewed}, {EventReturn, StateDraft}}},
		{"approver in reviewed", StateReviewed, approver, open, []Available{{EventReturn, StateDraft}, {EventSign, StateSigned}}},
		{"approver in signed", StateSigned, approver, open, []Available{{EventReturn, StateDraft}, {EventSubmit, StateSubmitted}}},
		{"approver in signed, window closed", StateSigned, approver, closed, []Available{}},
		{"approver of a locked report", StateLocked, approver, open, []Available{}},
		{"updater+approver in entered", StateEntered, both, open, []Available{{EventReopen, StateDraft}, {EventApprove, StateReviewed}, {EventReturn, StateDraft}}},
		{"other agency in entered", StateEntered, other, open, []Available{}},
		{"council on submitted", StateSubmitted, council, closed, []Available{{EventOpenRound, StateDraft}}},
		{"council on locked", StateLocked, council, closed, []Available{{EventOpenRound, StateDraft}, {EventExtend, StateReviewed}}},
		{"council on draft", StateDraft, council, open, []Available{}},
		{"admin on locked", StateLocked, admin, closed, []Available{{EventExtend, StateReviewed}}},
		{"admin on draft", StateDraft, admin, open, []Available{}},
		{"nil user", StateDraft, nil, open, []Available{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AvailableTransitions(newReport(tt.state), tt.user, tt.now)
			if got == nil {
				t.Fatal("AvailableTransitions returned nil; the API answers a JSON list, [] when empty")
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("AvailableTransitions = %v, want %v", got, tt.want)
			}
		})
	}

	// Across the whole matrix, the list is exactly the events docs/api.md allows
	// (a reason being given, no If-Match).
	for _, state := range States {
		for _, p := range personas {
			for _, w := range windows {
				var want []Event
				for _, tr := range Transitions {
					if expect(tr.Event, state, p, w, "r", nil, 7, 1).code == "" {
						want = append(want, tr.Event)
					}
				}
				var got []Event
				for _, a := range AvailableTransitions(newReport(state), p.user, w.now) {
					got = append(got, a.Event)
					if a.To != apiTable[a.Event].to {
						t.Errorf("%s by %s: %s leads to %s, want %s", state, p.name, a.Event, a.To, apiTable[a.Event].to)
					}
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s by %s, %s: available %v, want %v", state, p.name, w.name, got, want)
				}
			}
		}
	}
}
