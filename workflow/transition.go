package workflow

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/looplab/fsm"
)

// State is where a report stands in the workflow.
type State string

// The report states.
const (
	StateDraft     State = "draft"
	StateEntered   State = "entered"
	StateReviewed  State = "reviewed"
	StateSigned    State = "signed"
	StateSubmitted State = "submitted"
	StateLocked    State = "locked"
)

// States lists every state in workflow order.
var States = []State{StateDraft, StateEntered, StateReviewed, StateSigned, StateSubmitted, StateLocked}

// Event is something that moves a report from one state to another.
type Event string

// The events of the report workflow.
const (
	EventComplete  Event = "complete"
	EventReopen    Event = "reopen"
	EventApprove   Event = "approve"
	EventReturn    Event = "return"
	EventSign      Event = "sign"
	EventSubmit    Event = "submit"
	EventLock      Event = "lock"
	EventOpenRound Event = "open_round"
	EventExtend    Event = "extend"
)

// Transition is one row of the workflow's single table: the FSM, role checks,
// GET /transitions, the OpenAPI enum and the README diagram all read it.
type Transition struct {
	Event Event
	From  []State
	To    State
	// Roles may fire the event; RoleSystem alone means only the scheduler.
	Roles []Role
	// NeedsWindow: refused with 423 unless the report's window is open.
	NeedsWindow bool
	// NeedsReason: refused with 422 without a reason.
	NeedsReason bool
	// NextRound: the event starts a supplementary round (round + 1).
	NextRound bool
	// Restores sends the report back to the state it was locked from; To is
	// only a placeholder for such an event.
	Restores bool
	// Accepts lists the body fields the event takes besides "event" and
	// "reason" (which every event takes and records).
	Accepts []string
	// Guard is the content the event checks before it is written, beyond
	// the table's own checks; its 422 is answered after every other.
	Guard Guard
	// Deadline is what the event writes to the report's deadline.
	Deadline DeadlineChange
	// Notifies is the notice kind the event puts in the outbox, in the
	// same write; "" for none.
	Notifies string
}

// Guard names a content check of an event.
type Guard string

// The content guards.
const (
	GuardNone          Guard = ""
	GuardComplete      Guard = "complete"       // every applicable self-scored leaf has a score and evidence or an explanation
	GuardSignedSummary Guard = "signed_summary" // the signed summary is this version's export, signed as the policy wants
	GuardSignedContent Guard = "signed_content" // the report's content is still what its signed summary shows
)

// DeadlineChange is what an event does to a report's own deadline.
type DeadlineChange int

// The deadline changes.
const (
	DeadlineKeep     DeadlineChange = iota
	DeadlineNewRound                // open a round with its own window (closes_at, criteria); the report's own deadline is cleared
	DeadlineExtend                  // set the report's own deadline (closes_at)
)

// The notice kinds transitions cause (the scheduler's own kinds, reminders
// and campaign openings, are the notifier's).
const (
	NoticeReturned    = "returned"
	NoticeSubmitted   = "submitted"
	NoticeLocked      = "locked"
	NoticeExtended    = "extended"
	NoticeRoundOpened = "round_opened"
)

