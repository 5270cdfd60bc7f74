// Package i18n is parindex's one message catalogue, over
// golang.org/x/text/message: every text a person reads in an API answer (a
// problem's title, detail and field messages, an import's row errors, a
// signature's findings) is a key here with its Vietnamese and English form.
// The key is the format string the code writes, so a reader finds the text
// where it is raised; Vietnamese is the default, English answers
// Accept-Language: en.
//
// x/text/message is chosen over go-i18n because it is keyed by the printf
// format itself (no message ids to invent and keep in step), formats numbers
// per language, and comes from the Go project, which the service already
// depends on for x/text.
package i18n

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// The languages parindex speaks; the first is the default.
var (
	VI = language.Vietnamese
	EN = language.English
)

var matcher = language.NewMatcher([]language.Tag{VI, EN})

// Pair is one text in both languages. Both take the same arguments in the
// same order (explicit indexes such as %[2]s may reorder them).
type Pair struct{ VI, EN string }

var (
	mu       sync.RWMutex
	builder  = catalog.NewBuilder(catalog.Fallback(VI))
	pairs    = map[string]Pair{}
	terms    = map[string]Pair{}
	missing  = map[string]bool{}
	printers = map[language.Tag]*message.Printer{}
)

// add registers messages; a key registered twice with different texts is a
// programming error.
func add(m map[string]Pair) {
	mu.Lock()
	defer mu.Unlock()
	for key, p := range m {
		if old, ok := pairs[key]; ok && old != p {
			panic("i18n: two texts for " + key)
		}
		pairs[key] = p
		builder.SetString(VI, key, p.VI)
		builder.SetString(EN, key, p.EN)
	}
}

// addTerms registers the domain's named values (roles, states, events,
// agency kinds) as they read in each language.
func addTerms(m map[string]Pair) {
	mu.Lock()
	defer mu.Unlock()
	for k, p := range m {
		terms[k] = p
	}
}

// Lang is the language an Accept-Language header asks for: Vietnamese unless
// English is preferred.
func Lang(acceptLanguage string) language.Tag {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return VI
	}
	_, i, _ := matcher.Match(tags...)
	if i == 1 {
		return EN
	}
	return VI
}

func printer(lang language.Tag) *message.Printer {
	if lang != EN {
		lang = VI
	}
	mu.RLock()
	p := printers[lang]
	mu.RUnlock()
	if p != nil {
		return p
	}
	mu.Lock()
	defer mu.Unlock()
	if p = printers[lang]; p == nil {
		p = message.NewPrinter(lang, message.Catalog(builder))
		printers[lang] = p
	}
	return p
}

// Sprintf formats the text registered under key in lang. Arguments of a
// named string type (workflow.Role, State, Event, AgencyKind) are written as
// the language names them. A key with no text is formatted as it is and
// remembered (Missing), so that tests catch it.
func Sprintf(lang language.Tag, key string, args ...any) string {
	return format(lang, key, args)
}

// Text is the text registered under a key that takes no arguments, such as
// a problem's title (http.StatusText) or a key held in a variable: unlike
// Sprintf, vet's printf check does not ask for a constant key here.
func Text(lang language.Tag, key string) string { return format(lang, key, nil) }

func format(lang language.Tag, key string, args []any) string {
	mu.RLock()
	_, ok := pairs[key]
	mu.RUnlock()
	if !ok {
		mu.Lock()
		missing[key] = true
		mu.Unlock()
		return fmt.Sprintf(key, args...)
	}
	return printer(lang).Sprintf(key, Terms(lang, args)...)
}

// Terms returns args with every value of a named string type replaced by
// its name in lang (unchanged when the catalogue has no term for it), and
// every named list of such values (workflow.Phrases) by their names joined
// with commas.
func Terms(lang language.Tag, args []any) []any {
	var out []any
	for i, a := range args {
		v := reflect.ValueOf(a)
		var text string
		d, isDecimal := a.(decimal)
		switch {
		case isDecimal:
			text = Decimal(lang, d.DecimalText())
		case !v.IsValid() || v.Type().Name() == "" || v.Type().PkgPath() == "":
			continue
		case v.Kind() == reflect.String:
			mu.RLock()
			p, ok := terms[v.String()]
			mu.RUnlock()
			if !ok {
				continue
			}
			text = p.VI
			if lang == EN {
				text = p.EN
			}
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
			words := make([]string, v.Len())
			for j := range words {
				words[j] = Term(lang, v.Index(j).String())
			}
			text = strings.Join(words, ", ")
		default:
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = text
	}
	if out == nil {
		return args
	}
	return out
}

// decimal is a value written as a decimal number ("1234.5"), such as
// workflow.Points: a message shows it the way its language writes numbers.
type decimal interface{ DecimalText() string }

// Decimal writes a decimal number ("-1234.5") the way lang does: in
// Vietnamese with a decimal comma and dots between thousands ("-1.234,5").
func Decimal(lang language.Tag, s string) string {
	if lang == EN {
		return s
	}
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteByte(',')
		b.WriteString(frac)
	}
	return sign + b.String()
}

// Term is a domain value as lang names it ("approver" → "lãnh đạo duyệt").
func Term(lang language.Tag, value string) string {
	mu.RLock()
	p, ok := terms[value]
	mu.RUnlock()
	switch {
	case !ok:
		return value
	case lang == EN:
		return p.EN
	}
	return p.VI
}

// Has reports whether key has a text in both languages.
func Has(key string) bool {
	mu.RLock()
	defer mu.RUnlock()
	p, ok := pairs[key]
	return ok && p.VI != "" && p.EN != ""
}

// All returns every registered key and its texts.
func All() map[string]Pair {
	mu.RLock()
	defer mu.RUnlock()
	out := make(map[string]Pair, len(pairs))
	for k, p := range pairs {
		out[k] = p
	}
	return out
}

// Missing returns, sorted, every key formatted so far that has no text.
func Missing() []string {
	mu.RLock()
	defer mu.RUnlock()
	var out []string
	for k := range missing {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
