package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"parindex/i18n"
	"parindex/workflow"
)

// funcs are the templates' functions: times in the province's zone and
// numbers as Vietnamese writes them, the domain's names, and the policy.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":     asset,
		"time":      s.timeText,
		"date":      s.dateText,
		"isoTime":   s.isoTime,
		"countdown": s.countdown,
		"due":       s.due,
		"points":    pointsText,
		"decimal":   func(d string) string { return i18n.Decimal(i18n.VI, d) },
		"num":       numText,
		"term":      func(v any) string { return i18n.Term(i18n.VI, fmt.Sprint(v)) },
		"Term":      func(v any) string { return upperFirst(i18n.Term(i18n.VI, fmt.Sprint(v))) },
		"allows": func(u *workflow.User, a string, agencyID int64) bool {
			return workflow.Allows(u, workflow.Action(a), workflow.Target{AgencyID: agencyID})
		},
		"has": func(u *workflow.User, role string, agencyID int64) bool {
			return u != nil && u.Has(workflow.Role(role), agencyID)
		},
		"seesAll": func(u *workflow.User) bool { return u != nil && u.SeesAll() },
		"dict":    dict,
		"list":    func(v ...any) []any { return v },
		"add":     func(a, b int) int { return a + b },
		"pathEscape": func(s string) string {
			return strings.ReplaceAll(template.URLQueryEscaper(s), "+", "%20")
		},
	}
}

// Times on pages: "17:00 25/11/2026" in the province's zone.
const (
	timeLayout = "15:04 02/01/2006"
	dateLayout = "02/01/2006"
)

// timeText is t in the province's zone, hour first as Vietnamese writes it;
// "—" for none.
func (s *Server) timeText(t any) string {
	tt, ok := timeOf(t)
	if !ok {
		return "—"
	}
	return tt.In(s.cfg.Zone).Format(timeLayout)
}

func (s *Server) dateText(t any) string {
	tt, ok := timeOf(t)
	if !ok {
		return "—"
	}
	return tt.In(s.cfg.Zone).Format(dateLayout)
}

// isoTime is t for a <time datetime> attribute, with the zone's offset.
func (s *Server) isoTime(t any) string {
	tt, ok := timeOf(t)
	if !ok {
		return ""
	}
	return tt.In(s.cfg.Zone).Format(time.RFC3339)
}

func timeOf(t any) (time.Time, bool) {
	switch v := t.(type) {
	case time.Time:
		return v, !v.IsZero()
	case *time.Time:
		if v == nil {
			return time.Time{}, false
		}
		return *v, !v.IsZero()
	}
	return time.Time{}, false
}

// soon is how close a deadline is marked "sắp hết hạn": the first reminder's
// distance.
const soon = 72 * time.Hour

// due classifies a deadline: "over" (passed), "soon" (within three days) or "".
func (s *Server) due(t any) string {
	tt, ok := timeOf(t)
	if !ok {
		return ""
	}
	left := tt.Sub(s.cfg.Now())
	switch {
	case left <= 0:
		return "over"
	case left <= soon:
		return "soon"
	}
	return ""
}

// countdown is the time left before t in words: "còn 2 ngày 3 giờ", "còn
// 45 phút", or "quá hạn 1 ngày" once passed.
func (s *Server) countdown(t any) string {
	tt, ok := timeOf(t)
	if !ok {
		return ""
	}
	left := tt.Sub(s.cfg.Now())
	if left <= 0 {
		return "quá hạn " + spanText(-left)
	}
	return "còn " + spanText(left)
}

// spanText is a duration in the two largest units that matter.
func spanText(d time.Duration) string {
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	minutes := int(d % time.Hour / time.Minute)
	switch {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%d ngày %d giờ", days, hours)
	case days > 0:
		return fmt.Sprintf("%d ngày", days)
	case hours > 0 && minutes > 0:
		return fmt.Sprintf("%d giờ %d phút", hours, minutes)
	case hours > 0:
		return fmt.Sprintf("%d giờ", hours)
	case minutes > 0:
		return fmt.Sprintf("%d phút", minutes)
	}
	return "dưới 1 phút"
}

// pointsText is a score the Vietnamese way ("0,75"); "—" for none.
func pointsText(p any) string {
	switch v := p.(type) {
	case workflow.Points:
		return i18n.Decimal(i18n.VI, v.String())
	case *workflow.Points:
		if v == nil {
			return "—"
		}
		return i18n.Decimal(i18n.VI, v.String())
	case string:
		if v == "" {
			return "—"
		}
		return i18n.Decimal(i18n.VI, v)
	}
	return "—"
}

// numText is a count with dots between thousands ("1.000").
func numText(n any) string {
	switch v := n.(type) {
	case int:
		return i18n.Decimal(i18n.VI, strconv.Itoa(v))
	case int64:
		return i18n.Decimal(i18n.VI, strconv.FormatInt(v, 10))
	}
	return fmt.Sprint(n)
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// dict builds a map for a partial template: dict "a" 1 "b" 2.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
