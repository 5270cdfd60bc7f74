package workflow

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"time"
)

// Report is one agency's self-assessment in one campaign.
type Report struct {
	ID            int64
	CampaignID    int64
	AgencyID      int64
	CriteriaSetID int64
	State         State
	Round         int
	Version       int64
	LockedFrom    State
	// UpdatedAt is when the current version was made.
	UpdatedAt time.Time
	// OpensAt and ClosesAt are the window in force for this report and round.
	OpensAt  time.Time
	ClosesAt time.Time
	// RoundCriteria lists the codes editable in a supplementary round (round > 0).
	RoundCriteria []string
	Exemptions    []string
	Entries       []Entry
	SelfTotal     Points
	MaxTotal      Points
}

// Entry is a report's line for one leaf of its criteria set.
type Entry struct {
	Code        string  `json:"code"`
	Title       string  `json:"title"`
	Method      Method  `json:"method"`
	MaxPoints   Points  `json:"max_points"`
	Step        Points  `json:"-"`
	SelfScore   *Points `json:"self_score"`
	Explanation string  `json:"explanation"`
	Editable    bool    `json:"editable"`
	Exempt      bool    `json:"exempt"`
	// Evidence counts the evidence files attached and not deleted.
	Evidence int `json:"evidence"`
}

// EntryValue is what is stored for one leaf.
type EntryValue struct {
	SelfScore   *Points
	Explanation string
	// Evidence counts the leaf's current evidence files (read only).
	Evidence int
	// Invalid is a value that could not be read (a score with three decimals,
	// say); it is refused at the 422 stage, after every check that outranks it.
	Invalid error
}

// WindowOpen reports whether the report's window is open at now.
func (r *Report) WindowOpen(now time.Time) bool { return WindowOpen(r.OpensAt, r.ClosesAt, now) }

// Editable reports whether leaf may be edited in the report's current round,
// whatever the state: a self leaf that is not exempt and, in a supplementary
// round, one of the round's criteria.
func (r *Report) Editable(leaf *Criterion) bool {
	if leaf.Method != MethodSelf || contains(r.Exemptions, leaf.Code) {
		return false
	}
	return r.Round == 0 || contains(r.RoundCriteria, leaf.Code)
}

// Fill builds the entries and totals from the set's leaves and the stored values.
func (r *Report) Fill(set *CriteriaSet, values map[string]EntryValue) {
	leaves := set.LeafList()
	r.Entries = make([]Entry, 0, len(leaves))
	r.SelfTotal, r.MaxTotal = 0, 0
	for _, leaf := range leaves {
		v := values[leaf.Code]
		e := Entry{
			Code: leaf.Code, Title: leaf.Title, Method: leaf.Method, MaxPoints: leaf.MaxPoints, Step: leaf.Step,
			SelfScore: v.SelfScore, Explanation: v.Explanation, Evidence: v.Evidence,
			Editable: r.Editable(leaf), Exempt: contains(r.Exemptions, leaf.Code),
		}
		if !e.Exempt {
			r.MaxTotal += leaf.MaxPoints
			if e.SelfScore != nil {
				r.SelfTotal += *e.SelfScore
			}
		}
		r.Entries = append(r.Entries, e)
	}
}

// MissingForComplete lists the applicable self leaves that lack a score, or
// lack both evidence and an explanation, as field errors named entries/<code>.
func (r *Report) MissingForComplete() []FieldError {
	var fields []FieldError
	for _, e := range r.Entries {
		if e.Method != MethodSelf || e.Exempt {
			continue
		}
		noScore := e.SelfScore == nil
		noSupport := e.Evidence == 0 && strings.TrimSpace(e.Explanation) == ""
		field := "entries/" + e.Code
		switch {
		case noScore && noSupport:
			fields = append(fields, Field(field, "Cần điểm tự chấm và tài liệu kiểm chứng hoặc giải trình."))
		case noScore:
			fields = append(fields, Field(field, "Cần điểm tự chấm."))
		case noSupport:
			fields = append(fields, Field(field, "Cần tài liệu kiểm chứng hoặc giải trình."))
		}
	}
	return fields
}

