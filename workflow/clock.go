package workflow

import (
	"strings"
	"time"
	_ "time/tzdata" // the province's zone must load on machines without a zoneinfo database
)

// Clock tells the time; tests inject a fixed or moving clock instead of waiting.
type Clock func() time.Time

// SystemClock is the real clock.
func SystemClock() time.Time { return time.Now() }

// DefaultZone is the province's zone: UTC+7 all year, no daylight saving.
const DefaultZone = "Asia/Ho_Chi_Minh"

// ParseTime reads a full date-time: RFC 3339 with an offset, or without one in
// the province's zone ("2026-11-25T17:00:00"). A date alone is refused:
// a deadline must say its hour. The instant must fall in the years 1 to 9999
// in UTC: "9999-12-31T23:59:59-23:00" is year 10000 there, which SQLite's
// fixed-width text cannot hold nor compare.
func ParseTime(s string, zone *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	t, err := time.Parse(time.RFC3339Nano, s)
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if err == nil {
			break
		}
		t, err = time.ParseInLocation(layout, s, zone)
	}
	if err != nil {
		return time.Time{}, Errorf(EINVALID, "%q không phải ngày giờ đầy đủ, chẳng hạn 2026-11-25T17:00:00+07:00.", s)
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return time.Time{}, Errorf(EINVALID, "%q nằm ngoài khoảng từ năm 1 đến năm 9999.", s)
	}
	return t.UTC(), nil
}

// WindowOpen reports whether now lies in [opens, closes).
func WindowOpen(opens, closes, now time.Time) bool {
	return !now.Before(opens) && now.Before(closes)
}
