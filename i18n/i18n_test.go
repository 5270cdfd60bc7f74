package i18n_test

import (
	"testing"

	"parindex/i18n"
)

type pointsLike string

func (p pointsLike) DecimalText() string { return string(p) }

// TestDecimalsInMessages: a decimal argument reads the Vietnamese way in
// Vietnamese and is left alone in English.
func TestDecimalsInMessages(t *testing.T) {
	for _, tt := range []struct{ in, vi string }{
		{"0.3", "0,3"}, {"0.25", "0,25"}, {"19", "19"}, {"1234.5", "1.234,5"}, {"-1234567.75", "-1.234.567,75"}, {"100", "100"}, {"1000", "1.000"},
	} {
		if got := i18n.Decimal(i18n.VI, tt.in); got != tt.vi {
			t.Errorf("Decimal(vi, %s) = %s, want %s", tt.in, got, tt.vi)
		}
		if got := i18n.Decimal(i18n.EN, tt.in); got != tt.in {
			t.Errorf("Decimal(en, %s) = %s", tt.in, got)
		}
	}
	if got := i18n.Terms(i18n.VI, []any{pointsLike("0.75")})[0]; got != "0,75" {
		t.Errorf("a decimal argument in Vietnamese: %v", got)
	}
}
