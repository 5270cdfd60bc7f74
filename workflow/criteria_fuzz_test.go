package workflow

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"parindex/internal/testkit"
)

// FuzzParseCriteriaSet feeds any YAML or JSON to the criteria import and
// checks that it never panics, refuses only with EBADREQUEST or EINVALID
// naming fields, and that a set it accepts keeps every promise: codes unique,
// text in NFC without NUL, each parent the sum of its children, each leaf a positive
// multiple of its step, and the set written back as JSON parses to itself.
// Seeds: the shared samples (testkit.Sample) and, under
// testdata/fuzz/FuzzParseCriteriaSet, NFD text, a byte-order mark, huge
// numbers, three decimals, duplicate codes, aliases and deep nesting.
func FuzzParseCriteriaSet(f *testing.F) {
	for _, name := range []string{
		"criteria-department.yaml",
		"criteria-district.yaml",
		"criteria-small.json",
		"criteria-bad.json",
		"criteria-bad.yaml",
	} {
		f.Add(testkit.Sample(f, name), strings.HasSuffix(name, ".json"))
	}
	f.Fuzz(func(t *testing.T, data []byte, isJSON bool) {
		set, err := ParseCriteriaSet(data, isJSON)
		if err != nil {
			checkCriteriaError(t, err)
			return
		}
		checkCriteriaSet(t, set)

		// The set written back in the import format is the same set.
		js, err := json.Marshal(struct {
			Code       string       `json:"code"`
			Name       string       `json:"name"`
			AgencyKind AgencyKind   `json:"agency_kind"`
			Criteria   []*Criterion `json:"criteria"`
		}{set.Code, set.Name, set.AgencyKind, set.Criteria})
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := ParseCriteriaSet(js, true)
		if err != nil {
			t.Fatalf("the set written back does not parse: %v %v\n%s", err, ErrorFields(err), js)
		}
		if !reflect.DeepEqual(set, again) {
			b, _ := json.Marshal(again)
			t.Fatalf("the set written back parses to another set:\n%s\n%s", js, b)
		}
	})
}

// checkCriteriaError fails unless err is what the import promises: a
// malformed document is EBADREQUEST, a wrong set EINVALID naming each problem.
func checkCriteriaError(t *testing.T, err error) {
	t.Helper()
	switch ErrorCode(err) {
	case EBADREQUEST:
	case EINVALID:
		if len(ErrorFields(err)) == 0 {
			t.Fatalf("EINVALID without fields: %v", err)
		}
		for _, fe := range ErrorFields(err) {
			if fe.Field == "" || fe.Message == "" {
				t.Fatalf("field error %+v of %v", fe, err)
			}
		}
	default:
		t.Fatalf("error %v (code %q): want EBADREQUEST or EINVALID", err, ErrorCode(err))
	}
}

// checkCriteriaSet fails unless an accepted set is consistent.
func checkCriteriaSet(t *testing.T, set *CriteriaSet) {
	t.Helper()
	normal := func(what, s string, required bool) {
		if (required && s == "") || !norm.NFC.IsNormalString(s) || s != strings.TrimSpace(s) || strings.ContainsRune(s, 0) {
			t.Fatalf("%s %q is not trimmed NFC text without NUL", what, s)
		}
	}
	normal("set code", set.Code, true)
	normal("set name", set.Name, true)
	if !set.AgencyKind.Valid() {
		t.Fatalf("agency kind %q", set.AgencyKind)
	}
	if len(set.Criteria) == 0 || set.Leaves != len(set.LeafList()) || set.Leaves == 0 {
		t.Fatalf("%d fields, %d leaves counted, %d listed", len(set.Criteria), set.Leaves, len(set.LeafList()))
	}
	var total Points
	for _, c := range set.Criteria {
		total += c.MaxPoints
	}
	if total != set.MaxPoints {
		t.Fatalf("set max %s, its fields add up to %s", set.MaxPoints, total)
	}
	seen := map[string]bool{}
	var walk func(parent string, cs []*Criterion)
	walk = func(parent string, cs []*Criterion) {
		for i, c := range cs {
			normal("code", c.Code, true)
			normal("title of "+c.Code, c.Title, true)
			normal("evidence of "+c.Code, c.Evidence, false)
			normal("rule of "+c.Code, c.Rule, false)
			if seen[c.Code] {
				t.Fatalf("code %q twice", c.Code)
			}
			seen[c.Code] = true
			if c.Parent != parent || c.Position != i {
				t.Fatalf("%s: parent %q position %d, want %q %d", c.Code, c.Parent, c.Position, parent, i)
			}
			if c.IsLeaf() {
				if c.MaxPoints <= 0 || !c.Method.Valid() || c.Step <= 0 || c.MaxPoints%c.Step != 0 {
					t.Fatalf("leaf %s: max %s, method %q, step %s", c.Code, c.MaxPoints, c.Method, c.Step)
				}
				continue
			}
			var sum Points
			for _, ch := range c.Children {
				sum += ch.MaxPoints
			}
			if sum != c.MaxPoints || c.Method != "" || c.Step != 0 || c.Exemptible {
				t.Fatalf("parent %s: max %s (children %s), method %q, step %s, exemptible %v", c.Code, c.MaxPoints, sum, c.Method, c.Step, c.Exemptible)
			}
			walk(c.Code, c.Children)
		}
	}
	walk("", set.Criteria)
}

// TestParseCriteriaSetFuzzFound keeps what fuzzing found as regular cases.
func TestParseCriteriaSetFuzzFound(t *testing.T) {
	// A JSON file saved with a byte-order mark (Notepad, Excel) was refused
	// as "invalid character 'ï'", while the same YAML file was read.
	const js = "\ufeff" + `{"code":"B","name":"BOM","agency_kind":"district","criteria":[{"code":"1","title":"a","max_points":1,"method":"self"}]}`
	set, err := ParseCriteriaSet([]byte(js), true)
	wantCode(t, err, "")
	if set.Code != "B" || set.MaxPoints != 100 {
		t.Errorf("set %+v", set)
	}

	// NUL (a JSON \u0000 or a YAML "\0") was accepted, and PostgreSQL's
	// text refuses it: storing the set answered 500.
	const nul = `{"code":"N\u0000","name":"NUL","agency_kind":"district","criteria":[
		{"code":"1\u0000","title":"a","max_points":1,"method":"self"},
		{"code":"2","title":"b\u0000","max_points":1,"method":"self","rule":"\u0000"}]}`
	_, err = ParseCriteriaSet([]byte(nul), true)
	wantCode(t, err, EINVALID)
	if got, want := fieldNames(err), []string{"code", "criteria/0/code", "criteria/2/title", "criteria/2/rule"}; !reflect.DeepEqual(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
	_, err = ParseCriteriaSet([]byte(header+"  - {code: \"1\", title: \"a\\0\", max_points: 1, method: self}\n"), false)
	wantCode(t, err, EINVALID)

	// yaml.v3 panicked ("hash of unhashable type") on a mapping used as a
	// key beside a merge key (testdata/fuzz/FuzzParseCriteriaSet/1971756d02f18878).
	for _, src := range []string{
		"criteria:\n  - &one {title,0}\n  - {<<, *one}#0",
		header + "  - &one {code: \"1\", title: a, max_points: 1, method: self}\n  - {<<, *one: 1}\n",
	} {
		_, err = ParseCriteriaSet([]byte(src), false)
		wantCode(t, err, EBADREQUEST)
	}
}
