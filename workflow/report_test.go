package workflow

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// smallSet has self, exempt-able, council, survey and custom-step leaves.
const smallSet = header + `
  - code: "1"
    title: F1
    children:
      - {code: "1.1", title: a, max_points: 2, method: self}
      - {code: "1.2", title: b, max_points: 1.5, method: self, exemptible: true}
      - {code: "1.3", title: c, max_points: 3, method: council}
      - {code: "1.4", title: d, max_points: 1, method: self}
  - code: "2"
    title: F2
    children:
      - {code: "2.1", title: e, max_points: 1, method: self, step: 0.5}
      - {code: "2.2", title: f, max_points: 2.5, method: survey}
`

func TestReportFill(t *testing.T) {
	set := mustParseYAML(t, smallSet)
	r := newReport(StateDraft)
	r.Round = 0
	r.Exemptions = []string{"1.2"}
	values := map[string]EntryValue{
		"1.1": {SelfScore: pts("1.75"), Explanation: "Kế hoạch số 12/KH-STP"},
		"1.2": {SelfScore: pts("1"), Explanation: "exempt, so ignored"},
		"2.1": {SelfScore: pts("0.5"), Explanation: "  \n "},
		"9.9": {SelfScore: pts("5")}, // not in the set: ignored
	}
	r.Fill(set, values)
	r.Fill(set, values) // filling again must not duplicate entries

	// 1.1 (2) + 1.3 (3) + 1.4 (1) + 2.1 (1) + 2.2 (2.5) = 9.5; 1.2 is exempt.
	if r.MaxTotal.String() != "9.5" {
		t.Errorf("max_total = %s, want 9.5 (the exempt 1.5 left out)", r.MaxTotal)
	}
	// 1.75 + 0.5; the exempt leaf's 1 does not count.
	if r.SelfTotal.String() != "2.25" {
		t.Errorf("self_total = %s, want 2.25", r.SelfTotal)
	}
	type row struct {
		code             string
		editable, exempt bool
		score            string
	}
	var got []row
	for _, e := range r.Entries {
		s := "null"
		if e.SelfScore != nil {
			s = e.SelfScore.String()
		}
		got = append(got, row{e.Code, e.Editable, e.Exempt, s})
	}
	want := []row{
		{"1.1", true, false, "1.75"},
		{"1.2", false, true, "1"},
		{"1.3", false, false, "null"},
		{"1.4", true, false, "null"},
		{"2.1", true, false, "0.5"},
		{"2.2", false, false, "null"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entries = %v\nwant      %v", got, want)
	}
	if e := r.Entries[4]; e.Step != 50 || e.MaxPoints != 100 || e.Method != MethodSelf || e.Title != "e" {
		t.Errorf("entry 2.1 = %+v", e)
	}

	// Without the exemption the leaf counts again.
	r.Exemptions = nil
	r.Fill(set, values)
	if r.MaxTotal.String() != "11" || r.SelfTotal.String() != "3.25" {
		t.Errorf("without exemptions: max %s self %s, want 11 and 3.25", r.MaxTotal, r.SelfTotal)
	}
}

func TestReportFillRound(t *testing.T) {
	set := mustParseYAML(t, smallSet)
	r := newReport(StateDraft)
	r.Round = 1
	r.RoundCriteria = []string{"2.1", "1.3"} // 1.3 is a council leaf: never editable
	r.Fill(set, nil)
	var editable []string
	for _, e := range r.Entries {
		if e.Editable {
			editable = append(editable, e.Code)
		}
	}
	if !reflect.DeepEqual(editable, []string{"2.1"}) {
		t.Errorf("editable in round 1 = %v, want [2.1]", editable)
	}
	if r.SelfTotal != 0 || r.MaxTotal.String() != "11" {
		t.Errorf("empty report: self %s max %s", r.SelfTotal, r.MaxTotal)
	}
}

func TestReportEditable(t *testing.T) {
	set := mustParseYAML(t, smallSet)
	leaf := map[string]*Criterion{}
	for _, l := range set.LeafList() {
		leaf[l.Code] = l
	}
	tests := []struct {
		name     string
		round    int
		criteria []string
		exempt   []string
		code     string
		want     bool
	}{
		{"round 0, self leaf", 0, nil, nil, "1.1", true},
		{"round 0 ignores round criteria", 0, []string{"2.1"}, nil, "1.1", true},
		{"round 0, council leaf", 0, nil, nil, "1.3", false},
		{"round 0, survey leaf", 0, nil, nil, "2.2", false},
		{"round 0, exempt leaf", 0, nil, []string{"1.2"}, "1.2", false},
		{"round 1, named", 1, []string{"2.1"}, nil, "2.1", true},
		{"round 1, not named", 1, []string{"2.1"}, nil, "1.1", false},
		{"round 1, none named", 1, nil, nil, "1.1", false},
		{"round 2, named but exempt", 2, []string{"1.2"}, []string{"1.2"}, "1.2", false},
		{"round 1, council leaf named", 1, []string{"1.3"}, nil, "1.3", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Report{Round: tt.round, RoundCriteria: tt.criteria, Exemptions: tt.exempt}
			if got := r.Editable(leaf[tt.code]); got != tt.want {
				t.Errorf("Editable(%s) = %v, want %v", tt.code, got, tt.want)
			}
		})
	}
}