// Transitions is the workflow: every per-event rule is a column here. Keep
// docs/api.md's table and this one in step (a test checks the README's).
var Transitions = []Transition{
	{Event: EventComplete, From: []State{StateDraft}, To: StateEntered, Roles: []Role{RoleUpdater}, NeedsWindow: true, Guard: GuardComplete},
	{Event: EventReopen, From: []State{StateEntered}, To: StateDraft, Roles: []Role{RoleUpdater}, NeedsWindow: true},
	{Event: EventApprove, From: []State{StateEntered}, To: StateReviewed, Roles: []Role{RoleApprover}, NeedsWindow: true},
	{Event: EventReturn, From: []State{StateEntered, StateReviewed, StateSigned}, To: StateDraft, Roles: []Role{RoleApprover}, NeedsWindow: true, NeedsReason: true,
		Notifies: NoticeReturned},
	{Event: EventSign, From: []State{StateReviewed}, To: StateSigned, Roles: []Role{RoleApprover}, NeedsWindow: true, Guard: GuardSignedSummary},
	{Event: EventSubmit, From: []State{StateSigned}, To: StateSubmitted, Roles: []Role{RoleApprover}, NeedsWindow: true, Guard: GuardSignedContent,
		Notifies: NoticeSubmitted},
	{Event: EventLock, From: []State{StateDraft, StateEntered, StateReviewed, StateSigned}, To: StateLocked, Roles: []Role{RoleSystem},
		Notifies: NoticeLocked},
	{Event: EventOpenRound, From: []State{StateSubmitted, StateLocked}, To: StateDraft, Roles: []Role{RoleCouncil}, NextRound: true,
		Accepts: []string{"closes_at", "criteria"}, Deadline: DeadlineNewRound, Notifies: NoticeRoundOpened},
	{Event: EventExtend, From: []State{StateLocked}, To: StateLocked, Roles: []Role{RoleCouncil, RoleAdmin}, NeedsReason: true, Restores: true,
		Accepts: []string{"closes_at"}, Deadline: DeadlineExtend, Notifies: NoticeExtended},
}

// CheckFields refuses a body field the event does not take (present lists
// the fields the body carried besides "event" and "reason"): 422 on the
// field, naming the events that take it.
func (t Transition) CheckFields(present []string) error {
	for _, f := range present {
		if slices.Contains(t.Accepts, f) {
			continue
		}
		var takers Phrases
		for _, other := range Transitions {
			if slices.Contains(other.Accepts, f) {
				takers = append(takers, Phrase(other.Event))
			}
		}
		const onlyFor = "Trường %s chỉ dùng cho thao tác %s."
		return Errorf(EINVALID, onlyFor, f, takers).WithFields(Field(f, onlyFor, f, takers))
	}
	return nil
}

// LockableStates are the states the deadline locks a report in: the lock
// event's sources, which extend restores.
func LockableStates() []State { return lockTransition().From }

// fsmEvents is Transitions in looplab/fsm's terms, built once.
var fsmEvents = func() fsm.Events {
	var evs fsm.Events
	for _, t := range Transitions {
		src := make([]string, len(t.From))
		for i, s := range t.From {
			src[i] = string(s)
		}
		evs = append(evs, fsm.EventDesc{Name: string(t.Event), Src: src, Dst: string(t.To)})
	}
	return evs
}()

// Events lists every event name, in table order.
func Events() []string {
	out := make([]string, len(Transitions))
	for i, t := range Transitions {
		out[i] = string(t.Event)
	}
	return out
}

// LookupTransition finds the table row of an event.
func LookupTransition(ev Event) (Transition, bool) {
	for _, t := range Transitions {
		if t.Event == ev {
			return t, true
		}
	}
	return Transition{}, false
}

// CheckEvent finds an event's row of the table, or answers EINVALID naming the known events.
func CheckEvent(ev Event) (Transition, error) {
	t, ok := LookupTransition(ev)
	if !ok {
		return t, Errorf(EINVALID, "Không có thao tác %q.", ev).
			WithFields(Field("event", "Phải là một trong: %s.", strings.Join(Events(), ", ")))
	}
	return t, nil
}

// newFSM builds a state machine positioned at the stored state; one per request,
// never shared, and with no callbacks: I/O stays in the store's transaction.
func newFSM(state State) *fsm.FSM { return fsm.NewFSM(string(state), fsmEvents, nil) }

// TransitionRequest is what a caller asks for.
type TransitionRequest struct {
	Event  Event
	Reason string
	// IfMatch is the version the caller last saw, when it sent If-Match.
	IfMatch *int64
	// Invalid is a body problem found while decoding (an unreadable or
	// misplaced closes_at); it is refused at the content stage, after every
	// check that outranks it.
	Invalid error
}

// Decision is the outcome of a permitted transition.
type Decision struct {
	Transition
	From  State
	To    State
	Round int
	Role  Role
}

