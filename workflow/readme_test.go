package workflow

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite README's transition diagram")

const (
	diagramBegin = "<!-- transitions:begin -->"
	diagramEnd   = "<!-- transitions:end -->"
)

// diagramBlock is what belongs between the README's markers.
func diagramBlock() string { return "```mermaid\n" + Mermaid() + "```\n" }

// findMarkerLine returns the offset of the only line of s that is exactly
// marker, or an error when there is none or more than one.
func findMarkerLine(s, marker string) (int, error) {
	at := -1
	for off := 0; off < len(s); {
		line, _, _ := strings.Cut(s[off:], "\n")
		if strings.TrimSuffix(line, "\r") == marker {
			if at >= 0 {
				return 0, fmt.Errorf("the line %s appears more than once", marker)
			}
			at = off
		}
		off += len(line) + 1
	}
	if at < 0 {
		return 0, fmt.Errorf("no line %s", marker)
	}
	return at, nil
}

// splitDiagram cuts a README into the text up to and including the begin
// marker's line, the block between the markers, and the rest from the end
// marker's line on.
func splitDiagram(readme string) (head, block, tail string, err error) {
	b, err := findMarkerLine(readme, diagramBegin)
	if err != nil {
		return "", "", "", err
	}
	e, err := findMarkerLine(readme, diagramEnd)
	if err != nil {
		return "", "", "", err
	}
	nl := strings.IndexByte(readme[b:], '\n')
	if nl < 0 || e < b {
		return "", "", "", errors.New(diagramEnd + " must come on a line after " + diagramBegin)
	}
	afterBegin := b + nl + 1
	return readme[:afterBegin], readme[afterBegin:e], readme[e:], nil
}

// replaceDiagram returns readme with the block between the markers replaced.
func replaceDiagram(readme, block string) (string, error) {
	head, _, tail, err := splitDiagram(readme)
	if err != nil {
		return "", err
	}
	return head + block + tail, nil
}

// syncDiagram compares the diagram block of the file at path with Mermaid();
// when it differs and update is set, it rewrites that block in place and
// leaves every other byte of the file as it was. It returns the block found.
func syncDiagram(path string, update bool) (found string, rewritten bool, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", false, err
	}
	readme := string(data)
	_, found, _, err = splitDiagram(readme)
	if err != nil {
		return "", false, fmt.Errorf("%s has no transition diagram block (%v): it needs the lines\n%s\n%s", path, err, diagramBegin, diagramEnd)
	}
	if found == diagramBlock() || !update {
		return found, false, nil
	}
	out, err := replaceDiagram(readme, diagramBlock())
	if err != nil {
		return found, false, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return found, false, err
	}
	if err := os.WriteFile(path, []byte(out), info.Mode().Perm()); err != nil {
		return found, false, err
	}
	return found, true, nil
}

// TestREADMEDiagram keeps the README's state diagram equal to Mermaid().
// Regenerate it with: go test ./workflow -run TestREADMEDiagram -update
func TestREADMEDiagram(t *testing.T) {
	path := filepath.Join("..", "README.md")
	found, rewritten, err := syncDiagram(path, *update)
	switch {
	case err != nil:
		t.Fatalf("%v\nthen run: go test ./workflow -run TestREADMEDiagram -update", err)
	case rewritten:
		t.Logf("rewrote the transition diagram in %s", path)
	case found != diagramBlock():
		t.Errorf("README.md's transition diagram is stale; run: go test ./workflow -run TestREADMEDiagram -update\n"+
			"--- README.md has:\n%s--- Mermaid() gives:\n%s", found, diagramBlock())
	}
}

