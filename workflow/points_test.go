package workflow

import (
	"encoding/json"
	"testing"
)

func TestParsePoints(t *testing.T) {
	tests := []struct {
		in      string
		want    Points
		wantErr bool
	}{
		{in: "1", want: 100},
		{in: "1.0", want: 100},
		{in: "0.75", want: 75},
		{in: "1.50", want: 150},
		{in: "-2.5", want: -250},
		{in: "+3", want: 300},
		{in: "0", want: 0},
		{in: "0.05", want: 5},
		{in: "  2.25\n", want: 225},
		{in: "1.250", want: 125}, // trailing zeros are not decimals that count
		{in: "999999999999", want: 99999999999900},
		{in: "0.125", wantErr: true},
		{in: "1e2", wantErr: true},
		{in: "1E2", wantErr: true},
		{in: "", wantErr: true},
		{in: "   ", wantErr: true},
		{in: "abc", wantErr: true},
		{in: ".5", wantErr: true},
		{in: "5.", wantErr: true},
		{in: "-", wantErr: true},
		{in: "-.5", wantErr: true},
		{in: "1.2.3", wantErr: true},
		{in: "1,5", wantErr: true}, // Vietnamese decimal comma is not accepted
		{in: "0x10", wantErr: true},
		{in: "--1", wantErr: true},
		{in: "١", wantErr: true}, // a non-ASCII digit
		{in: "1000000000000", wantErr: true},
		{in: "null", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePoints(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParsePoints(%q) = %d, want an error", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePoints(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParsePoints(%q) = %d hundredths, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestPointsString(t *testing.T) {
	tests := []struct {
		p    Points
		want string
	}{
		{100, "1"},
		{150, "1.5"},
		{75, "0.75"},
		{0, "0"},
		{5, "0.05"},
		{1000, "10"},
		{10000, "100"},
		{-250, "-2.5"},
		{-75, "-0.75"},
		{-100, "-1"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("Points(%d).String() = %q, want %q", int64(tt.p), got, tt.want)
		}
		back, err := ParsePoints(tt.want)
		if err != nil || back != tt.p {
			t.Errorf("ParsePoints(%q) = %d, %v; want %d", tt.want, back, err, tt.p)
		}
	}
}

func TestPointsJSON(t *testing.T) {
	type doc struct {
		Max   Points  `json:"max"`
		Score *Points `json:"score"`
	}
	for _, in := range []doc{
		{Max: 150, Score: pts("0.75")},
		{Max: 0, Score: nil},
		{Max: -250, Score: pts("0")},
		{Max: 10000, Score: pts("99.99")},
	} {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("marshal %+v: %v", in, err)
		}
		var out doc
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if out.Max != in.Max || (out.Score == nil) != (in.Score == nil) || (in.Score != nil && *out.Score != *in.Score) {
			t.Errorf("round trip of %s gave max=%v score=%v", b, out.Max, out.Score)
		}
	}

	// Numbers are written as JSON numbers, with only the decimals they need.
	b, err := json.Marshal(doc{Max: 150, Score: pts("0.75")})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"max":1.5,"score":0.75}`; string(b) != want {
		t.Errorf("marshal = %s, want %s", b, want)
	}
}

func TestPointsUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    Points
		wantErr bool
	}{
		{in: `1`, want: 100},
		{in: `1.0`, want: 100},
		{in: `0.75`, want: 75},
		{in: ` 2 `, want: 200},
		{in: `"1"`, wantErr: true}, // a string where a number belongs
		{in: `""`, wantErr: true},
		{in: `0.125`, wantErr: true},
		{in: `1e2`, wantErr: true},
		{in: `true`, wantErr: true},
		{in: `[1]`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var p Points
			err := json.Unmarshal([]byte(tt.in), &p)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("unmarshal %s = %d, want an error", tt.in, p)
				}
				return
			}
			if err != nil || p != tt.want {
				t.Fatalf("unmarshal %s = %d, %v; want %d", tt.in, p, err, tt.want)
			}
		})
	}

	// null clears a score held by pointer.
	var d struct {
		Score *Points `json:"score"`
	}
	d.Score = pts("1")
	if err := json.Unmarshal([]byte(`{"score":null}`), &d); err != nil || d.Score != nil {
		t.Errorf(`unmarshal {"score":null} = %v, %v; want nil, nil`, d.Score, err)
	}
	if err := json.Unmarshal([]byte(`{"score":"0.5"}`), &d); err == nil {
		t.Errorf(`unmarshal {"score":"0.5"}: want an error for a string`)
	}
}

func TestIndex(t *testing.T) {
	tests := []struct {
		name          string
		achieved, max Points
		want          string
	}{
		{"full marks", 10000, 10000, "100.000"},
		{"nothing", 0, 10000, "0.000"},
		{"exact", 8750, 10000, "87.500"},
		{"reduced max", 7525, 9000, "83.611"}, // 83.6111…
		{"thirds round down", 100, 300, "33.333"},
		{"thirds round up", 200, 300, "66.667"},
		// 0.01 / 0.64 × 100 = 1.5625 exactly: half up gives 1.563 where
		// half-even (and float formatting) would give 1.562.
		{"half up", 1, 64, "1.563"},
		{"half up odd", 3, 64, "4.688"},
		{"smallest half", 1, 200000, "0.001"},
		{"below half", 1, 200001, "0.000"},
		{"zero max", 500, 0, "0.000"},
		{"negative max", 500, -100, "0.000"},
		{"above max", 10100, 10000, "101.000"},
		{"negative achieved", -100, 10000, "-1.000"},
		{"negative half", -1, 64, "-1.563"},
		{"tiny negative", -1, 200001, "0.000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Index(tt.achieved, tt.max); got != tt.want {
				t.Errorf("Index(%s, %s) = %q, want %q", tt.achieved, tt.max, got, tt.want)
			}
		})
	}
}
