package workflow

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2026-11-25T17:00:00+07:00", time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)},
		{"2026-11-25T10:00:00Z", time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)},
		{"2026-11-25T10:00:00.5Z", time.Date(2026, 11, 25, 10, 0, 0, 5e8, time.UTC)},
		{"2026-11-25T05:00:00-05:00", time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)},
		{" 2026-11-25T17:00:00+07:00 ", time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)},
		// Without an offset: the province's time.
		{"2026-11-25T17:00:00", time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)},
		{"2026-11-25T17:00", time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)},
		{"2026-11-25 17:00:00", time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)},
		{"2026-11-26T03:30:00", time.Date(2026, 11, 25, 20, 30, 0, 0, time.UTC)},
		{"9999-12-31T23:59:59", time.Date(9999, 12, 31, 16, 59, 59, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTime(tt.in, hcm)
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseTime(%q) = %s, want %s", tt.in, got, tt.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("ParseTime(%q) is in %s; times are kept in UTC", tt.in, got.Location())
			}
		})
	}

	// The zone given is the one used for a time without an offset.
	got, err := ParseTime("2026-11-25T17:00:00", time.UTC)
	if err != nil || !got.Equal(time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseTime in UTC = %s, %v; want 17:00Z", got, err)
	}
}

func TestParseTimeRefuses(t *testing.T) {
	for _, in := range []string{
		"2026-11-25", // a date alone: a deadline must say its hour
		"",
		"25/11/2026 17:00",
		"2026-11-25T17",
		"2026-13-01T00:00:00Z",
		"2026-11-25T25:00:00",
		"tomorrow",
		"1764064800",
		// Year 10000 in UTC (found by FuzzTransitionCreate: extend answered 500).
		"9999-12-31T23:59:59-23:59",
		"0000-01-01T00:00:00+01:00", // year -1 in UTC
	} {
		t.Run(in, func(t *testing.T) {
			got, err := ParseTime(in, hcm)
			wantCode(t, err, EINVALID)
			if !got.IsZero() {
				t.Errorf("ParseTime(%q) = %s with an error; want the zero time", in, got)
			}
		})
	}
}

func TestWindowOpen(t *testing.T) {
	opens := time.Date(2026, 11, 15, 0, 0, 0, 0, hcm)
	closes := time.Date(2026, 11, 25, 17, 0, 0, 0, hcm)
	tests := []struct {
		name string
		now  time.Time
		want bool
	}{
		{"long before", opens.AddDate(0, -1, 0), false},
		{"opens - 1ns", opens.Add(-time.Nanosecond), false},
		{"opens", opens, true},
		{"middle", opens.Add(72 * time.Hour), true},
		{"closes - 1ms", closes.Add(-time.Millisecond), true},
		{"closes - 1ns", closes.Add(-time.Nanosecond), true},
		{"closes", closes, false},
		{"closes in UTC", closes.UTC(), false},
		{"closes + 1ms", closes.Add(time.Millisecond), false},
		{"long after", closes.AddDate(1, 0, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WindowOpen(opens, closes, tt.now); got != tt.want {
				t.Errorf("WindowOpen(%s) = %v, want %v", tt.now, got, tt.want)
			}
		})
	}
	// An empty window (opens == closes) is never open.
	if WindowOpen(opens, opens, opens) {
		t.Error("an empty window is open at its own instant")
	}
}
