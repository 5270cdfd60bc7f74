package workflow

import "slices"

// Action is something a user may do. Every decision of the form "may this
// user do this to this thing" is Can's: the router, the handlers and the
// store ask it and never restate a role rule, and the authorization matrix
// test and the web pages read the same table.
type Action string

// The actions. Report actions name the report's agency in their Target;
// province actions need none; ActTokensList names a user.
const (
	// Report actions: a report, its entries, revisions, history, evidence
	// files and exports.
	ActReportSee           Action = "report:see"
	ActEntryEdit           Action = "entry:edit"
	ActEvidenceAdd         Action = "evidence:add"
	ActEvidenceDelete      Action = "evidence:delete"
	ActEvidenceSeeDeleted  Action = "evidence:see-deleted"
	ActSignedSummaryUpload Action = "signed-summary:upload"
	ActHistoryOrigin       Action = "history:origin" // request ids and client addresses in the history

	// Province actions.
	ActExemptionsSet  Action = "exemptions:set"
	ActAgencyManage   Action = "agency:manage" // agencies, their officials and registered signers
	ActUserManage     Action = "user:manage"
	ActTokenManage    Action = "token:manage" // issue and revoke anyone's tokens
	ActCriteriaManage Action = "criteria:manage"
	ActCampaignManage Action = "campaign:manage"
	ActRoundOpen      Action = "round:open" // a supplementary round for a whole campaign
	ActProgressSee    Action = "progress:see"
	ActAuditRead      Action = "audit:read"

	// ActTokensList: a user's tokens, which the user and admins may list.
	ActTokensList Action = "tokens:list"
)

// Target is what an action is done to.
type Target struct {
	AgencyID int64 // a report action's report's agency
	UserID   int64 // ActTokensList's user
}

// scope says how a rule reads its target.
type scope int

const (
	province scope = iota // the roles alone decide
	report                // visibility first (404, no existence leaks), then the roles
	self                  // the user themself, or the roles
)

// rule is one line of the policy: the roles that may, and what a refused
// caller is told.
type rule struct {
	scope  scope
	roles  []Role // any of them, for the target's agency where the role is agency-scoped; nil: anyone who may see
	denied string
}

// policy is the authorization table.
var policy = map[Action]rule{
	ActReportSee:           {scope: report},
	ActEntryEdit:           {report, []Role{RoleUpdater}, "Chỉ cán bộ cập nhật của đơn vị được nhập điểm và giải trình."},
	ActEvidenceAdd:         {report, []Role{RoleUpdater}, "Chỉ cán bộ cập nhật của đơn vị được đính kèm tài liệu kiểm chứng."},
	ActEvidenceDelete:      {report, []Role{RoleUpdater}, "Chỉ cán bộ cập nhật của đơn vị được xoá tài liệu kiểm chứng."},
	ActEvidenceSeeDeleted:  {report, []Role{RoleCouncil, RoleAdmin}, "Chỉ Hội đồng thẩm định và quản trị viên được xem tài liệu đã xoá."},
	ActSignedSummaryUpload: {report, []Role{RoleApprover}, "Chỉ lãnh đạo phê duyệt của đơn vị được tải lên bảng tổng hợp có chữ ký số."},
	ActHistoryOrigin:       {report, []Role{RoleAdmin}, "Chỉ quản trị viên được xem mã yêu cầu và địa chỉ truy cập."},

	ActExemptionsSet:  {province, []Role{RoleAdmin}, "Chỉ quản trị viên được miễn tiêu chí."},
	ActAgencyManage:   {province, []Role{RoleAdmin}, "Chỉ quản trị viên được quản lý đơn vị."},
	ActUserManage:     {province, []Role{RoleAdmin}, "Chỉ quản trị viên được quản lý người dùng."},
	ActTokenManage:    {province, []Role{RoleAdmin}, "Chỉ quản trị viên được cấp và thu hồi mã truy cập."},
	ActCriteriaManage: {province, []Role{RoleAdmin}, "Chỉ quản trị viên được quản lý bộ tiêu chí."},
	ActCampaignManage: {province, []Role{RoleAdmin}, "Chỉ quản trị viên được quản lý kỳ đánh giá."},
	ActRoundOpen:      {province, []Role{RoleCouncil}, "Chỉ Hội đồng thẩm định được mở đợt báo cáo bổ sung."},
	ActProgressSee:    {province, []Role{RoleCouncil, RoleAdmin}, "Chỉ Hội đồng thẩm định và quản trị viên được xem tiến độ kỳ đánh giá."},
	ActAuditRead:      {province, []Role{RoleAdmin}, "Chỉ quản trị viên được xem nhật ký quản trị."},

	ActTokensList: {self, []Role{RoleAdmin}, "Chỉ quản trị viên hoặc chính người dùng đó được xem danh sách mã truy cập."},
}

// Can says whether u may do a to t: nil, or the refusal the caller gets.
// A report action on a report u may not see is ENOTFOUND (another agency's
// report does not exist for u); any other refusal is EFORBIDDEN with the
// rule's message. An unknown action is refused.
func Can(u *User, a Action, t Target) error {
	r, ok := policy[a]
	if !ok || u == nil {
		return Errorf(EFORBIDDEN, "Vai trò của bạn không được làm việc này.")
	}
	switch r.scope {
	case report:
		if !u.CanSeeAgency(t.AgencyID) {
			return Errorf(ENOTFOUND, "Không tìm thấy báo cáo.")
		}
	case self:
		if u.ID == t.UserID {
			return nil
		}
	}
	if r.roles == nil || u.hasAny(r.roles, t.AgencyID) {
		return nil
	}
	// The denial is a catalogue key with no arguments (Errorf would make vet
	// ask for a constant format).
	return &Error{Code: EFORBIDDEN, Message: r.denied, Format: r.denied}
}

// Allows is Can as a yes or no, for pages that show only what may be done.
func Allows(u *User, a Action, t Target) bool { return Can(u, a, t) == nil }

// RefusesEarly reports whether a's refusal depends on no target: such an
// action is refused before anything is looked up (a 403 outranks a 404).
func RefusesEarly(a Action) bool { return policy[a].scope == province }

// Actions lists every action of the policy, sorted, for tests that must
// cover them all.
func Actions() []Action {
	out := make([]Action, 0, len(policy))
	for a := range policy {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// hasAny reports whether u holds one of roles (for agencyID where the role
// is agency-scoped).
func (u *User) hasAny(roles []Role, agencyID int64) bool {
	for _, role := range roles {
		if u.Has(role, agencyID) {
			return true
		}
	}
	return false
}

// SeesAll reports whether u may see every agency's reports (council and admin).
func (u *User) SeesAll() bool { return u.Has(RoleAdmin, 0) || u.Has(RoleCouncil, 0) }

// CanSeeAgency reports whether u may see the agency's reports: council and
// admins every agency's, updaters and approvers their own agency's.
func (u *User) CanSeeAgency(agencyID int64) bool {
	return u.SeesAll() || u.Has(RoleUpdater, agencyID) || u.Has(RoleApprover, agencyID)
}

// CanFire says whether u's roles may fire ev on a report of the agency,
// the transition table's part of the policy; the rest of a transition's
// checks (If-Match, window, state, content) are Decide's.
func CanFire(u *User, ev Event, agencyID int64) error {
	t, err := CheckEvent(ev)
	if err != nil {
		return err
	}
	if _, ok := roleFor(t, agencyID, u); !ok {
		return Errorf(EFORBIDDEN, "Vai trò của bạn không được thực hiện «%s» với báo cáo này.", t.Event)
	}
	return nil
}
