package signature

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"parindex/i18n"
	"parindex/internal/testkit"
)

// Crafted worst cases: files made to cost a checker as much memory and time
// as their size allows. Each one either comes back as a report or is refused
// with ErrTooComplex, within the budget. BenchmarkVerifyWorstCase prints
// what each costs (peak RSS growth and CPU time, each in a process of its
// own); TestWorstCases checks the outcome and the allocations.

// worstCase is one crafted file.
type worstCase struct {
	name string
	make func() []byte
}

var worstCases = []worstCase{
	{"chained-xref-streams-1MB", func() []byte { return chainedXrefStreams(128, 8<<20) }},
	{"chained-xref-streams-8MB", func() []byte { return chainedXrefStreams(1024, 8<<20) }},
	{"classic-xref-48MB-over-budget", func() []byte { return classicXref(2_400_000) }},
	{"classic-xref-38MB-dangling", func() []byte { return classicXref(1_900_000) }},
	{"deep-nesting-10MB", func() []byte { return deepNesting(10 << 20) }},
	{"byterange-markers-46MB", func() []byte { return manyByteRanges(700_000) }},
	{"object-stream-lookups", func() []byte { return objectStreamLookups(30 << 20) }},
	{"long-contents-string-48MB", func() []byte { return longContents(24 << 20) }},
	{"long-contents-string-16MB", func() []byte { return longContents(8<<20 - 16) }},
}

// chainedXrefStreams: n cross-reference streams chained by /Prev, each
// inflating to inflate bytes of which only a dozen are rows.
func chainedXrefStreams(n, inflate int) []byte {
	var zbuf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&zbuf, zlib.BestCompression)
	zw.Write([]byte{1, 0, 0, 0, 9, 0, 1, 0, 0, 0, 60, 0}) // two rows, W [1 4 1]
	zw.Write(make([]byte, inflate-12))
	zw.Close()
	data := zbuf.Bytes()

	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	catalog := b.Len()
	b.WriteString("1 0 obj\n<< /Type /Catalog >>\nendobj\n")
	_ = catalog
	prev := -1
	for i := 0; i < n; i++ {
		at := b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /W [1 4 1] /Size 2 /Index [0 2] /Root 1 0 R /Filter /FlateDecode /Length %d", 2+i, len(data))
		if prev >= 0 {
			fmt.Fprintf(&b, " /Prev %d", prev)
		}
		b.WriteString(" >>\nstream\n")
		b.Write(data)
		b.WriteString("\nendstream\nendobj\n")
		prev = at
	}
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", prev)
	return b.Bytes()
}

// classicXref: one classic table of n entries pointing nowhere, and an
// /Info dictionary of references into it.
func classicXref(n int) []byte {
	var b bytes.Buffer
	b.Grow(n*20 + 4096)
	b.WriteString("%PDF-1.4\n")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n", n)
	row := []byte("0000000009 00000 n \n")
	for i := 0; i < n; i++ {
		b.Write(row)
	}
	b.WriteString("trailer\n<< /Size ")
	b.WriteString(strconv.Itoa(n))
	b.WriteString(" /Root 1 0 R /Info << ")
	for i := 0; i < 64; i++ {
		fmt.Fprintf(&b, "/K%d %d 0 R ", i, n-1-i*997)
	}
	b.WriteString(">> >>\n")
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// deepNesting: an /Info object of arrays nested size deep.
func deepNesting(size int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	obj := b.Len()
	b.WriteString("1 0 obj\n")
	b.Write(bytes.Repeat([]byte("["), size))
	b.WriteString("\nendobj\n")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 2\n0000000000 65535 f \n%010d 00000 n \ntrailer\n<< /Size 2 /Root 1 0 R /Info 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", obj, xref)
	return b.Bytes()
}

// manyByteRanges: n signature-like dictionaries, each claiming to sign.
func manyByteRanges(n int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%d 0 obj <</ByteRange [0 %d %d 0] /Contents <00>>> endobj\n", i+1, i, i+4)
	}
	fmt.Fprintf(&b, "startxref\n9\n%%%%EOF\n")
	return b.Bytes()
}

