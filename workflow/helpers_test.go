package workflow

import (
	"reflect"
	"slices"
	"sort"
	"testing"

	"parindex/i18n"
	"parindex/internal/testkit"
)

// say is a field error as a Vietnamese reader sees it.
func say(f FieldError) string { return i18n.Sprintf(i18n.VI, f.Message, f.Args...) }

// hcm is the province's zone, loaded once for every test.
var hcm = testkit.Zone(DefaultZone)

// mustParseSample parses a demo criteria set and fails the test on any error.
func mustParseSample(t *testing.T, name string) *CriteriaSet {
	t.Helper()
	set, err := ParseCriteriaSet(testkit.Sample(t, name), false)
	if err != nil {
		t.Fatalf("parse %s: %v %v", name, err, ErrorFields(err))
	}
	return set
}

// mustParseYAML parses a criteria set written inline in a test.
func mustParseYAML(t *testing.T, src string) *CriteriaSet {
	t.Helper()
	set, err := ParseCriteriaSet([]byte(src), false)
	if err != nil {
		t.Fatalf("parse criteria set: %v %v", err, ErrorFields(err))
	}
	return set
}

// wantCode fails the test unless err is a domain error with code ("" for nil).
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v, fields: %v)", got, code, err, ErrorFields(err))
	}
}

// fieldNames lists the Field of every field error of err, in order.
// wantFields expects no error for nil fields, else EINVALID naming exactly those fields.
func wantFields(t *testing.T, err error, fields []string) {
	t.Helper()
	if fields == nil {
		wantCode(t, err, "")
		return
	}
	wantCode(t, err, EINVALID)
	if got := fieldNames(err); !sameSet(got, fields) {
		t.Errorf("fields = %v, want %v", got, fields)
	}
}

func fieldNames(err error) []string {
	var out []string
	for _, f := range ErrorFields(err) {
		out = append(out, f.Field)
	}
	return out
}

// sameSet reports whether a and b hold the same strings, ignoring order but
// not repetition.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return reflect.DeepEqual(a, b) || (len(a) == 0 && len(b) == 0)
}

func pts(s string) *Points {
	p, err := ParsePoints(s)
	if err != nil {
		panic(err)
	}
	return &p
}

func i64(n int64) *int64 { return &n }
