package export_test

import (
	"io"
	"testing"

	"parindex/export"
)

// The exports run inside a request: a realistic report is 8 groups of 5 leaves,
// and the summary PDF must render in well under 150 ms.

func BenchmarkSummaryPDF(b *testing.B) { benchmark(b, export.SummaryPDF) }

func BenchmarkReportPDF(b *testing.B) { benchmark(b, export.ReportPDF) }

func BenchmarkSummaryXLSX(b *testing.B) { benchmark(b, export.SummaryXLSX) }

func benchmark(b *testing.B, fn func(io.Writer, export.Summary) error) {
	s := fixture(8, 5)
	b.ReportAllocs()
	for b.Loop() {
		if err := fn(io.Discard, s); err != nil {
			b.Fatal(err)
		}
	}
}
