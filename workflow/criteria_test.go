package workflow

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"parindex/internal/testkit"
)

// The leaves of the sample sets, counted by hand from the YAML files.
var (
	departmentLeaves = []string{
		"1.1.1", "1.1.2", "1.2", "1.3", "1.4", "1.5", "1.6",
		"2.1", "2.2", "2.3", "2.4",
		"3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7",
		"4.1", "4.2", "4.3", "4.4",
		"5.1", "5.2", "5.3", "5.4", "5.5",
		"6.1", "6.2", "6.3",
		"7.1", "7.2", "7.3", "7.4", "7.5",
		"8.1", "8.2", "8.3",
	}
	districtLeaves = []string{
		"1.1.1", "1.1.2", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7",
		"2.1", "2.2", "2.3", "2.4",
		"3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8",
		"4.1", "4.2", "4.3", "4.4",
		"5.1", "5.2", "5.3", "5.4", "5.5",
		"6.1", "6.2", "6.3",
		"7.1", "7.2", "7.3", "7.4", "7.5",
		"8.1", "8.2", "8.3",
	}
	departmentSelf = []string{
		"1.1.1", "1.1.2", "1.2", "1.3", "1.4", "2.1", "2.3", "2.4", "3.1", "3.5",
		"4.1", "4.3", "4.4", "5.1", "5.3", "5.4", "5.5", "6.1", "6.3", "7.5",
	}
	districtSelf = []string{
		"1.1.1", "1.1.2", "1.2", "1.3", "1.4", "1.7", "2.1", "2.3", "2.4", "3.1", "3.5", "3.8",
		"4.1", "4.3", "4.4", "5.1", "5.3", "5.4", "5.5", "6.1", "6.3", "7.5",
	}
)

