package i18n_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"parindex/i18n"
	"parindex/internal/testkit"
)

// TestEveryMessageHasBothLanguages: every text in the catalogue has a
// Vietnamese and an English form that take the same arguments.
func TestEveryMessageHasBothLanguages(t *testing.T) {
	verbs := regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)
	count := func(s string) map[string]int {
		out := map[string]int{}
		for _, v := range verbs.FindAllString(s, -1) {
			if v != "%%" {
				out[v[len(v)-1:]]++
			}
		}
		return out
	}
	for key, p := range i18n.All() {
		if strings.TrimSpace(p.VI) == "" || strings.TrimSpace(p.EN) == "" {
			t.Errorf("%q: a language is missing: %+v", key, p)
			continue
		}
		if k, vi, en := fmt.Sprint(count(key)), fmt.Sprint(count(p.VI)), fmt.Sprint(count(p.EN)); vi != k || en != k {
			t.Errorf("%q: verbs differ: key %s, vi %s, en %s", key, k, vi, en)
		}
	}
}

// message is one text the code raises: where, and its key.
type message struct {
	pos string
	key string
}

// TestEveryRaisedMessageIsInTheCatalogue reads the whole tree: every
// workflow.Errorf and workflow.Field (and a FieldError's Message, a
// TextLimit's message, and what any function passing its own parameter on
// to them receives) names its text with a constant that the catalogue holds
// in both languages. A text built at run time from fragments cannot be
// translated and fails here.
func TestEveryRaisedMessageIsInTheCatalogue(t *testing.T) {
	msgs, bad := raisedMessages(t, testkit.Root(t))
	if len(msgs) < 100 {
		t.Fatalf("found only %d messages: the scan is broken", len(msgs))
	}
	for _, b := range bad {
		t.Errorf("%s: the message is not a constant text", b)
	}
	missing := 0
	for _, m := range msgs {
		if !i18n.Has(m.key) {
			missing++
			t.Errorf("%s: %q has no text in the catalogue", m.pos, m.key)
		}
	}
	t.Logf("%d messages raised, %d missing", len(msgs), missing)
}

// goPackage is one folder's non-test files and the string constants they
// declare (a message constant may be declared in one file and used in
// another).
type goPackage struct {
	name   string
	files  []*ast.File
	consts map[string]string
}

// raisedMessages scans every non-test Go file under root.
func raisedMessages(t *testing.T, root string) (msgs []message, bad []string) {
	fset := token.NewFileSet()
	pkgs := map[string]*goPackage{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || d.Name() == "signtest" || d.Name() == "parindex-bench") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		p := pkgs[dir]
		if p == nil {
			p = &goPackage{name: f.Name.Name, consts: map[string]string{}}
			pkgs[dir] = p
		}
		p.files = append(p.files, f)
		constants(f, p.consts)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dirs := make([]string, 0, len(pkgs))
	for dir := range pkgs {
		dirs = append(dirs, dir)
	}
	sort.Strings(dirs)

	// A forwarder is a function that hands one of its parameters on as a
	// message (workflow.Field, a package's own helpers): its callers are
	// scanned instead, at that argument. Find them until no new one appears.
	forwarders := map[string]int{"workflow.Errorf": 1, "workflow.Field": 1}
	visit := func(record bool) (grew bool) {
		for _, dir := range dirs {
			p := pkgs[dir]
			for _, f := range p.files {
				rel, _ := filepath.Rel(root, fset.File(f.Pos()).Name())
				for _, decl := range f.Decls {
					fn, _ := decl.(*ast.FuncDecl)
					ast.Inspect(decl, func(n ast.Node) bool {
						for _, arg := range messageArgs(f, p.name, n, forwarders) {
							if i := paramIndex(fn, arg); i >= 0 {
								key := p.name + "." + fn.Name.Name
								if _, ok := forwarders[key]; !ok {
									forwarders[key] = i
									grew = true
								}
								continue
							}
							if !record {
								continue
							}
							pos := fmt.Sprintf("%s:%d", rel, fset.Position(arg.Pos()).Line)
							switch key, ok := constantText(arg, p.consts); {
							case ok && !hasWords(key):
								bad = append(bad, pos+fmt.Sprintf(" (%q says nothing by itself)", key))
							case ok:
								msgs = append(msgs, message{pos, key})
							case !allowedDynamic(arg):
								bad = append(bad, pos)
							}
						}
						return true
					})
				}
			}
		}
		return grew
	}
	for visit(false) {
	}
	visit(true)
	t.Logf("helpers that pass a message on: %v", forwarders)
	return msgs, bad
}

// messageArgs are the expressions n gives as a message: the format of a call
// to a forwarder, a FieldError's Message, a TextLimit's message, an Error's
// Format.
func messageArgs(f *ast.File, pkg string, n ast.Node, forwarders map[string]int) []ast.Expr {
	switch n := n.(type) {
	case *ast.CallExpr:
		if i, ok := forwarders[calleeKey(f, pkg, n.Fun)]; ok && i < len(n.Args) {
			return []ast.Expr{n.Args[i]}
		}
	case *ast.CompositeLit:
		field := map[string]string{"FieldError": "Message", "TextLimit": "message", "Error": "Format"}[callName(n.Type)]
		var out []ast.Expr
		for _, e := range n.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok && field != "" && callName(kv.Key) == field {
				out = append(out, kv.Value)
			}
		}
		return out
	}
	return nil
}