// objectStreamLookups: an object stream that inflates to inflate bytes and
// an /Info dictionary of references to objects inside it, each of which a
// naive reader decodes the whole stream again for.
func objectStreamLookups(inflate int) []byte {
	var body bytes.Buffer
	for i := 0; i < 64; i++ {
		fmt.Fprintf(&body, "%d %d ", 10+i, i)
	}
	first := body.Len()
	for i := 0; i < 64; i++ {
		body.WriteString("0")
	}
	body.Write(bytes.Repeat([]byte(" "), inflate-body.Len()))
	var zbuf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&zbuf, zlib.BestCompression)
	zw.Write(body.Bytes())
	zw.Close()

	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	stm := b.Len()
	fmt.Fprintf(&b, "2 0 obj\n<< /Type /ObjStm /N 64 /First %d /Filter /FlateDecode /Length %d >>\nstream\n", first, zbuf.Len())
	b.Write(zbuf.Bytes())
	b.WriteString("\nendstream\nendobj\n")
	var rows bytes.Buffer
	rows.Write([]byte{0, 0, 0, 0, 0})
	rows.Write([]byte{1, 0, 0, 0, 9})
	rows.Write([]byte{1, byte(stm >> 24), byte(stm >> 16), byte(stm >> 8), byte(stm)})
	for i := 0; i < 64; i++ {
		rows.Write([]byte{2, 0, 0, 0, 2})
	}
	xref := b.Len()
	fmt.Fprintf(&b, "3 0 obj\n<< /Type /XRef /W [1 4 0] /Size 74 /Index [0 3 10 64] /Root 1 0 R /Info << ")
	for i := 0; i < 64; i++ {
		fmt.Fprintf(&b, "/K%d %d 0 R ", i, 10+i)
	}
	fmt.Fprintf(&b, ">> /Length %d >>\nstream\n", rows.Len())
	b.Write(rows.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// longContents: a signature dictionary whose /Contents is a hex string of
// n bytes.
func longContents(n int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n1 0 obj\n<< /Type /Sig /ByteRange [0 20 30 10] /Contents <")
	b.Write(bytes.Repeat([]byte("ab"), n))
	b.WriteString("> >>\nendobj\nstartxref\n9\n%%EOF\n")
	return b.Bytes()
}

// TestWorstCases: every crafted file is answered (a report, or refused as
// too complex) without allocating more than a bounded amount.
func TestWorstCases(t *testing.T) {
	if testing.Short() {
		t.Skip("builds files of up to 48 MB")
	}
	for _, c := range worstCases {
		t.Run(c.name, func(t *testing.T) {
			file := c.make()
			var err error
			alloc := testkit.Allocated(func() {
				_, err = Verify(context.Background(), bytes.NewReader(file), int64(len(file)), "application/pdf", Options{Timeout: time.Minute})
			})
			if err != nil && !errors.Is(err, ErrTooComplex) {
				t.Fatalf("err = %v", err)
			}
			// Allocations, not what is held at once: a bound on what a
			// check can make the garbage collector chase.
			if alloc > allocBudget(len(file)) {
				t.Errorf("allocated %d MB for a %d MB file, over %d MB", alloc>>20, len(file)>>20, allocBudget(len(file))>>20)
			}
		})
	}
}

// allocBudget is what one check may allocate in all: the budget's held
// bytes twice over (growth while inflating) and a share of the file.
func allocBudget(size int) uint64 {
	return uint64(2*budgetDecoded+budgetStrings) + uint64(size)/2 + 64<<20
}

// TestWorstCaseRefused: the cases built to go over the budget are refused.
func TestWorstCaseRefused(t *testing.T) {
	for _, file := range [][]byte{chainedXrefStreams(16, 8<<20), classicXref(budgetEntries + 1)} {
		_, err := Verify(context.Background(), bytes.NewReader(file), int64(len(file)), "application/pdf", Options{Timeout: time.Minute})
		if !errors.Is(err, ErrTooComplex) {
			t.Errorf("err = %v, want ErrTooComplex", err)
		}
	}
}

// TestVerifyDeadline: a check stops at its deadline, and when its context
// (the request) ends, with the context's error.
func TestVerifyDeadline(t *testing.T) {
	file := classicXref(1_000_000)
	_, err := Verify(context.Background(), bytes.NewReader(file), int64(len(file)), "application/pdf", Options{Timeout: time.Nanosecond})
	if !errors.Is(err, ErrTooComplex) {
		t.Errorf("past the deadline: err = %v, want ErrTooComplex", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Verify(ctx, bytes.NewReader(file), int64(len(file)), "application/pdf", Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("client gone: err = %v, want context.Canceled", err)
	}
}

// BenchmarkVerifyWorstCase runs each crafted file in a fresh process and
// reports its peak RSS growth over the process's RSS before the check, and
// the CPU time (user + system) of the check:
//
//	go test ./signature -run '^$' -bench WorstCase -benchtime 1x
func BenchmarkVerifyWorstCase(b *testing.B) {
	for _, c := range worstCases {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				cmd := exec.Command(os.Args[0], "-test.run=^TestWorstCaseChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), "PARINDEX_WORST_CASE="+c.name)
				out, err := cmd.CombinedOutput()
				if err != nil {
					b.Fatalf("%s: %v\n%s", c.name, err, out)
				}
				var res worstResult
				line := out[bytes.Index(out, []byte("WORST ")):]
				if err := json.Unmarshal(bytes.TrimPrefix(line[:bytes.IndexByte(line, '\n')], []byte("WORST ")), &res); err != nil {
					b.Fatalf("%s: %v\n%s", c.name, err, out)
				}
				b.ReportMetric(float64(res.FileMB), "file-MB")
				b.ReportMetric(res.RSSGrowthMB, "rss-growth-MB")
				b.ReportMetric(res.CPUSeconds, "cpu-s")
				b.Logf("%s: %s", c.name, res.Outcome)
			}
		})
	}
}

type worstResult struct {
	FileMB      int     `json:"file_mb"`
	RSSGrowthMB float64 `json:"rss_growth_mb"`
	CPUSeconds  float64 `json:"cpu_s"`
	Outcome     string  `json:"outcome"`
}

// TestWorstCaseChild is the benchmark's child: it builds one file, then
// checks it, and prints what the check cost.
func TestWorstCaseChild(t *testing.T) {
	name := os.Getenv("PARINDEX_WORST_CASE")
	if name == "" {
		t.Skip("run by BenchmarkVerifyWorstCase")
	}
	var file []byte
	for _, c := range worstCases {
		if c.name == name {
			file = c.make()
		}
	}
	runtime.GC()
	rssBefore := testkit.ProcStatus(t, "VmRSS")
	testkit.ResetPeakRSS(t)
	cpuBefore := cpuTime()
	rep, err := Verify(context.Background(), bytes.NewReader(file), int64(len(file)), "application/pdf", Options{})
	cpu := cpuTime() - cpuBefore
	peak := testkit.ProcStatus(t, "VmHWM")
	outcome := "report: " + rep.Status + " " + strings.Join(findingsIn(rep, i18n.EN), "; ")
	if err != nil {
		outcome = "refused: " + err.Error()
	}
	res := worstResult{FileMB: len(file) >> 20, RSSGrowthMB: float64(peak-rssBefore) / (1 << 20), CPUSeconds: cpu.Seconds(), Outcome: outcome}
	out, _ := json.Marshal(res)
	fmt.Printf("WORST %s\n", out)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