func TestParseCriteriaSetSamples(t *testing.T) {
	tests := []struct {
		file       string
		code       string
		kind       AgencyKind
		leaves     []string
		self       []string
		exemptible []string
		fieldMax   map[string]string
	}{
		{
			file: "criteria-department.yaml", code: "SO-2021", kind: KindDepartment,
			leaves: departmentLeaves, self: departmentSelf,
			exemptible: []string{"3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "7.3", "7.5"},
			fieldMax:   map[string]string{"1": "12", "1.1": "2", "2": "8", "3": "20", "4": "7", "5": "10", "6": "6", "7": "17", "8": "20"},
		},
		{
			file: "criteria-district.yaml", code: "HUYEN-2021", kind: KindDistrict,
			leaves: districtLeaves, self: districtSelf,
			exemptible: nil,
			fieldMax:   map[string]string{"1": "12", "1.1": "2", "2": "8", "3": "20", "4": "7", "5": "10", "6": "6", "7": "17", "8": "20"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			set := mustParseSample(t, tt.file)
			if set.Code != tt.code || set.AgencyKind != tt.kind {
				t.Errorf("code, kind = %q, %q; want %q, %q", set.Code, set.AgencyKind, tt.code, tt.kind)
			}
			if !strings.HasPrefix(set.Name, "Bộ tiêu chí") {
				t.Errorf("name = %q", set.Name)
			}
			if set.MaxPoints != 10000 {
				t.Errorf("max_points = %s, want 100", set.MaxPoints)
			}
			if set.Leaves != len(tt.leaves) {
				t.Errorf("leaves = %d, want %d", set.Leaves, len(tt.leaves))
			}
			var leafCodes, selfCodes, exemptCodes, topCodes []string
			for _, c := range set.Criteria {
				topCodes = append(topCodes, c.Code)
			}
			var sum Points
			set.Walk(func(c *Criterion) {
				if want, ok := tt.fieldMax[c.Code]; ok && c.MaxPoints.String() != want {
					t.Errorf("%s max_points = %s, want %s", c.Code, c.MaxPoints, want)
				}
				if !c.IsLeaf() {
					if c.Method != "" || c.Step != 0 || c.Exemptible {
						t.Errorf("parent %s has method %q, step %s, exemptible %v; only leaves have them", c.Code, c.Method, c.Step, c.Exemptible)
					}
					var children Points
					for _, ch := range c.Children {
						children += ch.MaxPoints
					}
					if children != c.MaxPoints {
						t.Errorf("parent %s max_points = %s, children sum to %s", c.Code, c.MaxPoints, children)
					}
					return
				}
				leafCodes = append(leafCodes, c.Code)
				sum += c.MaxPoints
				if !c.Method.Valid() {
					t.Errorf("leaf %s has method %q", c.Code, c.Method)
				}
				if c.Step != DefaultStep || DefaultStep != 25 {
					t.Errorf("leaf %s step = %s, want the default 0.25", c.Code, c.Step)
				}
				if c.Method == MethodSelf {
					selfCodes = append(selfCodes, c.Code)
				}
				if c.Exemptible {
					exemptCodes = append(exemptCodes, c.Code)
				}
			})
			if want := []string{"1", "2", "3", "4", "5", "6", "7", "8"}; !reflect.DeepEqual(topCodes, want) {
				t.Errorf("fields = %v, want %v", topCodes, want)
			}
			if !reflect.DeepEqual(leafCodes, tt.leaves) {
				t.Errorf("leaves in order = %v\nwant %v", leafCodes, tt.leaves)
			}
			var listed []string
			for _, l := range set.LeafList() {
				listed = append(listed, l.Code)
			}
			if !reflect.DeepEqual(listed, tt.leaves) {
				t.Errorf("LeafList = %v\nwant %v", listed, tt.leaves)
			}
			if sum != 10000 {
				t.Errorf("leaves sum to %s, want 100", sum)
			}
			if !reflect.DeepEqual(selfCodes, tt.self) {
				t.Errorf("self leaves = %v\nwant %v", selfCodes, tt.self)
			}
			if !reflect.DeepEqual(exemptCodes, tt.exemptible) {
				t.Errorf("exemptible leaves = %v, want %v", exemptCodes, tt.exemptible)
			}
		})
	}
}

// TestParseCriteriaSetJSON converts each sample to JSON and expects the very
// same tree as from YAML.
func TestParseCriteriaSetJSON(t *testing.T) {
	for _, name := range []string{"criteria-department.yaml", "criteria-district.yaml"} {
		t.Run(name, func(t *testing.T) {
			var doc any
			if err := yaml.Unmarshal(testkit.Sample(t, name), &doc); err != nil {
				t.Fatal(err)
			}
			js, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			fromJSON, err := ParseCriteriaSet(js, true)
			if err != nil {
				t.Fatalf("parse JSON: %v %v", err, ErrorFields(err))
			}
			fromYAML := mustParseSample(t, name)
			if !reflect.DeepEqual(fromJSON, fromYAML) {
				t.Errorf("the JSON form parses to a different set than the YAML form")
			}
		})
	}

	const literal = `{"code":"J","name":"Bộ JSON","agency_kind":"district","criteria":[
		{"code":"1","title":"Lĩnh vực","max_points":1.75,"children":[
			{"code":"1.1","title":"a","max_points":1.0,"method":"self","step":0.5},
			{"code":"1.2","title":"b","max_points":0.75,"method":"survey","exemptible":true}]}]}`
	set, err := ParseCriteriaSet([]byte(literal), true)
	if err != nil {
		t.Fatalf("parse JSON literal: %v %v", err, ErrorFields(err))
	}
	if set.MaxPoints != 175 || set.Leaves != 2 || set.AgencyKind != KindDistrict {
		t.Errorf("set = max %s, %d leaves, kind %s; want 1.75, 2, district", set.MaxPoints, set.Leaves, set.AgencyKind)
	}
	leaves := set.LeafList()
	if leaves[0].Step != 50 || leaves[1].Step != DefaultStep || !leaves[1].Exemptible || leaves[1].Method != MethodSurvey {
		t.Errorf("leaves = %+v, %+v", *leaves[0], *leaves[1])
	}
}

// header is the top of a valid set; the criteria follow.
const header = "code: T\nname: Bộ thử\nagency_kind: department\ncriteria:\n"

func TestParseCriteriaSetValidEdges(t *testing.T) {
	tests := []struct {
		name     string
		criteria string
		max      Points
	}{
		{"explicit parent max equal to the sum", `
  - code: "1"
    title: F
    max_points: 2.5
    children:
      - {code: "1.1", title: a, max_points: 1, method: self}
      - {code: "1.2", title: b, max_points: 1.5, method: council}
`, 250},
		{"custom step dividing max", `
  - {code: "1", title: a, max_points: 1.5, method: self, step: 0.5}
`, 150},
		{"top-level leaf", `
  - {code: "1", title: a, max_points: 3, method: system, exemptible: true}
`, 300},
		{"text is normalised", `
  - {code: " 1 ", title: "  Sở  ", max_points: 1, method: " self "}
`, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := mustParseYAML(t, header+tt.criteria)
			if set.MaxPoints != tt.max {
				t.Errorf("max_points = %s, want %s", set.MaxPoints, tt.max)
			}
		})
	}
	set := mustParseYAML(t, header+tests[3].criteria)
	if c := set.Criteria[0]; c.Code != "1" || c.Title != "Sở" || c.Method != MethodSelf {
		t.Errorf("criterion not normalised: %+v", *c)
	}
}