// calleeKey names a called function as package.Name: a package-qualified
// call by the import's name, anything else (a local function, a method) by
// the calling file's package.
func calleeKey(f *ast.File, pkg string, fun ast.Expr) string {
	switch fun := fun.(type) {
	case *ast.Ident:
		return pkg + "." + fun.Name
	case *ast.SelectorExpr:
		if id, ok := fun.X.(*ast.Ident); ok && id.Obj == nil {
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				name := p[strings.LastIndex(p, "/")+1:]
				if imp.Name != nil {
					name = imp.Name.Name
				}
				if name == id.Name {
					return name + "." + fun.Sel.Name
				}
			}
		}
		return pkg + "." + fun.Sel.Name
	}
	return ""
}

// paramIndex is the position of arg among fn's parameters when arg is one
// of them, -1 otherwise.
func paramIndex(fn *ast.FuncDecl, arg ast.Expr) int {
	id, ok := arg.(*ast.Ident)
	if fn == nil || !ok {
		return -1
	}
	i := 0
	for _, field := range fn.Type.Params.List {
		for _, name := range field.Names {
			if name.Name == id.Name && id.Obj != nil && id.Obj.Decl == field {
				return i
			}
			i++
		}
	}
	return -1
}

func callName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		return e.Sel.Name
	case *ast.Ident:
		return e.Name
	}
	return ""
}

// constants adds to out a file's constant names and their text, where the
// declaration is one string literal, at the top or inside a function.
func constants(f *ast.File, out map[string]string) {
	ast.Inspect(f, func(n ast.Node) bool {
		g, ok := n.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			return true
		}
		for _, s := range g.Specs {
			vs, ok := s.(*ast.ValueSpec)
			if !ok {
				continue
			}
			for i, name := range vs.Names {
				if i < len(vs.Values) {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						out[name.Name], _ = strconv.Unquote(lit.Value)
					}
				}
			}
		}
		return true
	})
}

// constantText is the text of a literal or of a constant of the package.
func constantText(e ast.Expr, consts map[string]string) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.Ident:
		s, ok := consts[e.Name]
		return s, ok
	}
	return "", false
}

// hasWords: a key is a sentence, not only verbs ("%s" passes any text
// through untranslated).
func hasWords(key string) bool {
	rest := regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`).ReplaceAllString(key, "")
	return strings.IndexFunc(rest, unicode.IsLetter) >= 0
}

// allowedDynamic: a message passed on unchanged from where it was written
// and checked there: a TextLimit's message (its literals are scanned), a
// policy rule's denial (workflow's TestEveryDenialIsInTheCatalogue).
func allowedDynamic(e ast.Expr) bool {
	s, ok := e.(*ast.SelectorExpr)
	return ok && dynamicNames[callName(s.X)+"."+s.Sel.Name]
}

var dynamicNames = map[string]bool{
	"l.message": true,
	"r.denied":  true,
}

// TestTheScanIsStrict runs the scan over a small tree: constants from
// another file of the package and helpers that pass their parameter on are
// followed; fragments, Sprintf and a bare "%s" are refused.
func TestTheScanIsStrict(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"workflow/texts.go": `package workflow
const elsewhere = "Hằng ở tệp khác."
`,
		"workflow/check.go": `package workflow
func check() []error {
	v := input()
	return []error{
		Errorf(EINVALID, elsewhere),
		Errorf(EINVALID, "Câu %d.", 1).WithFields(Field("f", "x "+v)),
		Errorf(EINVALID, "%s", v),
		refuse("Từ chối %s.", v),
		refuse(v),
		&Error{Format: fmt.Sprintf("%d", 1)},
	}
}
func refuse(format string, args ...any) error { return Errorf(EINVALID, format, args...) }
`,
		"store/store.go": `package store
import "parindex/workflow"
func f(err error) error {
	_ = workflow.FieldError{Field: "x", Message: "Bắt buộc."}
	return s.duplicate(err, "code", "Đã có mã %s.", "A")
}
func (s *Store) duplicate(err error, field, format string, args ...any) error {
	return workflow.Errorf(workflow.ECONFLICT, format, args...)
}
`,
	}
	for name, src := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	msgs, bad := raisedMessages(t, root)
	var keys []string
	for _, m := range msgs {
		keys = append(keys, m.key)
	}
	sort.Strings(keys)
	want := []string{"Bắt buộc.", "Câu %d.", "Hằng ở tệp khác.", "Từ chối %s.", "Đã có mã %s."}
	if fmt.Sprint(keys) != fmt.Sprint(want) {
		t.Errorf("keys %q\nwant %q", keys, want)
	}
	wantBad := []string{"workflow/check.go:6", `workflow/check.go:7 ("%s" says nothing by itself)`, "workflow/check.go:9", "workflow/check.go:10"}
	if fmt.Sprint(bad) != fmt.Sprint(wantBad) {
		t.Errorf("refused %q\nwant    %q", bad, wantBad)
	}
}

// TestText: a key without arguments reads as Sprintf reads it, in each
// language, and a key with no text is remembered as missing.
func TestText(t *testing.T) {
	key := http.StatusText(http.StatusConflict)
	if got := i18n.Text(i18n.VI, key); got != "Xung đột trạng thái" || i18n.Text(i18n.EN, key) != "Conflict" {
		t.Errorf("Text(%q) = %q", key, got)
	}
	unknown := "i18n test: a key with no text"
	if got := i18n.Text(i18n.VI, unknown); got != unknown || !slices.Contains(i18n.Missing(), unknown) {
		t.Errorf("Text(%q) = %q, missing %v", unknown, got, i18n.Missing())
	}
}
