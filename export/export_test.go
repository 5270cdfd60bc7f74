package export_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"parindex/export"
	"parindex/workflow"
)

// formats are the three exports by file name.
var formats = map[string]func(io.Writer, export.Summary) error{
	"summary.xlsx": export.SummaryXLSX,
	"summary.pdf":  export.SummaryPDF,
	"report.pdf":   export.ReportPDF,
}

func TestDeterministic(t *testing.T) {
	s := withAlphabet(fixture(4, 5))
	for name, fn := range formats {
		t.Run(name, func(t *testing.T) {
			a, b := render(t, fn, s), render(t, fn, s)
			if !bytes.Equal(a, b) {
				t.Fatalf("two renders differ (%d and %d bytes)", len(a), len(b))
			}
		})
	}
}

// TestDeterministicAcrossProcesses renders in a fresh process (new map seeds,
// new heap) and compares with this one's output.
func TestDeterministicAcrossProcesses(t *testing.T) {
	if dir := os.Getenv("EXPORT_RENDER_DIR"); dir != "" {
		for name, fn := range formats {
			if err := os.WriteFile(filepath.Join(dir, name), render(t, fn, fixture(4, 5)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDeterministicAcrossProcesses$", "-test.count=1")
	cmd.Env = append(os.Environ(), "EXPORT_RENDER_DIR="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for name, fn := range formats {
		theirs, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(render(t, fn, fixture(4, 5)), theirs) {
			t.Errorf("%s differs between processes", name)
		}
	}
}

// The bytes depend on the version and on the digest, so a signed copy of one
// version cannot pass for another.
func TestVersionAndDigestChangeBytes(t *testing.T) {
	s := fixture(3, 3)
	other := sha256.Sum256([]byte("another content"))
	for name, fn := range formats {
		t.Run(name, func(t *testing.T) {
			base := render(t, fn, s)
			v := s
			v.Version++
			if bytes.Equal(base, render(t, fn, v)) {
				t.Error("a new version gives the same bytes")
			}
			d := s
			d.Digest = hex.EncodeToString(other[:])
			if bytes.Equal(base, render(t, fn, d)) {
				t.Error("a new digest gives the same bytes")
			}
		})
	}
}

func TestKeywords(t *testing.T) {
	s := fixture(1, 1)
	kw := export.Keywords(s)
	if want := "parindex:report=42;version=7;sha256=" + s.Digest; kw != want {
		t.Fatalf("Keywords = %q, want %q", kw, want)
	}
	for _, in := range []string{kw, "CCHC, " + kw + ", Sở Tư pháp", kw + " khác"} {
		id, version, digest, ok := export.ParseKeywords(in)
		if !ok || id != 42 || version != 7 || digest != s.Digest {
			t.Errorf("ParseKeywords(%q) = %d, %d, %q, %v", in, id, version, digest, ok)
		}
	}
	for _, in := range []string{
		"",
		"CCHC 2026",
		"parindex:report=42;version=7",
		"parindex:report=42;sha256=" + s.Digest,
		"parindex:version=7;sha256=" + s.Digest,
		"parindex:report=x;version=7;sha256=" + s.Digest,
		"parindex:report=42;version=7;sha256=abc",
		"parindex:report=42;version=7;sha256=" + s.Digest[:63] + "g",
	} {
		if _, _, _, ok := export.ParseKeywords(in); ok {
			t.Errorf("ParseKeywords(%q) ok", in)
		}
	}
}

func TestInvalidDigest(t *testing.T) {
	s := fixture(1, 1)
	s.Digest = "not a digest"
	for name, fn := range formats {
		if err := fn(io.Discard, s); workflow.ErrorCode(err) != workflow.EINVALID {
			t.Errorf("%s: err = %v, want %s", name, err, workflow.EINVALID)
		}
	}
}

// A report without criteria (a new criteria set, say) still exports its frame.
func TestEmptyReport(t *testing.T) {
	s := fixture(0, 0)
	for name, fn := range formats {
		if len(render(t, fn, s)) == 0 {
			t.Errorf("%s: empty output", name)
		}
	}
	mustContain(t, "summary.pdf", readPDF(t, render(t, export.SummaryPDF, s)).text(),
		"Tổng điểm tự chấm / Điểm tối đa", "LÃNH ĐẠO ĐƠN VỊ")
}

// Many requests export at once; each gets the same bytes a lone one would.
func TestConcurrent(t *testing.T) {
	s := fixture(3, 3)
	names := []string{"summary.xlsx", "summary.pdf", "report.pdf"}
	want := map[string][]byte{}
	for _, name := range names {
		want[name] = render(t, formats[name], s)
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			name := names[i%len(names)]
			var buf bytes.Buffer
			if err := formats[name](&buf, s); err != nil {
				t.Errorf("goroutine %d, %s: %v", i, name, err)
			} else if !bytes.Equal(buf.Bytes(), want[name]) {
				t.Errorf("goroutine %d, %s: output differs", i, name)
			}
		})
	}
	wg.Wait()
}
