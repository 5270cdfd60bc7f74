package workflow

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Points are fixed-point hundredths of a point: 0.75 is Points(75). Scores and
// totals never pass through binary floating point.
type Points int64

// ParsePoints reads a decimal such as "1", "1.0", "0.75" or "-2.5"; more than two
// decimals, exponents or anything else is an error.
func ParsePoints(s string) (Points, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty number")
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") || !allDigits(intPart) || !allDigits(frac) {
		return 0, fmt.Errorf("%q is not a decimal number", s)
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > 2 {
		return 0, fmt.Errorf("%s has more than two decimals", s)
	}
	if len(intPart) > 12 {
		return 0, fmt.Errorf("%s is too large", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is not a number", s)
	}
	if neg {
		n = -n
	}
	return Points(n), nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// String formats p with the decimals it needs: "1", "1.5", "0.75".
func (p Points) String() string {
	sign := ""
	n := int64(p)
	if n < 0 {
		sign, n = "-", -n
	}
	s := fmt.Sprintf("%s%d.%02d", sign, n/100, n%100)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// DecimalText is p as a decimal number ("0.75"), which a message in
// Vietnamese writes "0,75" (package i18n).
func (p Points) DecimalText() string { return p.String() }

// MarshalJSON writes p as a JSON number.
func (p Points) MarshalJSON() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalJSON accepts only a JSON number; a string where a number belongs is
// an error.
func (p *Points) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] == '"' {
		return fmt.Errorf("points must be a JSON number")
	}
	v, err := ParsePoints(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Index is achieved ÷ max × 100 with three decimals, rounded half up, as the
// province publishes it: "87.125". A zero max gives "0.000". A negative total
// (penalties) rounds symmetrically: "-1.563", never "-1.-562".
func Index(achieved, max Points) string {
	if max <= 0 {
		return "0.000"
	}
	sign, a := "", int64(achieved)
	if a < 0 {
		sign, a = "-", -a
	}
	// thousandths of an index point, rounded half up, all in integers.
	num := a * 100 * 1000
	v := (2*num + int64(max)) / (2 * int64(max))
	if v == 0 {
		sign = ""
	}
	return fmt.Sprintf("%s%d.%03d", sign, v/1000, v%1000)
}
