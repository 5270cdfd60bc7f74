package export

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// How the exports print numbers and times: the Vietnamese way, whatever the
// machine's locale. A reader takes "19.000" for nineteen thousand; the index
// nineteen prints "19,000".
const (
	decimalComma   = ","
	thousandsDot   = "."
	dateTimeLayout = "02/01/2006 15:04" // dd/mm/yyyy HH:mm
	pointDecimals  = 2                  // scores and totals: "72,50"
	indexDecimals  = 3                  // the index: "72,500"
)

// Number prints x with exactly decimals digits after a decimal comma and the
// thousands grouped with dots: Number(1234.5, 2) is "1.234,50", Number(19, 3)
// is "19,000". It rounds half away from zero on the shortest decimal that
// reads back as x (0.0005 to three decimals is "0,001", as a person rounding
// it would say, not the "0,000" of the binary value just below it), and a
// number that rounds to zero prints without a minus sign.
func Number(x float64, decimals int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	decimals = max(decimals, 0)
	whole, frac, _ := strings.Cut(strconv.FormatFloat(math.Abs(x), 'f', -1, 64), ".")
	roundUp := len(frac) > decimals && frac[decimals] >= '5'
	frac = (frac + strings.Repeat("0", decimals))[:decimals]
	digits := whole + frac
	if roundUp {
		digits = increment(digits)
	}
	whole, frac = digits[:len(digits)-decimals], digits[len(digits)-decimals:]

	var b strings.Builder
	if x < 0 && strings.Trim(digits, "0") != "" {
		b.WriteString("-")
	}
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(thousandsDot)
		}
		b.WriteRune(d)
	}
	if decimals > 0 {
		b.WriteString(decimalComma)
		b.WriteString(frac)
	}
	return b.String()
}

// increment adds one to a string of decimal digits: "0999" is "1000", "99"
// is "100".
func increment(digits string) string {
	b := []byte(digits)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return string(b)
		}
		b[i] = '0'
	}
	return "1" + string(b)
}

// DateTime prints t as the province reads it: dd/mm/yyyy HH:mm in zone
// ("02/12/2026 10:15"). A nil zone prints t in its own location.
func DateTime(t time.Time, zone *time.Location) string {
	return inZone(t, zone).Format(dateTimeLayout)
}

// inZone is t in zone, or t as it is when zone is nil.
func inZone(t time.Time, zone *time.Location) time.Time {
	if zone == nil {
		return t
	}
	return t.In(zone)
}