func TestMissingForComplete(t *testing.T) {
	set := mustParseYAML(t, smallSet)
	tests := []struct {
		name    string
		exempt  []string
		values  map[string]EntryValue
		missing map[string]string // field → what the message must mention
	}{
		{
			name: "nothing entered",
			missing: map[string]string{
				"entries/1.1": "Cần điểm tự chấm và tài liệu kiểm chứng hoặc giải trình.", "entries/1.2": "Cần điểm tự chấm và tài liệu kiểm chứng hoặc giải trình.",
				"entries/1.4": "Cần điểm tự chấm và tài liệu kiểm chứng hoặc giải trình.", "entries/2.1": "Cần điểm tự chấm và tài liệu kiểm chứng hoặc giải trình.",
			},
		},
		{
			name: "evidence stands in for an explanation, not for a score",
			values: map[string]EntryValue{
				"1.1": {SelfScore: pts("2"), Evidence: 1},
				"1.2": {SelfScore: pts("1"), Evidence: 3, Explanation: " "},
				"1.4": {Evidence: 2},
				"2.1": {SelfScore: pts("1"), Explanation: "ok"},
			},
			missing: map[string]string{"entries/1.4": "Cần điểm tự chấm."},
		},
		{
			name:   "exempt leaf and non-self leaves are not asked for",
			exempt: []string{"1.2"},
			values: map[string]EntryValue{
				"1.1": {SelfScore: pts("2"), Explanation: "ok"},
				"1.4": {SelfScore: pts("0"), Explanation: "không thực hiện"},
				"2.1": {SelfScore: pts("1"), Explanation: "ok"},
			},
		},
		{
			name:   "whitespace explanation, missing score",
			exempt: []string{"1.2"},
			values: map[string]EntryValue{
				"1.1": {SelfScore: pts("2"), Explanation: " \t\n"},
				"1.4": {Explanation: "đã có giải trình"},
				"2.1": {SelfScore: pts("0.5"), Explanation: "ok"},
			},
			missing: map[string]string{"entries/1.1": "Cần tài liệu kiểm chứng hoặc giải trình.", "entries/1.4": "Cần điểm tự chấm."},
		},
		{
			name: "a score of 0 is a score",
			values: map[string]EntryValue{
				"1.1": {SelfScore: pts("0"), Explanation: "x"},
				"1.2": {SelfScore: pts("0"), Explanation: "x"},
				"1.4": {SelfScore: pts("0"), Explanation: "x"},
				"2.1": {SelfScore: pts("0"), Explanation: "x"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReport(StateDraft)
			r.Exemptions = tt.exempt
			r.Fill(set, tt.values)
			got := r.MissingForComplete()
			if len(got) != len(tt.missing) {
				t.Fatalf("missing = %v, want %d fields %v", got, len(tt.missing), tt.missing)
			}
			prev := ""
			for _, f := range got {
				mention, ok := tt.missing[f.Field]
				if !ok {
					t.Errorf("unexpected missing field %s: %s", f.Field, f.Message)
				} else if !strings.Contains(f.Message, mention) {
					t.Errorf("%s: message %q does not mention %q", f.Field, f.Message, mention)
				}
				if f.Field <= prev {
					t.Errorf("fields not in document order: %s after %s", f.Field, prev)
				}
				prev = f.Field
			}
		})
	}
}

func TestCheckEntry(t *testing.T) {
	set := mustParseYAML(t, smallSet)
	open := testOpens.Add(time.Hour)
	invalid := Errorf(EINVALID, "score: more than two decimals").WithFields(Field("entries/1.1/self_score", "at most two decimals"))
	tests := []struct {
		name    string
		state   State
		round   int
		roundC  []string
		exempt  []string
		code    string
		value   EntryValue
		ifMatch *int64
		now     time.Time
		want    string
		field   string
	}{
		// Precedence: each case breaks every rule of lower rank too.
		{name: "unknown code before stale If-Match", state: StateEntered, code: "9.9", value: EntryValue{SelfScore: pts("99")}, ifMatch: i64(1), now: testCloses, want: ENOTFOUND},
		{name: "stale If-Match before closed window", state: StateEntered, code: "1.3", value: EntryValue{SelfScore: pts("99")}, ifMatch: i64(6), now: testCloses, want: EPRECONDITION},
		{name: "closed window before state", state: StateEntered, code: "1.3", value: EntryValue{SelfScore: pts("99")}, ifMatch: i64(7), now: testCloses, want: ELOCKED},
		{name: "window not yet open", state: StateDraft, code: "1.1", value: EntryValue{SelfScore: pts("1")}, now: testOpens.Add(-time.Millisecond), want: ELOCKED},
		{name: "locked report, window open", state: StateLocked, code: "1.1", value: EntryValue{SelfScore: pts("1")}, now: open, want: ELOCKED},
		{name: "state before leaf rules", state: StateEntered, code: "1.3", value: EntryValue{SelfScore: pts("99")}, now: open, want: ECONFLICT},
		{name: "state before invalid value", state: StateReviewed, code: "1.1", value: EntryValue{Invalid: invalid}, now: open, want: ECONFLICT},
		{name: "submitted", state: StateSubmitted, code: "1.1", value: EntryValue{SelfScore: pts("1")}, now: open, want: ECONFLICT},
		{name: "closed window before invalid value", state: StateDraft, code: "1.1", value: EntryValue{Invalid: invalid}, now: testCloses, want: ELOCKED},

		// The 422s.
		{name: "parent criterion", state: StateDraft, code: "1", value: EntryValue{SelfScore: pts("1")}, now: open, want: EINVALID, field: "entries/1"},
		{name: "council leaf", state: StateDraft, code: "1.3", value: EntryValue{SelfScore: pts("1")}, now: open, want: EINVALID, field: "entries/1.3"},
		{name: "survey leaf", state: StateDraft, code: "2.2", value: EntryValue{Explanation: "x"}, now: open, want: EINVALID, field: "entries/2.2"},
		{name: "exempt leaf", state: StateDraft, exempt: []string{"1.2"}, code: "1.2", value: EntryValue{SelfScore: pts("1")}, now: open, want: EINVALID, field: "entries/1.2"},
		{name: "not editable in round 1", state: StateDraft, round: 1, roundC: []string{"2.1"}, code: "1.1", value: EntryValue{SelfScore: pts("1")}, now: open, want: EINVALID, field: "entries/1.1"},
		{name: "leaf rule before invalid value", state: StateDraft, code: "1.3", value: EntryValue{Invalid: invalid}, now: open, want: EINVALID, field: "entries/1.3"},
		{name: "invalid value is returned as is", state: StateDraft, code: "1.1", value: EntryValue{Invalid: invalid}, now: open, want: EINVALID, field: "entries/1.1/self_score"},
		{name: "score above max", state: StateDraft, code: "1.1", value: EntryValue{SelfScore: pts("2.25")}, now: open, want: EINVALID, field: "entries/1.1/self_score"},
		{name: "negative score", state: StateDraft, code: "1.1", value: EntryValue{SelfScore: pts("-0.25")}, now: open, want: EINVALID, field: "entries/1.1/self_score"},
		{name: "off the default step", state: StateDraft, code: "1.1", value: EntryValue{SelfScore: pts("0.1")}, now: open, want: EINVALID, field: "entries/1.1/self_score"},
		{name: "off a custom step", state: StateDraft, code: "2.1", value: EntryValue{SelfScore: pts("0.25")}, now: open, want: EINVALID, field: "entries/2.1/self_score"},
		{name: "explanation too long", state: StateDraft, code: "1.1", value: EntryValue{Explanation: strings.Repeat("ả", MaxExplanation+1)}, now: open, want: EINVALID, field: "entries/1.1/explanation"},

		// Allowed.
		{name: "score in steps", state: StateDraft, code: "1.1", value: EntryValue{SelfScore: pts("1.75"), Explanation: "x"}, now: open},
		{name: "score = max", state: StateDraft, code: "1.1", value: EntryValue{SelfScore: pts("2")}, now: open},
		{name: "score 0", state: StateDraft, code: "1.1", value: EntryValue{SelfScore: pts("0")}, now: open},
		{name: "null clears", state: StateDraft, code: "1.1", value: EntryValue{Explanation: "x"}, now: open},
		{name: "custom step", state: StateDraft, code: "2.1", value: EntryValue{SelfScore: pts("0.5")}, now: open},
		{name: "current If-Match", state: StateDraft, code: "1.1", value: EntryValue{SelfScore: pts("1")}, ifMatch: i64(7), now: open},
		{name: "editable in round 1", state: StateDraft, round: 1, roundC: []string{"2.1"}, code: "2.1", value: EntryValue{SelfScore: pts("1")}, now: open},
		{name: "explanation at the limit", state: StateDraft, code: "1.1", value: EntryValue{Explanation: strings.Repeat("ả", MaxExplanation)}, now: open},
		{name: "opening instant", state: StateDraft, code: "1.1", value: EntryValue{SelfScore: pts("1")}, now: testOpens},

		// The deadline, by the millisecond.
		{name: "closes_at - 1ms", state: StateDraft, code: "1.1", value: EntryValue{SelfScore: pts("1")}, now: testCloses.Add(-time.Millisecond)},
		{name: "closes_at", state: StateDraft, code: "1.1", value: EntryValue{SelfScore: pts("1")}, now: testCloses, want: ELOCKED},
		{name: "closes_at + 1ms", state: StateDraft, code: "1.1", value: EntryValue{SelfScore: pts("1")}, now: testCloses.Add(time.Millisecond), want: ELOCKED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReport(tt.state)
			r.Round, r.RoundCriteria, r.Exemptions = tt.round, tt.roundC, tt.exempt
			err := r.CheckEntry(set, tt.code, tt.value, tt.ifMatch, tt.now)
			wantCode(t, err, tt.want)
			if tt.field != "" && !reflect.DeepEqual(fieldNames(err), []string{tt.field}) {
				t.Errorf("fields = %v, want [%s]", fieldNames(err), tt.field)
			}
			if tt.value.Invalid != nil && tt.want == EINVALID && tt.field == "entries/1.1/self_score" && !errors.Is(err, tt.value.Invalid) {
				t.Errorf("CheckEntry returned %v, not the value's own error", err)
			}
		})
	}
}