// CheckEntry decides whether the updater may write value to leaf code now, in
// the order the API promises: unknown criterion 404, stale If-Match 412, closed
// window or locked report 423, state 409, leaf or value rules 422.
func (r *Report) CheckEntry(set *CriteriaSet, code string, value EntryValue, ifMatch *int64, now time.Time) error {
	var leaf *Criterion
	set.Walk(func(c *Criterion) {
		if c.Code == code {
			leaf = c
		}
	})
	if leaf == nil {
		return Errorf(ENOTFOUND, "Tiêu chí %s không có trong bộ tiêu chí của báo cáo này.", code)
	}
	if ifMatch != nil && *ifMatch != r.Version {
		return Errorf(EPRECONDITION, "Báo cáo đang ở phiên bản %d, không phải %d: hãy tải lại.", r.Version, *ifMatch)
	}
	if err := r.CheckWindow(now); err != nil {
		return err
	}
	if r.State != StateDraft {
		return Errorf(ECONFLICT, "Chỉ sửa được điểm khi báo cáo đang nhập liệu; báo cáo hiện %s.", r.State)
	}
	field := "entries/" + code
	switch {
	case !leaf.IsLeaf():
		return Errorf(EINVALID, "Tiêu chí %s có tiêu chí con; hãy chấm điểm các tiêu chí con.", code).WithFields(Field(field, "Không phải tiêu chí lá."))
	case leaf.Method != MethodSelf:
		return Errorf(EINVALID, "Tiêu chí %s do %s chấm, không do đơn vị tự chấm.", code, leaf.Method).WithFields(Field(field, "Không phải tiêu chí tự chấm."))
	case contains(r.Exemptions, code):
		return Errorf(EINVALID, "Tiêu chí %s được miễn đối với báo cáo này.", code).WithFields(Field(field, "Được miễn."))
	case !r.Editable(leaf):
		return Errorf(EINVALID, "Tiêu chí %s không được sửa trong đợt %d.", code, r.Round).WithFields(Field(field, "Không được sửa trong đợt này."))
	}
	if value.Invalid != nil {
		return value.Invalid
	}
	if s := value.SelfScore; s != nil {
		switch {
		case *s < 0 || *s > leaf.MaxPoints:
			return Errorf(EINVALID, "Điểm %s nằm ngoài khoảng 0..%s.", *s, leaf.MaxPoints).
				WithFields(Field(field+"/self_score", "Phải từ 0 đến %s.", leaf.MaxPoints))
		case *s%leaf.Step != 0:
			return Errorf(EINVALID, "Điểm %s không phải bội số của %s.", *s, leaf.Step).
				WithFields(Field(field+"/self_score", "Điểm phải tăng theo bước %s.", leaf.Step))
		}
	}
	if err := LimitExplanation.Check(field+"/explanation", value.Explanation); err != nil {
		return err
	}
	if hasNUL(value.Explanation) {
		return Errorf(EINVALID, "Phần giải trình chứa ký tự NUL.").WithFields(Field(field+"/explanation", noNUL))
	}
	return nil
}

// CheckWindow answers 423 when the report is locked or its window is not open.
func (r *Report) CheckWindow(now time.Time) error {
	if r.State == StateLocked {
		return Errorf(ELOCKED, "Báo cáo đã khóa.")
	}
	if now.Before(r.OpensAt) {
		return Errorf(ELOCKED, "Thời hạn nhập liệu bắt đầu lúc %s.", r.OpensAt.Format(time.RFC3339))
	}
	if !now.Before(r.ClosesAt) {
		return Errorf(ELOCKED, "Thời hạn nhập liệu đã kết thúc lúc %s.", r.ClosesAt.Format(time.RFC3339))
	}
	return nil
}