// Decide checks a transition against the report in the order the API promises
// (unknown event 422, role 403, If-Match 412, window 423, state 409, reason 422)
// and says where it leads. Content guards such as completeness are the caller's.
func Decide(r *Report, u *User, req TransitionRequest, now time.Time) (Decision, error) {
	t, err := CheckEvent(req.Event)
	if err != nil {
		return Decision{}, err
	}
	role, ok := roleFor(t, r.AgencyID, u)
	if !ok {
		return Decision{}, CanFire(u, t.Event, r.AgencyID)
	}
	if req.IfMatch != nil && *req.IfMatch != r.Version {
		return Decision{}, Errorf(EPRECONDITION, "Báo cáo đang ở phiên bản %d, không phải %d: hãy tải lại.", r.Version, *req.IfMatch)
	}
	if t.NeedsWindow {
		if err := r.CheckWindow(now); err != nil {
			return Decision{}, err
		}
	}
	f := newFSM(r.State)
	if !f.Can(string(t.Event)) {
		return Decision{}, Errorf(ECONFLICT, "Báo cáo %s thì không thể %s.", r.State, t.Event)
	}
	to := r.LockedFrom
	if !t.Restores {
		if err := f.Event(context.Background(), string(t.Event)); err != nil {
			return Decision{}, Errorf(EINTERNAL, "Lỗi máy trạng thái: %v.", err)
		}
		to = State(f.Current())
	} else if !lockable(to) {
		return Decision{}, Errorf(ECONFLICT, "Báo cáo không có trạng thái để trở lại (khóa từ %q).", to)
	}
	if t.NeedsReason && NormalizeText(req.Reason) == "" {
		return Decision{}, Errorf(EINVALID, "Cần nêu lý do để %s.", t.Event).WithFields(Field("reason", "Bắt buộc."))
	}
	if hasNUL(req.Reason) {
		return Decision{}, Errorf(EINVALID, "Lý do chứa ký tự NUL.").WithFields(Field("reason", noNUL))
	}
	if err := LimitReason.Check("reason", NormalizeText(req.Reason)); err != nil {
		return Decision{}, err
	}
	d := Decision{Transition: t, From: r.State, To: to, Round: r.Round, Role: role}
	if t.NextRound {
		d.Round++
	}
	return d, nil
}

// roleFor picks the role under which u may fire t on a report of the
// agency; the system role is never a user's.
func roleFor(t Transition, agencyID int64, u *User) (Role, bool) {
	if u == nil {
		return "", false
	}
	for _, role := range t.Roles {
		if role != RoleSystem && u.Has(role, agencyID) {
			return role, true
		}
	}
	return "", false
}

// Available is one event a caller may fire now and where it leads.
type Available struct {
	Event Event `json:"event"`
	To    State `json:"to"`
}

// AvailableTransitions lists the events u may fire on r now, with role, state
// and window considered; content guards are checked only when fired.
func AvailableTransitions(r *Report, u *User, now time.Time) []Available {
	out := []Available{}
	for _, t := range Transitions {
		d, err := Decide(r, u, TransitionRequest{Event: t.Event, Reason: "-"}, now)
		if err == nil {
			out = append(out, Available{Event: t.Event, To: d.To})
		}
	}
	return out
}

// Mermaid renders the transition table as a Mermaid state diagram; the README
// carries a copy that a test keeps current.
func Mermaid() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	b.WriteString("    [*] --> draft\n")
	for _, t := range Transitions {
		roles := make([]string, len(t.Roles))
		for i, r := range t.Roles {
			roles[i] = string(r)
		}
		label := fmt.Sprintf("%s (%s)", t.Event, strings.Join(roles, ", "))
		if t.NextRound {
			label += ", round + 1"
		}
		for _, from := range t.From {
			if !t.Restores {
				fmt.Fprintf(&b, "    %s --> %s: %s\n", from, t.To, label)
				continue
			}
			for _, to := range lockTransition().From {
				fmt.Fprintf(&b, "    %s --> %s: %s, if locked from %s\n", from, to, label, to)
			}
		}
	}
	return b.String()
}

// lockTransition is the system's lock event: its sources are the states a
// locked report can be restored to.
func lockTransition() Transition {
	t, _ := LookupTransition(EventLock)
	return t
}

// lockable reports whether a report may be locked from state s (and so
// restored to it by extend).
func lockable(s State) bool {
	for _, from := range lockTransition().From {
		if from == s {
			return true
		}
	}
	return false
}
