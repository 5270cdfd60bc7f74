package workflow

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Method says who scores a leaf: only `self` leaves are entered by the agency.
type Method string

// The scoring methods of a leaf.
const (
	MethodSelf    Method = "self"
	MethodCouncil Method = "council"
	MethodSurvey  Method = "survey"
	MethodSystem  Method = "system"
)

// Valid reports whether m is a known method.
func (m Method) Valid() bool {
	return m == MethodSelf || m == MethodCouncil || m == MethodSurvey || m == MethodSystem
}

// DefaultStep is the increment a score moves in unless a leaf says otherwise.
const DefaultStep Points = 25

// CriteriaSet is the tree of criteria for one kind of agency. Once a campaign
// uses it, it is frozen: reports refer to its codes and maxima.
type CriteriaSet struct {
	ID         int64        `json:"id"`
	Code       string       `json:"code"`
	Name       string       `json:"name"`
	AgencyKind AgencyKind   `json:"agency_kind"`
	MaxPoints  Points       `json:"max_points"`
	Leaves     int          `json:"leaves"`
	Frozen     bool         `json:"frozen"`
	Criteria   []*Criterion `json:"criteria"`
}

// Criterion is a field, criterion or sub-criterion; leaves carry the points.
type Criterion struct {
	Code       string       `json:"code"`
	Title      string       `json:"title"`
	MaxPoints  Points       `json:"max_points"`
	Method     Method       `json:"method,omitempty"`
	Step       Points       `json:"step,omitempty"`
	Exemptible bool         `json:"exemptible,omitempty"`
	Evidence   string       `json:"evidence,omitempty"`
	Rule       string       `json:"rule,omitempty"`
	Children   []*Criterion `json:"children,omitempty"`
	// Parent is the parent's code, "" for a field; Position orders siblings.
	Parent   string `json:"-"`
	Position int    `json:"-"`
}

// IsLeaf reports whether c carries points itself.
func (c *Criterion) IsLeaf() bool { return len(c.Children) == 0 }

// Walk calls fn for every criterion of the set, parents before children.
func (s *CriteriaSet) Walk(fn func(c *Criterion)) {
	var walk func([]*Criterion)
	walk = func(cs []*Criterion) {
		for _, c := range cs {
			fn(c)
			walk(c.Children)
		}
	}
	walk(s.Criteria)
}

// LeafList returns the leaves in document order.
func (s *CriteriaSet) LeafList() []*Criterion {
	var leaves []*Criterion
	s.Walk(func(c *Criterion) {
		if c.IsLeaf() {
			leaves = append(leaves, c)
		}
	})
	return leaves
}

// BuildTree links a flat list (parents before children, in position order)
// back into the tree and fills the set's totals.
func (s *CriteriaSet) BuildTree(flat []*Criterion) {
	byCode := map[string]*Criterion{}
	s.Criteria = nil
	for _, c := range flat {
		c.Children = nil
		byCode[c.Code] = c
		if p, ok := byCode[c.Parent]; ok && c.Parent != "" {
			p.Children = append(p.Children, c)
		} else {
			s.Criteria = append(s.Criteria, c)
		}
	}
	s.MaxPoints, s.Leaves = 0, 0
	for _, c := range s.Criteria {
		s.MaxPoints += c.MaxPoints
	}
	s.Leaves = len(s.LeafList())
}

// Flatten lists every criterion with Parent and Position set, parents first.
func (s *CriteriaSet) Flatten() []*Criterion {
	var out []*Criterion
	var walk func(parent string, cs []*Criterion)
	walk = func(parent string, cs []*Criterion) {
		for i, c := range cs {
			c.Parent, c.Position = parent, i
			out = append(out, c)
			walk(c.Code, c.Children)
		}
	}
	walk("", s.Criteria)
	return out
}

// rawNumber keeps a number's literal text so that points never pass through
// float64 on the way in.
type rawNumber struct{ text string }

func (n *rawNumber) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind != yaml.ScalarNode || (node.Tag != "!!int" && node.Tag != "!!float") {
		return fmt.Errorf("line %d: %q is not a number", node.Line, node.Value)
	}
	n.text = node.Value
	return nil
}

func (n *rawNumber) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] == '"' || b[0] == 'n' {
		return fmt.Errorf("%s is not a number", b)
	}
	n.text = string(b)
	return nil
}