func TestParseCriteriaSetInvalid(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		fields []string
	}{
		{"duplicate codes", header + `
  - code: "1"
    title: F
    children:
      - {code: "1.1", title: a, max_points: 1, method: self}
      - {code: "1.1", title: b, max_points: 1, method: self}
`, []string{"criteria/1.1/code"}},
		{"duplicate field code", header + `
  - {code: "1", title: a, max_points: 1, method: self}
  - {code: "1", title: b, max_points: 1, method: self}
`, []string{"criteria/1/code"}},
		{"parent max differs from its children", header + `
  - code: "1"
    title: F
    max_points: 3
    children:
      - {code: "1.1", title: a, max_points: 1, method: self}
      - {code: "1.2", title: b, max_points: 1.5, method: self}
`, []string{"criteria/1/max_points"}},
		{"leaf without max_points", header + `
  - code: "1"
    title: F
    children:
      - code: "1.1"
        title: a
        method: self
`, []string{"criteria/1.1/max_points"}},
		{"max_points 0", header + `
  - {code: "1", title: a, max_points: 0, method: self}
`, []string{"criteria/1/max_points"}},
		{"negative max_points", header + `
  - {code: "1", title: a, max_points: -1, method: self}
`, []string{"criteria/1/max_points"}},
		{"three decimals", header + `
  - code: "1"
    title: F
    children:
      - {code: "1.1", title: a, max_points: 0.125, method: self}
`, []string{"criteria/1.1/max_points"}},
		{"exponent", header + `
  - {code: "1", title: a, max_points: 1e2, method: self}
`, []string{"criteria/1/max_points"}},
		{"missing method", header + `
  - {code: "1", title: a, max_points: 1}
`, []string{"criteria/1/method"}},
		{"unknown method", header + `
  - {code: "1", title: a, max_points: 1, method: peer}
`, []string{"criteria/1/method"}},
		{"method in the wrong case", header + `
  - {code: "1", title: a, max_points: 1, method: Self}
`, []string{"criteria/1/method"}},
		{"step does not divide max", header + `
  - {code: "1", title: a, max_points: 1, method: self, step: 0.3}
`, []string{"criteria/1/max_points"}},
		{"default step does not divide max", header + `
  - {code: "1", title: a, max_points: 0.1, method: self}
`, []string{"criteria/1/max_points"}},
		{"step 0", header + `
  - {code: "1", title: a, max_points: 1, method: self, step: 0}
`, []string{"criteria/1/step"}},
		{"negative step", header + `
  - {code: "1", title: a, max_points: 1, method: self, step: -0.25}
`, []string{"criteria/1/step"}},
		{"step with three decimals", header + `
  - {code: "1", title: a, max_points: 1, method: self, step: 0.125}
`, []string{"criteria/1/step"}},
		{"method on a parent", header + `
  - code: "1"
    title: F
    method: self
    children:
      - {code: "1.1", title: a, max_points: 1, method: self}
`, []string{"criteria/1/method"}},
		{"step and exemptible on a parent", header + `
  - code: "1"
    title: F
    step: 0.5
    exemptible: true
    children:
      - {code: "1.1", title: a, max_points: 1, method: self}
`, []string{"criteria/1/step", "criteria/1/exemptible"}},
		{"field without code", header + `
  - title: F
    children:
      - {code: "1.1", title: a, max_points: 1, method: self}
`, []string{"criteria/0/code"}},
		{"sub-criterion without code or title", header + `
  - code: "1"
    title: F
    children:
      - {code: "1.1", title: a, max_points: 1, method: self}
      - {max_points: 1, method: self}
`, []string{"criteria/1/children/1/code", "criteria/1/children/1/title"}},
		{"missing title", header + `
  - {code: "1", max_points: 1, method: self}
`, []string{"criteria/1/title"}},
		{"null criterion", header + `
  - null
  - {code: "1", title: a, max_points: 1, method: self}
`, []string{"criteria/0"}},
		{"missing code", "name: N\nagency_kind: district\ncriteria:\n  - {code: \"1\", title: a, max_points: 1, method: self}\n",
			[]string{"code"}},
		{"missing name", "code: C\nagency_kind: district\ncriteria:\n  - {code: \"1\", title: a, max_points: 1, method: self}\n",
			[]string{"name"}},
		{"missing agency_kind", "code: C\nname: N\ncriteria:\n  - {code: \"1\", title: a, max_points: 1, method: self}\n",
			[]string{"agency_kind"}},
		{"unknown agency_kind", "code: C\nname: N\nagency_kind: Phường\ncriteria:\n  - {code: \"1\", title: a, max_points: 1, method: self}\n",
			[]string{"agency_kind"}},
		{"no criteria", "code: C\nname: N\nagency_kind: district\n", []string{"criteria"}},
		{"empty criteria", "code: C\nname: N\nagency_kind: district\ncriteria: []\n", []string{"criteria"}},
		{"blank header", "code: \"  \"\nname: \"\"\nagency_kind: \"\"\ncriteria: []\n", []string{"code", "name", "agency_kind", "criteria"}},
		{"several problems", `code: T
agency_kind: Phường
criteria:
  - code: "1"
    title: F
    method: self
    max_points: 5
    children:
      - {code: "1.1", title: a, max_points: 1, method: self}
      - {code: "1.1", title: b, max_points: 0.125, method: self}
      - {code: "1.2", title: c, method: peer}
  - code: "2"
    title: ""
    children:
      - {title: d, max_points: 1, method: self, step: 0.3}
      - {code: "2.2", title: e, max_points: 0, method: council}
`, []string{
			"name", "agency_kind",
			"criteria/1.1/code", "criteria/1.1/max_points",
			"criteria/1.2/max_points", "criteria/1.2/method",
			"criteria/1/max_points", "criteria/1/method",
			"criteria/2/title",
			"criteria/2/children/0/code", "criteria/2/children/0/max_points",
			"criteria/2.2/max_points",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := ParseCriteriaSet([]byte(tt.src), false)
			if set != nil {
				t.Errorf("got a set with an error; want nil")
			}
			wantCode(t, err, EINVALID)
			if got := fieldNames(err); !sameSet(got, tt.fields) {
				t.Errorf("fields = %q\nwant     %q", got, tt.fields)
			}
			for _, f := range ErrorFields(err) {
				if f.Message == "" {
					t.Errorf("field %s has no message", f.Field)
				}
			}
			if want := fmt.Sprintf("có %d lỗi", len(tt.fields)); !strings.Contains(ErrorMessage(err), want) {
				t.Errorf("message %q does not say %q", ErrorMessage(err), want)
			}
		})
	}
}

