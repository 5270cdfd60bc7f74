package signature

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"parindex/i18n"
)

// findingsIn writes a report's findings in lang.
func findingsIn(rep Report, lang language.Tag) []string {
	var out []string
	for _, p := range rep.Problems {
		out = append(out, p.In(lang))
	}
	return out
}

// TestEveryFindingIsInTheCatalogue reads the package: every finding it can
// record (problem and distrust calls, the keys old sentences map to) has a
// text in both languages.
func TestEveryFindingIsInTheCatalogue(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	keys := map[string]string{findingOther: "findingOther"}
	for _, l := range legacyFindings {
		keys[l[1]] = "legacyFindings"
	}
	calls := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "problem" && sel.Sel.Name != "distrust") {
				return true
			}
			arg := call.Args[0]
			if sel.Sel.Name == "distrust" {
				arg = call.Args[1]
			}
			pos := fset.Position(arg.Pos()).String()
			lit, ok := arg.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: a finding must be a constant text", pos)
				return true
			}
			key, _ := strconv.Unquote(lit.Value)
			keys[key] = pos
			calls++
			return true
		})
	}
	if calls < 30 {
		t.Fatalf("found only %d findings: the scan is broken", calls)
	}
	for key, pos := range keys {
		if !i18n.Has(key) {
			t.Errorf("%s: %q has no text in the catalogue", pos, key)
		}
	}
}

// TestFindingsTravelAsKeys: a report's findings are stored as key and
// arguments and read back in either language, integers staying integers.
func TestFindingsTravelAsKeys(t *testing.T) {
	var rep Report
	rep.problem("Chữ ký có %d người ký; chỉ hỗ trợ chữ ký của một người ký.", 2)
	rep.problem("Không đọc được cấu trúc tệp PDF (%s).", "xref: <bad>")
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"format":"Chữ ký có %d người ký; chỉ hỗ trợ chữ ký của một người ký.","args":[2]}`; !strings.Contains(string(b), want) {
		t.Fatalf("stored as %s, want %s in it", b, want)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	vi, en := findingsIn(back, i18n.VI), findingsIn(back, i18n.EN)
	if len(vi) != 2 || vi[0] != "Chữ ký có 2 người ký; chỉ hỗ trợ chữ ký của một người ký." || vi[1] != "Không đọc được cấu trúc tệp PDF (xref: <bad>)." {
		t.Errorf("Vietnamese: %q", vi)
	}
	if len(en) != 2 || en[0] != "The signature has 2 signers; only single-signer signatures are supported." || en[1] != "The PDF's structure could not be read (xref: <bad>)." {
		t.Errorf("English: %q", en)
	}
}

// TestOldReportsStillRead: a report stored when findings were English
// sentences reads in the caller's language; a sentence no key matches is
// shown as it was, labelled.
func TestOldReportsStillRead(t *testing.T) {
	old := `{"present":true,"valid":false,"status":"invalid","problems":[
		"the signed bytes have changed since they were signed",
		"the signature has 3 signers; only single-signer signatures are supported",
		"the PDF's structure could not be read (malformed xref table)",
		"the signer's certificate does not chain to a trusted root",
		"something a later version said"]}`
	var rep Report
	if err := json.Unmarshal([]byte(old), &rep); err != nil {
		t.Fatal(err)
	}
	wantVI := []string{
		"Nội dung được ký đã bị thay đổi sau khi ký.",
		"Chữ ký có 3 người ký; chỉ hỗ trợ chữ ký của một người ký.",
		"Không đọc được cấu trúc tệp PDF (malformed xref table).",
		"Chứng thư số của người ký không do tổ chức chứng thực tin cậy cấp.",
		"Ghi nhận khi kiểm tra chữ ký: something a later version said",
	}
	wantEN := []string{
		"The signed bytes have changed since they were signed.",
		"The signature has 3 signers; only single-signer signatures are supported.",
		"The PDF's structure could not be read (malformed xref table).",
		"The signer's certificate does not chain to a trusted root.",
		"Signature check finding: something a later version said",
	}
	if got := findingsIn(rep, i18n.VI); strings.Join(got, "\n") != strings.Join(wantVI, "\n") {
		t.Errorf("Vietnamese:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantVI, "\n"))
	}
	if got := findingsIn(rep, i18n.EN); strings.Join(got, "\n") != strings.Join(wantEN, "\n") {
		t.Errorf("English:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantEN, "\n"))
	}
	// Every old sentence maps to its key.
	for _, l := range legacyFindings {
		old := strings.NewReplacer("%d", "2", "%v", "x").Replace(l[0])
		if f := legacyFinding(old); f.Format != l[1] {
			t.Errorf("%q reads as %q, want %q", old, f.Format, l[1])
		}
	}
}
