package workflow

import (
	"time"
)

// Campaign is one year's assessment: a window and a criteria set per agency kind.
type Campaign struct {
	ID           int64                `json:"id"`
	Name         string               `json:"name"`
	Year         int                  `json:"year"`
	OpensAt      time.Time            `json:"opens_at"`
	ClosesAt     time.Time            `json:"closes_at"`
	CriteriaSets map[AgencyKind]int64 `json:"criteria_sets"`
	Rounds       []CampaignRound      `json:"rounds"`
}

// CampaignRound is a supplementary round opened for a campaign as a whole.
type CampaignRound struct {
	Number    int       `json:"number"`
	OpensAt   time.Time `json:"opens_at"`
	ClosesAt  time.Time `json:"closes_at"`
	AgencyIDs []int64   `json:"agency_ids"`
	Criteria  []string  `json:"criteria"`
	Note      string    `json:"note"`
}

// Validate normalises the campaign and lists every problem with it.
func (c *Campaign) Validate() error {
	c.Name = NormalizeText(c.Name)
	var fields []FieldError
	fields = appendNUL(fields, "name", c.Name)
	fields = appendTooLong(fields, "name", c.Name, LimitName)
	if c.Name == "" {
		fields = append(fields, Field("name", "Bắt buộc."))
	}
	if c.Year < 2000 || c.Year > 2100 {
		fields = append(fields, Field("year", "Năm phải từ 2000 đến 2100."))
	}
	if !c.OpensAt.Before(c.ClosesAt) {
		fields = append(fields, Field("closes_at", "Phải sau thời điểm mở (opens_at)."))
	}
	if len(c.CriteriaSets) == 0 {
		fields = append(fields, Field("criteria_sets", "Cần bộ tiêu chí cho ít nhất một khối đơn vị."))
	}
	for kind := range c.CriteriaSets {
		if !kind.Valid() {
			fields = append(fields, Field("criteria_sets/"+string(kind), "Không có khối đơn vị này."))
		}
	}
	if fields != nil {
		return Errorf(EINVALID, "Thông tin kỳ đánh giá không hợp lệ.").WithFields(fields...)
	}
	return nil
}

// RoundRequest opens a supplementary round: its window and the leaves that may
// be edited in it.
type RoundRequest struct {
	OpensAt  time.Time
	ClosesAt time.Time
	// Criteria are the codes editable in the round: nil means every self
	// leaf; an empty, non-nil list names none and is refused.
	Criteria  []string
	AgencyIDs []int64
	Note      string
}

// Validate checks the round's window against now and its criteria against the set.
func (r *RoundRequest) Validate(now time.Time) error {
	var fields []FieldError
	if !r.OpensAt.Before(r.ClosesAt) {
		fields = append(fields, Field("closes_at", "Phải sau thời điểm mở (opens_at)."))
	}
	if !now.Before(r.ClosesAt) {
		fields = append(fields, Field("closes_at", "Phải ở tương lai."))
	}
	if r.Criteria != nil && len(r.Criteria) == 0 {
		fields = append(fields, Field("criteria", "Hãy nêu ít nhất một tiêu chí, hoặc bỏ trống để mở mọi tiêu chí tự chấm."))
	}
	r.Note = NormalizeText(r.Note)
	if hasNUL(r.Note) {
		fields = append(fields, Field("note", noNUL))
	}
	fields = appendTooLong(fields, "note", r.Note, LimitNote)
	for i, c := range r.Criteria {
		r.Criteria[i] = NormalizeText(c)
	}
	if fields != nil {
		return Errorf(EINVALID, "Thông tin đợt bổ sung không hợp lệ.").WithFields(fields...)
	}
	return nil
}

// RoundCriteria resolves the codes editable in a round against a set: nil
// means every self leaf; each named code must be a self leaf of the set.
func RoundCriteria(set *CriteriaSet, codes []string) ([]string, error) {
	self := map[string]bool{}
	var all []string
	for _, l := range set.LeafList() {
		if l.Method == MethodSelf {
			self[l.Code] = true
			all = append(all, l.Code)
		}
	}
	if codes == nil {
		return all, nil
	}
	var fields []FieldError
	var out []string
	seen := map[string]bool{}
	for _, c := range codes {
		c = NormalizeText(c)
		switch {
		case !self[c]:
			fields = append(fields, Field("criteria", "%s không phải tiêu chí tự chấm của bộ tiêu chí %s.", c, set.Code))
		case !seen[c]:
			seen[c] = true
			out = append(out, c)
		}
	}
	if fields != nil {
		return nil, Errorf(EINVALID, "Đợt bổ sung nêu những tiêu chí không thể sửa.").WithFields(fields...)
	}
	return out, nil
}