func TestSyncDiagram(t *testing.T) {
	dir := t.TempDir()
	const before, after = "# parindex\r\n\nintro ```x```\n", "\n## Next\n\ttrailing  "
	stale := before + diagramBegin + "\n```mermaid\nstateDiagram-v2\n    old --> gone\n```\n" + diagramEnd + after
	fresh := before + diagramBegin + "\n" + diagramBlock() + diagramEnd + after

	path := filepath.Join(dir, "README.md")
	if err := os.WriteFile(path, []byte(stale), 0o640); err != nil {
		t.Fatal(err)
	}
	// Without -update a stale file is reported and left alone.
	found, rewritten, err := syncDiagram(path, false)
	if err != nil || rewritten || found == diagramBlock() {
		t.Fatalf("check of a stale file = %q, %v, %v", found, rewritten, err)
	}
	if b, _ := os.ReadFile(path); string(b) != stale {
		t.Fatal("a check without -update changed the file")
	}
	// With -update only the block changes.
	if _, rewritten, err := syncDiagram(path, true); err != nil || !rewritten {
		t.Fatalf("update = %v, %v", rewritten, err)
	}
	if b, _ := os.ReadFile(path); string(b) != fresh {
		t.Fatalf("after update the file is\n%q\nwant\n%q", b, fresh)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("mode after update = %v, %v; want 0640", info.Mode().Perm(), err)
	}
	// A fresh file is not rewritten.
	if found, rewritten, err := syncDiagram(path, true); err != nil || rewritten || found != diagramBlock() {
		t.Errorf("update of a fresh file = %v, %v", rewritten, err)
	}
	// A file without markers is an error, with or without -update, and is not touched.
	bare := filepath.Join(dir, "BARE.md")
	if err := os.WriteFile(bare, []byte("# no diagram\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := syncDiagram(bare, true); err == nil || !strings.Contains(err.Error(), diagramBegin) {
		t.Errorf("file without markers: err = %v, want one naming %s", err, diagramBegin)
	}
	if b, _ := os.ReadFile(bare); string(b) != "# no diagram\n" {
		t.Error("a file without markers was changed")
	}
	if _, _, err := syncDiagram(filepath.Join(dir, "missing.md"), true); err == nil {
		t.Error("a missing file is not an error")
	}
}

func TestReplaceDiagram(t *testing.T) {
	const block = "```mermaid\nnew\n```\n"
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{
			name: "stale block",
			in:   "# T\n\n" + diagramBegin + "\n```mermaid\nold\n```\n" + diagramEnd + "\n\nafter\n",
			want: "# T\n\n" + diagramBegin + "\n" + block + diagramEnd + "\n\nafter\n",
		},
		{
			name: "empty block, no final newline",
			in:   diagramBegin + "\n" + diagramEnd,
			want: diagramBegin + "\n" + block + diagramEnd,
		},
		{
			name: "everything else kept byte for byte",
			in:   "a\r\n  " + diagramBegin + "\n" + diagramBegin + "\nx\n" + diagramEnd + "\r\nz \t\n\n",
			want: "a\r\n  " + diagramBegin + "\n" + diagramBegin + "\n" + block + diagramEnd + "\r\nz \t\n\n",
		},
		{name: "no markers", in: "# T\n", wantErr: true},
		{name: "no end marker", in: diagramBegin + "\nx\n", wantErr: true},
		{name: "no begin marker", in: "x\n" + diagramEnd + "\n", wantErr: true},
		{name: "end before begin", in: diagramEnd + "\n" + diagramBegin + "\n", wantErr: true},
		{name: "begin twice", in: diagramBegin + "\n" + diagramBegin + "\n" + diagramEnd + "\n", wantErr: true},
		{name: "marker inside a line", in: "see " + diagramBegin + "\n" + diagramEnd + "\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := replaceDiagram(tt.in, block)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("replaceDiagram = %q, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("replaceDiagram =\n%q\nwant\n%q", got, tt.want)
			}
			// Splitting the result gives back the block: -update then passes.
			if _, b, _, err := splitDiagram(got); err != nil || b != block {
				t.Errorf("after replacing, the block is %q, %v", b, err)
			}
		})
	}
}

func TestMermaid(t *testing.T) {
	m := Mermaid()
	lines := strings.Split(strings.TrimSuffix(m, "\n"), "\n")
	want := 2
	for _, tr := range Transitions {
		if tr.Restores {
			want += len(tr.From) * 4 // one line per state a report can be locked from
		} else {
			want += len(tr.From)
		}
	}
	if len(lines) != want || lines[0] != "stateDiagram-v2" || lines[1] != "    [*] --> draft" {
		t.Fatalf("Mermaid() has %d lines starting %q; want %d starting with the header and [*] --> draft", len(lines), lines[:2], want)
	}
	for _, line := range []string{
		"    draft --> entered: complete (updater)",
		"    signed --> draft: return (approver)",
		"    signed --> submitted: submit (approver)",
		"    reviewed --> locked: lock (system)",
		"    locked --> draft: open_round (council), round + 1",
		"    locked --> signed: extend (council, admin), if locked from signed",
	} {
		if !strings.Contains(m, line+"\n") {
			t.Errorf("Mermaid() lacks the line %q", line)
		}
	}
	if !strings.HasSuffix(m, "\n") {
		t.Error("Mermaid() must end with a newline so the fence closes on its own line")
	}
}
