package export_test

import (
	"math"
	"testing"
	"time"

	"parindex/export"
)

func TestNumber(t *testing.T) {
	for _, tt := range []struct {
		x        float64
		decimals int
		want     string
	}{
		{0, 2, "0,00"},
		{0, 0, "0"},
		{0.75, 2, "0,75"},
		{19, 3, "19,000"},
		{72.5, 3, "72,500"},
		{100, 2, "100,00"},
		{999.995, 2, "1.000,00"}, // rounding carries into a new group
		{1234.5, 2, "1.234,50"},
		{1000000, 0, "1.000.000"},
		{1000000, 3, "1.000.000,000"},
		{123456789.125, 3, "123.456.789,125"},
		{-0.75, 2, "-0,75"},
		{-1234.5, 1, "-1.234,5"},
		{-1000000, 2, "-1.000.000,00"},
		// Half away from zero on the decimal as written, whatever the binary value.
		{0.0005, 3, "0,001"},
		{0.0004, 3, "0,000"},
		{0.00049999, 3, "0,000"},
		{-0.0005, 3, "-0,001"},
		{2.675, 2, "2,68"}, // the binary value is 2.67499999…
		{0.125, 2, "0,13"},
		{0.5, 0, "1"},
		{9.9995, 3, "10,000"},
		// What rounds to zero has no sign.
		{-0.0004, 3, "0,000"},
		{math.Copysign(0, -1), 2, "0,00"},
		// More decimals than the value has are zeros; negative decimals are none.
		{1.5, 4, "1,5000"},
		{12.3, -1, "12"},
	} {
		if got := export.Number(tt.x, tt.decimals); got != tt.want {
			t.Errorf("Number(%v, %d) = %q, want %q", tt.x, tt.decimals, got, tt.want)
		}
	}
}

func TestDateTime(t *testing.T) {
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	// 17:05 UTC on New Year's Eve is already the next year in Huế.
	at := time.Date(2026, 12, 31, 17, 5, 59, 0, time.UTC)
	for _, tt := range []struct {
		t    time.Time
		zone *time.Location
		want string
	}{
		{at, hcm, "01/01/2027 00:05"},
		{at, time.UTC, "31/12/2026 17:05"},
		{at.In(hcm), nil, "01/01/2027 00:05"}, // no zone: the time's own
		{time.Date(2026, 3, 4, 9, 7, 0, 0, hcm), hcm, "04/03/2026 09:07"},
	} {
		if got := export.DateTime(tt.t, tt.zone); got != tt.want {
			t.Errorf("DateTime(%v, %v) = %q, want %q", tt.t, tt.zone, got, tt.want)
		}
	}
}