func TestParseCriteriaSetBadRequest(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		isJSON bool
	}{
		{"unknown YAML key on a leaf", header + "  - {code: \"1\", title: a, maxpoints: 1, method: self}\n", false},
		{"unknown YAML key at the top", "year: 2021\n" + header + "  - {code: \"1\", title: a, max_points: 1, method: self}\n", false},
		{"YAML string for max_points", header + "  - {code: \"1\", title: a, max_points: \"1\", method: self}\n", false},
		{"YAML word for max_points", header + "  - {code: \"1\", title: a, max_points: one, method: self}\n", false},
		{"YAML string for step", header + "  - {code: \"1\", title: a, max_points: 1, method: self, step: \"0.5\"}\n", false},
		{"YAML list for max_points", header + "  - {code: \"1\", title: a, max_points: [1], method: self}\n", false},
		{"YAML that does not parse", "code: [\n", false},
		{"empty YAML", "", false},
		{"YAML list at the top", "- code: x\n", false},
		{"unknown JSON key", `{"code":"C","name":"N","agency_kind":"district","year":2021,"criteria":[{"code":"1","title":"a","max_points":1,"method":"self"}]}`, true},
		{"unknown JSON key on a leaf", `{"code":"C","name":"N","agency_kind":"district","criteria":[{"code":"1","title":"a","max_points":1,"method":"self","weight":2}]}`, true},
		{"JSON string for max_points", `{"code":"C","name":"N","agency_kind":"district","criteria":[{"code":"1","title":"a","max_points":"1","method":"self"}]}`, true},
		{"JSON string for step", `{"code":"C","name":"N","agency_kind":"district","criteria":[{"code":"1","title":"a","max_points":1,"method":"self","step":"0.5"}]}`, true},
		{"JSON number for code", `{"code":1,"name":"N","agency_kind":"district","criteria":[]}`, true},
		{"malformed JSON", `{"code":`, true},
		{"YAML sent as JSON", header, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := ParseCriteriaSet([]byte(tt.src), tt.isJSON)
			if set != nil {
				t.Errorf("got a set with an error; want nil")
			}
			wantCode(t, err, EBADREQUEST)
		})
	}
}

