package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"parindex/store/storetest"
)

// TestREADMEWalkThrough runs the README's curl walk-through, as written,
// against the demo: the newcomer's first steps must keep working.
func TestREADMEWalkThrough(t *testing.T) {
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	script := walkThrough(t, string(readme))

	m, stdout := serve(t, nil, nil, "--addr", "127.0.0.1:0", "--db", storetest.URL(t, "sqlite"), "--demo")
	tokens, _ := demoExports(t, stdout.String())
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", strings.ReplaceAll(script, "http://localhost:8080", m.URL()))
	cmd.Env = append(os.Environ(), "ADMIN="+tokens["ADMIN"], "COUNCIL="+tokens["COUNCIL"],
		"UPDATER="+tokens["UPDATER"], "APPROVER="+tokens["APPROVER"], "REPORT="+tokens["REPORT"])
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the walk-through failed: %v\n%s", err, out)
	}
	text := string(out)
	if !regexp.MustCompile(`"matches_version":[0-9]+`).MatchString(text) {
		t.Errorf("the uploaded signed summary matches no version:\n%s", text)
	}
	// Exactly one refusal, the deliberate one, and every step the README promises.
	if n := strings.Count(text, `"type":"urn:parindex:problem:`); n != 1 || !strings.Contains(text, `"status":422`) {
		t.Errorf("want exactly the one 422 the README shows, got %d problem(s):\n%s", n, text)
	}
	for _, want := range []string{
		`"state":"entered"`, `"state":"reviewed"`, `"state":"signed"`, `"state":"submitted"`,
		`{"round":1,"state":"draft"`, `"event":"open_round"`, `"event":"return"`, `"reason":"Bổ sung giải trình tiêu chí 1.2"`,
		`"code":"1.2","editable":true,"explanation":"Bổ sung báo cáo quý IV","self_score":0.75`,
		// The signed evidence and the signed summary of the approved version.
		`"filename":"Quyết định ban hành kế hoạch CCHC.pdf"`, `"covers_file":true`, `"signer":"Trần Thị Phê Duyệt"`,
		`"organization":"Sở Tư pháp"`, `"event":"signed_summary"`, `"state":"signed"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the walk-through's output lacks %s:\n%s", want, text)
		}
	}
}

// walkThrough is the README's shell block that starts with API=.
func walkThrough(t *testing.T, readme string) string {
	t.Helper()
	start := strings.Index(readme, "\nAPI=http://localhost:8080")
	if start < 0 {
		t.Fatal("README has no walk-through block starting with API=http://localhost:8080")
	}
	end := strings.Index(readme[start:], "\n```")
	if end < 0 {
		t.Fatal("the README's walk-through block does not end")
	}
	return readme[start : start+end]
}