type rawCriterion struct {
	Code       string          `yaml:"code" json:"code"`
	Title      string          `yaml:"title" json:"title"`
	MaxPoints  *rawNumber      `yaml:"max_points" json:"max_points"`
	Method     string          `yaml:"method" json:"method"`
	Step       *rawNumber      `yaml:"step" json:"step"`
	Exemptible bool            `yaml:"exemptible" json:"exemptible"`
	Evidence   string          `yaml:"evidence" json:"evidence"`
	Rule       string          `yaml:"rule" json:"rule"`
	Children   []*rawCriterion `yaml:"children" json:"children"`
}

type rawSet struct {
	Code       string          `yaml:"code" json:"code"`
	Name       string          `yaml:"name" json:"name"`
	AgencyKind string          `yaml:"agency_kind" json:"agency_kind"`
	Criteria   []*rawCriterion `yaml:"criteria" json:"criteria"`
}

// decodeYAML decodes one document strictly into raw. yaml.v3 panics on some
// malformed documents (a mapping used as a key beside a merge key,
// "{<<, *anchor}", found by FuzzParseCriteriaSet): that is an error here, not
// a crash.
func decodeYAML(data []byte, raw *rawSet) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("yaml: the document cannot be decoded (a mapping used as a key?)")
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec.Decode(raw)
}

// ParseCriteriaSet reads a criteria set in the import format (YAML, or JSON
// when isJSON) and checks it whole: the error lists every problem found, each
// named by the criterion's code and field ("criteria/1.1.1/max_points").
func ParseCriteriaSet(data []byte, isJSON bool) (*CriteriaSet, error) {
	raw, err := decodeSet(data, isJSON)
	if err != nil {
		return nil, err
	}
	c := &setChecker{seen: map[string]bool{}}
	set := c.header(raw)
	set.Criteria = c.criteria("criteria", raw.Criteria)
	if c.fields != nil {
		return nil, Errorf(EINVALID, "Bộ tiêu chí có %d lỗi; chưa lưu gì.", len(c.fields)).WithFields(c.fields...)
	}
	set.BuildTree(set.Flatten())
	return set, nil
}

// decodeSet decodes the import format strictly: unknown fields are refused.
func decodeSet(data []byte, isJSON bool) (*rawSet, error) {
	var raw rawSet
	// Windows editors save UTF-8 with a byte-order mark; YAML skips it, JSON
	// would call it an invalid character.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if isJSON {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&raw); err != nil {
			return nil, Errorf(EBADREQUEST, "Bộ tiêu chí không phải JSON hợp lệ: %v.", err)
		} else if dec.More() {
			return nil, Errorf(EBADREQUEST, "Bộ tiêu chí không phải JSON hợp lệ: còn dữ liệu thừa sau bộ tiêu chí.")
		}
	} else if err := decodeYAML(data, &raw); err != nil {
		return nil, Errorf(EBADREQUEST, "Bộ tiêu chí không phải YAML hợp lệ: %v.", err)
	}
	return &raw, nil
}

// setChecker collects every problem of a criteria set while converting it.
type setChecker struct {
	fields []FieldError
	seen   map[string]bool // codes met so far
}

func (c *setChecker) add(field, format string, args ...any) {
	c.fields = append(c.fields, Field(field, format, args...))
}

// notPoints refuses points that ParsePoints cannot read.
const notPoints = "%q không phải số điểm hợp lệ: dùng dấu chấm thập phân, tối đa hai chữ số thập phân, ví dụ 0.25."

// text checks a text field: no NUL, within its limit.
func (c *setChecker) text(field, s string, limit TextLimit) {
	if hasNUL(s) {
		c.add(field, noNUL)
	}
	c.fields = appendTooLong(c.fields, field, s, limit)
}

// header checks the set's own fields.
func (c *setChecker) header(raw *rawSet) *CriteriaSet {
	set := &CriteriaSet{
		Code:       NormalizeText(raw.Code),
		Name:       NormalizeText(raw.Name),
		AgencyKind: AgencyKind(strings.TrimSpace(raw.AgencyKind)),
	}
	if set.Code == "" {
		c.add("code", "Bắt buộc.")
	}
	if set.Name == "" {
		c.add("name", "Bắt buộc.")
	}
	if hasNUL(set.Code) {
		c.add("code", noNUL)
	}
	c.text("name", set.Name, LimitName)
	if !set.AgencyKind.Valid() {
		c.add("agency_kind", "Cần chọn một loại đơn vị đã có, ví dụ department hoặc district.")
	}
	if len(raw.Criteria) == 0 {
		c.add("criteria", "Cần ít nhất một tiêu chí.")
	}
	return set
}