// TestFlattenBuildTree: the store keeps a set flat and rebuilds it; the round
// trip must give back the same tree.
func TestFlattenBuildTree(t *testing.T) {
	for _, name := range []string{"criteria-department.yaml", "criteria-district.yaml"} {
		set := mustParseSample(t, name)
		flat := set.Flatten()
		var copies []*Criterion
		positions := map[string]int{}
		for _, c := range flat {
			cc := *c
			copies = append(copies, &cc)
			positions[c.Code] = c.Position
		}
		if flat[0].Code != "1" || flat[0].Parent != "" || flat[1].Code != "1.1" || flat[1].Parent != "1" || flat[2].Parent != "1.1" {
			t.Errorf("%s: Flatten starts %+v %+v %+v", name, *flat[0], *flat[1], *flat[2])
		}
		if positions["1.1.2"] != 1 || positions["8"] != 7 {
			t.Errorf("%s: positions 1.1.2=%d 8=%d, want 1 and 7", name, positions["1.1.2"], positions["8"])
		}
		var rebuilt CriteriaSet
		rebuilt.BuildTree(copies)
		if rebuilt.MaxPoints != set.MaxPoints || rebuilt.Leaves != set.Leaves {
			t.Errorf("%s: rebuilt max %s leaves %d, want %s %d", name, rebuilt.MaxPoints, rebuilt.Leaves, set.MaxPoints, set.Leaves)
		}
		if !reflect.DeepEqual(rebuilt.Criteria, set.Criteria) {
			t.Errorf("%s: rebuilt tree differs from the parsed one", name)
		}
	}
}