func TestCheckExemptions(t *testing.T) {
	set := mustParseSample(t, "criteria-department.yaml")
	open := testOpens.Add(time.Hour)
	long := strings.Repeat("ư", MaxReason) // 2,000 characters, 4,000 bytes
	tests := []struct {
		name   string
		state  State
		codes  []string
		reason *string // nil: a good reason
		now    time.Time
		want   []string
		code   string
		fields []string
	}{
		{name: "exemptible leaves, deduplicated and sorted", state: StateDraft, codes: []string{"7.3", " 3.1 ", "3.2", "3.1"}, want: []string{"3.1", "3.2", "7.3"}},
		{name: "none", state: StateDraft, codes: nil, want: nil},
		{name: "entered", state: StateEntered, codes: []string{"3.5"}, want: []string{"3.5"}},
		{name: "reviewed", state: StateReviewed, codes: []string{"3.5"}, want: []string{"3.5"}},
		{name: "a reason of 2,000 characters", state: StateDraft, codes: []string{"3.5"}, reason: &long, want: []string{"3.5"}},
		{name: "not exemptible", state: StateDraft, codes: []string{"3.1", "1.1.1"}, code: EINVALID, fields: []string{"codes"}},
		{name: "parent of exemptible leaves", state: StateDraft, codes: []string{"3"}, code: EINVALID, fields: []string{"codes"}},
		{name: "unknown codes, each listed", state: StateDraft, codes: []string{"9.9", "", "1.2"}, code: EINVALID, fields: []string{"codes", "codes", "codes"}},
		{name: "no reason", state: StateDraft, codes: []string{"3.1"}, reason: str(" \t"), code: EINVALID, fields: []string{"reason"}},
		{name: "a reason over 2,000 characters", state: StateDraft, codes: []string{"3.1"}, reason: str(long + "a"), code: EINVALID, fields: []string{"reason"}},
		{name: "a reason with NUL", state: StateDraft, codes: []string{"3.1"}, reason: str("lý do\x00"), code: EINVALID, fields: []string{"reason"}},
		{name: "bad codes and no reason, both listed", state: StateDraft, codes: []string{"1.1.1"}, reason: str(""), code: EINVALID, fields: []string{"codes", "reason"}},
		{name: "signed", state: StateSigned, codes: []string{"3.5"}, code: ECONFLICT},
		{name: "submitted", state: StateSubmitted, codes: []string{"3.1"}, code: ECONFLICT},
		{name: "locked", state: StateLocked, codes: []string{"3.1"}, code: ELOCKED},
		{name: "submitted, even with bad codes and no reason", state: StateSubmitted, codes: []string{"1.1.1"}, reason: str(""), code: ECONFLICT},
		{name: "closed window", state: StateDraft, codes: []string{"3.1"}, now: testCloses, code: ELOCKED},
		{name: "closed window before state", state: StateSigned, codes: []string{"3.1"}, now: testCloses, code: ELOCKED},
		{name: "window not yet open", state: StateDraft, codes: []string{"3.1"}, now: testOpens.Add(-time.Millisecond), code: ELOCKED},
		{name: "closed window before a missing reason", state: StateDraft, codes: []string{"3.1"}, reason: str(""), now: testCloses, code: ELOCKED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reason := "Theo Quyết định số 12/QĐ-UBND"
			if tt.reason != nil {
				reason = *tt.reason
			}
			now := tt.now
			if now.IsZero() {
				now = open
			}
			got, gotReason, err := newReport(tt.state).CheckExemptions(set, tt.codes, reason, now)
			wantCode(t, err, tt.code)
			if err != nil {
				if got != nil || gotReason != "" {
					t.Errorf("codes %v and reason %q returned with an error", got, gotReason)
				}
				var fields []string
				for _, f := range ErrorFields(err) {
					fields = append(fields, f.Field)
				}
				if !reflect.DeepEqual(fields, tt.fields) {
					t.Errorf("fields %v, want %v: %v", fields, tt.fields, ErrorFields(err))
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("CheckExemptions = %v, want %v", got, tt.want)
			}
			if gotReason != NormalizeText(reason) {
				t.Errorf("reason %q, want %q", gotReason, NormalizeText(reason))
			}
		})
	}
	t.Run("messages", func(t *testing.T) {
		_, _, err := newReport(StateDraft).CheckExemptions(set, []string{"3.1"}, "", open)
		if ErrorMessage(err) != "Cần nêu lý do." || ErrorFields(err)[0].Message != "Cần nêu lý do." {
			t.Errorf("no reason: %q %v", ErrorMessage(err), ErrorFields(err))
		}
		_, _, err = newReport(StateDraft).CheckExemptions(set, []string{"3.1"}, long+"a", open)
		if ErrorMessage(err) != LimitReason.Message() {
			t.Errorf("too long: %q", ErrorMessage(err))
		}
		// Decomposed Vietnamese counts in NFC: 2,000 precomposed characters pass.
		nfd := strings.Repeat("e\u0302\u0301", MaxReason) // ế decomposed, 3 runes each
		if _, r, err := newReport(StateDraft).CheckExemptions(set, nil, nfd, open); err != nil || r != strings.Repeat("ế", MaxReason) {
			t.Errorf("decomposed reason of 2,000 characters: %v", err)
		}
	})
}

func str(s string) *string { return &s }

func TestReportWindowOpen(t *testing.T) {
	r := newReport(StateDraft)
	for _, tt := range []struct {
		now  time.Time
		want bool
	}{
		{testOpens.Add(-time.Nanosecond), false},
		{testOpens, true},
		{testCloses.Add(-time.Millisecond), true},
		{testCloses, false},
	} {
		if got := r.WindowOpen(tt.now); got != tt.want {
			t.Errorf("WindowOpen(%s) = %v, want %v", tt.now, got, tt.want)
		}
	}
}