// criteria converts and checks a list of criteria and their subtrees.
func (c *setChecker) criteria(path string, rs []*rawCriterion) []*Criterion {
	var out []*Criterion
	for i, r := range rs {
		if r == nil {
			c.add(fmt.Sprintf("%s/%d", path, i), "Tiêu chí trống.")
			continue
		}
		out = append(out, c.criterion(fmt.Sprintf("%s/%d", path, i), r))
	}
	return out
}

// criterion converts and checks one criterion (where is its position, for
// a criterion whose code cannot name it).
func (c *setChecker) criterion(where string, r *rawCriterion) *Criterion {
	cr := &Criterion{
		Code: NormalizeText(r.Code), Title: NormalizeText(r.Title),
		Method: Method(strings.TrimSpace(r.Method)), Exemptible: r.Exemptible,
		Evidence: NormalizeText(r.Evidence), Rule: NormalizeText(r.Rule),
	}
	at := "criteria/" + cr.Code
	switch {
	case cr.Code == "":
		at = where
		c.add(at+"/code", "Bắt buộc.")
	case hasNUL(cr.Code):
		at = where
		c.add(at+"/code", noNUL)
	case c.seen[cr.Code]:
		c.add(at+"/code", "Mã %s bị trùng.", cr.Code)
	default:
		c.seen[cr.Code] = true
	}
	if cr.Title == "" {
		c.add(at+"/title", "Bắt buộc.")
	}
	c.text(at+"/title", cr.Title, LimitCriterion)
	c.text(at+"/evidence", cr.Evidence, LimitGuidance)
	c.text(at+"/rule", cr.Rule, LimitGuidance)
	cr.Children = c.criteria(at+"/children", r.Children)
	var given *Points
	if r.MaxPoints != nil {
		p, err := ParsePoints(r.MaxPoints.text)
		if err != nil {
			c.add(at+"/max_points", notPoints, r.MaxPoints.text)
		} else {
			given = &p
		}
	}
	if cr.IsLeaf() {
		c.leaf(at, cr, r, given)
	} else {
		c.group(at, cr, r, given)
	}
	return cr
}

// leaf checks what a leaf carries: its points, method and step.
func (c *setChecker) leaf(at string, cr *Criterion, r *rawCriterion, given *Points) {
	switch {
	case r.MaxPoints == nil:
		c.add(at+"/max_points", "Tiêu chí lá cần điểm tối đa (max_points).")
	case given != nil && *given <= 0:
		c.add(at+"/max_points", "Phải lớn hơn 0.")
	case given != nil:
		cr.MaxPoints = *given
	}
	if !cr.Method.Valid() {
		c.add(at+"/method", "Tiêu chí lá cần cách chấm (method): self, council, survey hoặc system.")
	}
	cr.Step = DefaultStep
	if r.Step != nil {
		p, err := ParsePoints(r.Step.text)
		switch {
		case err != nil:
			c.add(at+"/step", notPoints, r.Step.text)
		case p <= 0:
			c.add(at+"/step", "Phải lớn hơn 0.")
		default:
			cr.Step = p
		}
	}
	if cr.MaxPoints > 0 && cr.MaxPoints%cr.Step != 0 {
		c.add(at+"/max_points", "%s không phải bội số của bước điểm %s.", cr.MaxPoints, cr.Step)
	}
}

// group checks a criterion with children: its points are their sum, and it
// has none of a leaf's fields.
func (c *setChecker) group(at string, cr *Criterion, r *rawCriterion, given *Points) {
	for _, ch := range cr.Children {
		cr.MaxPoints += ch.MaxPoints
	}
	if given != nil && *given != cr.MaxPoints {
		c.add(at+"/max_points", "%s không bằng tổng điểm các tiêu chí con (%s).", *given, cr.MaxPoints)
	}
	if cr.Method != "" {
		c.add(at+"/method", "Chỉ tiêu chí lá mới có cách chấm (method).")
	}
	if r.Step != nil {
		c.add(at+"/step", "Chỉ tiêu chí lá mới có bước điểm (step).")
	}
	if cr.Exemptible {
		c.add(at+"/exemptible", "Chỉ tiêu chí lá mới có thể được miễn.")
	}
}