// CheckExemptions decides whether an admin may set the report's exemptions
// at now, in the order entry writes answer: a locked report or a window that
// is closed (or not yet open) 423, a signed or submitted report 409, then
// every problem with the codes (exemptible leaves of the set) and the reason
// (required, at most LimitReason) 422. It returns the codes deduplicated and
// sorted, and the reason in NFC.
func (r *Report) CheckExemptions(set *CriteriaSet, codes []string, reason string, now time.Time) ([]string, string, error) {
	if err := r.CheckWindow(now); err != nil {
		return nil, "", err
	}
	if r.State == StateSigned || r.State == StateSubmitted {
		return nil, "", Errorf(ECONFLICT, "Không thể thay đổi tiêu chí được miễn khi báo cáo đã ký hoặc đã gửi.")
	}
	exemptible := map[string]bool{}
	for _, l := range set.LeafList() {
		if l.Exemptible {
			exemptible[l.Code] = true
		}
	}
	var fields []FieldError
	seen := map[string]bool{}
	var out []string
	for _, c := range codes {
		c = NormalizeText(c)
		switch {
		case !exemptible[c]:
			fields = append(fields, Field("codes", "%s không phải tiêu chí được phép miễn của báo cáo này.", c))
		case !seen[c]:
			seen[c] = true
			out = append(out, c)
		}
	}
	reason = NormalizeText(reason)
	var reasonErr *Error
	switch {
	case reason == "":
		reasonErr = Errorf(EINVALID, reasonRequired).WithFields(Field("reason", reasonRequired))
	case hasNUL(reason):
		reasonErr = Errorf(EINVALID, "Lý do chứa ký tự NUL.").WithFields(Field("reason", noNUL))
	case LimitReason.Over(reason):
		reasonErr = LimitReason.Check("reason", reason).(*Error)
	}
	switch {
	case fields != nil && reasonErr != nil:
		return nil, "", Errorf(EINVALID, "Chỉ miễn được những tiêu chí được phép miễn.").WithFields(append(fields, reasonErr.Fields...)...)
	case fields != nil:
		return nil, "", Errorf(EINVALID, "Chỉ miễn được những tiêu chí được phép miễn.").WithFields(fields...)
	case reasonErr != nil:
		return nil, "", reasonErr
	}
	sort.Strings(out)
	return out, reason, nil
}

// reasonRequired refuses a change that needs a reason and came without one.
const reasonRequired = "Cần nêu lý do."

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Digest is the SHA-256 (hex) of what the report says at its version: its
// identity, round and version, every entry's score, explanation and the
// digests of its current evidence files, and the exemptions. Exports print
// it and carry it in their metadata, so a signed summary can be matched to
// the version it was made from. evidence maps a leaf code to file digests.
func (r *Report) Digest(evidence map[string][]string) string {
	return r.digest(evidence, r.Version)
}

// ContentDigest is Digest without the version: it stays the same while
// nothing in the report's content changes, so that submit can tell that the
// report is still what its signed summary shows after sign raised the version.
func (r *Report) ContentDigest(evidence map[string][]string) string {
	return r.digest(evidence, 0)
}

func (r *Report) digest(evidence map[string][]string, version int64) string {
	type entry struct {
		Code        string   `json:"code"`
		SelfScore   *string  `json:"self_score"`
		Explanation string   `json:"explanation"`
		Evidence    []string `json:"evidence"`
	}
	doc := struct {
		ReportID   int64    `json:"report_id"`
		CampaignID int64    `json:"campaign_id"`
		AgencyID   int64    `json:"agency_id"`
		Round      int      `json:"round"`
		Version    int64    `json:"version"`
		Exemptions []string `json:"exemptions"`
		Entries    []entry  `json:"entries"`
	}{r.ID, r.CampaignID, r.AgencyID, r.Round, version, r.Exemptions, nil}
	for _, e := range r.Entries {
		var score *string
		if e.SelfScore != nil {
			s := e.SelfScore.String()
			score = &s
		}
		doc.Entries = append(doc.Entries, entry{e.Code, score, e.Explanation, evidence[e.Code]})
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err) // plain strings and numbers always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
