package evidence

import (
	"mime"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestStorageName(t *testing.T) {
	long := strings.Repeat("Báo cáo ", 50) + ".pdf" // 400+ bytes
	tests := []struct{ in, want string }{
		{"Báo cáo tổng kết 2026.pdf", "Báo cáo tổng kết 2026.pdf"},
		{norm.NFD.String("Báo cáo tổng kết 2026.pdf"), "Báo cáo tổng kết 2026.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\Lan\Desktop\Biên bản.docx`, "Biên bản.docx"},
		{"  .hidden", "hidden"},
		{"...", "tai-lieu"},
		{"", "tai-lieu"},
		{"/", "tai-lieu"},
		{"thư\x00mời.pdf", "thưmời.pdf"},
		{"a/b.pdf", "b.pdf"},
		{"hợp\nđồng\t1.xlsx", "hợp đồng 1.xlsx"},
		{"ảnh\u202Egpj.exe", "ảnhgpj.exe"},
		{`báo "cáo" <1>?.pdf`, "báo _cáo_ _1__.pdf"},
		{"bảng điểm. ", "bảng điểm"},
		{"\xff\xfe.pdf", "pdf"},
	}
	for _, tt := range tests {
		if got := StorageName(tt.in); got != tt.want {
			t.Errorf("StorageName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}

	got := StorageName(long)
	if len(got) > 255 || !strings.HasSuffix(got, ".pdf") || !utf8.ValidString(got) || !strings.HasPrefix(got, "Báo cáo Báo cáo") {
		t.Errorf("StorageName(400 bytes) = %q (%d bytes)", got, len(got))
	}
	// A cut never parts a letter from a combining mark NFC leaves alone.
	marks := strings.Repeat("x\u0323\u0301", 100) + ".doc" // x with two marks: no precomposed form
	got = StorageName(marks)
	if len(got) > 255 || !strings.HasSuffix(got, "x\u0323\u0301.doc") {
		t.Errorf("StorageName(combining) = %q (%d bytes)", got, len(got))
	}
	// Without a short extension the name is simply cut.
	if got := StorageName(strings.Repeat("ệ", 150)); got != strings.Repeat("ệ", 85) {
		t.Errorf("StorageName(150 × ệ) = %d bytes", len(got))
	}
}

func TestCleanName(t *testing.T) {
	tests := []struct{ in, want string }{
		// Bidi and other format controls (Unicode Cf) go, wherever they are.
		{"\u202Bbáo cáo\u202C.pdf", "báo cáo.pdf"},
		{"\u2067ảnh\u2069\u200E\u200F.png", "ảnh.png"},
		{"\uFEFFbiên bản.docx", "biên bản.docx"},
		{"a\u00ADb\u2060c.pdf", "abc.pdf"},
		{"bell\x07\x1b[31m.pdf", "bell[31m.pdf"},
		// Nothing left: the caller names it DefaultName.
		{"\u202E\u200F", ""},
		{" . ", ""},
	}
	for _, tt := range tests {
		if got := CleanName(tt.in); got != tt.want {
			t.Errorf("CleanName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// CleanName never cuts; StorageName does.
	long := strings.Repeat("a", 300) + ".pdf"
	if got := CleanName(long); got != long {
		t.Errorf("CleanName cut a %d-byte name to %d bytes", len(long), len(got))
	}
	if got := StorageName(long); len(got) != 255 || !strings.HasSuffix(got, ".pdf") {
		t.Errorf("StorageName(304 bytes) = %d bytes %q", len(got), got)
	}
}

func TestDownloadName(t *testing.T) {
	tests := []struct{ name, mediaType, want string }{
		{"poly.html", PNG, "poly.png"},
		{"poly.HTML", JPEG, "poly.jpg"},
		{"ảnh.JPEG", JPEG, "ảnh.JPEG"},
		{"ảnh.jpeg", JPEG, "ảnh.jpeg"},
		{"ảnh.Jpg", JPEG, "ảnh.Jpg"},
		{"ảnh.jpg", PNG, "ảnh.png"},
		{"Báo cáo.PDF", PDF, "Báo cáo.PDF"},
		{"Báo cáo.pdf.exe", PDF, "Báo cáo.pdf.pdf"},
		{"bảng.xlsx", XLS, "bảng.xls"},
		{"bảng.xls", XLSX, "bảng.xlsx"},
		{"văn bản.odt", ODT, "văn bản.odt"},
		{"số liệu.csv", ODS, "số liệu.ods"},
		{"thư mời.docx", DOC, "thư mời.doc"},
		{"thư mời.doc", DOCX, "thư mời.docx"},
		// A tail that is no extension stays, and the extension is added.
		{"Quyết định 12.2024", PDF, "Quyết định 12.2024.pdf"},
		{"Biên bản v1.2 (bản ký)", PDF, "Biên bản v1.2 (bản ký).pdf"},
		{"scan", PNG, "scan.png"},
		{"", PDF, "tai-lieu.pdf"},
		{"\u202Epoly.html", PNG, "poly.png"},
		// A type the service does not know keeps the name as stored.
		{"a.bin", "application/octet-stream", "a.bin"},
	}
	for _, tt := range tests {
		if got := DownloadName(tt.name, tt.mediaType); got != tt.want {
			t.Errorf("DownloadName(%q, %s) = %q, want %q", tt.name, tt.mediaType, got, tt.want)
		}
	}
	// A name at the limit stays within it when its extension changes.
	long := strings.Repeat("ệ", 83) + ".html" // 249 + 5 bytes
	if got := DownloadName(long, DOCX); len(got) > 255 || !strings.HasSuffix(got, "ệ.docx") || !utf8.ValidString(got) {
		t.Errorf("DownloadName(254 bytes) = %q (%d bytes)", got, len(got))
	}
	// Every accepted type has an extension.
	for _, mt := range MediaTypes() {
		if len(extensions[mt]) == 0 {
			t.Errorf("%s has no download extension", mt)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Báo cáo tổng kết 2026.pdf",
			`attachment; filename="Bao cao tong ket 2026.pdf"; filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20t%E1%BB%95ng%20k%E1%BA%BFt%202026.pdf`},
		{"Đơn đề nghị.docx",
			`attachment; filename="Don de nghi.docx"; filename*=UTF-8''%C4%90%C6%A1n%20%C4%91%E1%BB%81%20ngh%E1%BB%8B.docx`},
		{"../../etc/passwd", `attachment; filename="passwd"; filename*=UTF-8''passwd`},
		{"", `attachment; filename="tai-lieu"; filename*=UTF-8''tai-lieu`},
		{"报告.pdf", `attachment; filename="__.pdf"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf`},
	}
	for _, tt := range tests {
		if got := ContentDisposition(tt.in); got != tt.want {
			t.Errorf("ContentDisposition(%q) =\n%s\nwant\n%s", tt.in, got, tt.want)
		}
	}

	// Whatever the name, the header parses and names the sanitised file.
	for _, name := range []string{"Báo cáo tổng kết 2026.pdf", `a"b\c;d%e.pdf`, "thư\x00mời\r\n.pdf", strings.Repeat("Biên bản ", 40) + ".odt"} {
		header := ContentDisposition(name)
		if strings.ContainsAny(header, "\r\n\x00") {
			t.Fatalf("%q: header %q has a control character", name, header)
		}
		disposition, params, err := mime.ParseMediaType(header)
		if err != nil || disposition != "attachment" {
			t.Fatalf("%q: %q does not parse: %v", name, header, err)
		}
		// Go's parser decodes filename* into "filename".
		if params["filename"] != StorageName(name) {
			t.Errorf("%q: filename* decodes to %q, want %q", name, params["filename"], StorageName(name))
		}
		star := header[strings.Index(header, "UTF-8''")+len("UTF-8''"):]
		if decoded, err := url.PathUnescape(star); err != nil || decoded != StorageName(name) {
			t.Errorf("%q: %q unescapes to %q (%v)", name, star, decoded, err)
		}
	}
}
