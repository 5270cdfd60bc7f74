package i18n_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

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
// workflow.Errorf and workflow.Field (and a FieldError's Message) names its
// text with a constant that the catalogue holds in both languages. A text
// built at run time from fragments cannot be translated and fails here.
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

// raisedMessages scans every non-test Go file under root.
func raisedMessages(t *testing.T, root string) (msgs []message, bad []string) {
	fset := token.NewFileSet()
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
		consts := constants(f)
		rel, _ := filepath.Rel(root, path)
		ast.Inspect(f, func(n ast.Node) bool {
			var arg ast.Expr
			switch n := n.(type) {
			case *ast.CallExpr:
				name := callName(n.Fun)
				if (name == "Errorf" || name == "Field") && len(n.Args) >= 2 && isWorkflow(f, n.Fun) {
					arg = n.Args[1]
				}
			case *ast.CompositeLit:
				if callName(n.Type) == "FieldError" {
					for _, e := range n.Elts {
						if kv, ok := e.(*ast.KeyValueExpr); ok && callName(kv.Key) == "Message" {
							arg = kv.Value
						}
					}
				}
			}
			if arg == nil {
				return true
			}
			pos := fmt.Sprintf("%s:%d", rel, fset.Position(arg.Pos()).Line)
			if key, ok := constantText(arg, consts); ok {
				msgs = append(msgs, message{pos, key})
			} else if !allowedDynamic(arg) {
				bad = append(bad, pos)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return msgs, bad
}

// isWorkflow: the call is workflow.X, or X inside package workflow.
func isWorkflow(f *ast.File, fun ast.Expr) bool {
	switch fun := fun.(type) {
	case *ast.SelectorExpr:
		id, ok := fun.X.(*ast.Ident)
		return ok && id.Name == "workflow"
	case *ast.Ident:
		return f.Name.Name == "workflow"
	}
	return false
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

// constants maps a file's constant and variable names to their text, where
// the declaration is one string literal.
func constants(f *ast.File) map[string]string {
	out := map[string]string{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok {
			continue
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
	}
	return out
}

// constantText is the text of a literal or of a constant named in the file;
// names declared elsewhere in the package are looked up in the catalogue's
// registry of known names (knownNames).
func constantText(e ast.Expr, consts map[string]string) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.Ident:
		if s, ok := consts[e.Name]; ok {
			return s, true
		}
		if s, ok := packageConstants[e.Name]; ok {
			return s, true
		}
	case *ast.BinaryExpr:
		return "", false
	}
	return "", false
}

// allowedDynamic: a message passed on unchanged (a variable already holding
// a key, or l.message in TextLimit), checked where it is defined.
func allowedDynamic(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return dynamicNames[e.Name]
	case *ast.SelectorExpr:
		return dynamicNames[callName(e.X)+"."+e.Sel.Name]
	case *ast.IndexExpr, *ast.CallExpr:
		return false
	}
	return false
}

// packageConstants are message constants declared in one file of a package
// and used in another, with their text.
var packageConstants = map[string]string{}

// dynamicNames are the variables that carry a key from where it was
// written (itself scanned) to where it is raised.
var dynamicNames = map[string]bool{
	"l.message": true, // workflow.TextLimit: the texts are the Limit* literals
}
