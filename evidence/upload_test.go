package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/gabriel-vasile/mimetype"

	"parindex/workflow"
)

func TestReceiveTypes(t *testing.T) {
	tests := []struct {
		name       string
		data       []byte
		want       string // "" when refused
		beyondHead bool   // the first 4 KB show only a container
	}{
		{"pdf", pdfFile(), PDF, false},
		{"pdf after junk", append([]byte("junk\n"), pdfFile()...), PDF, false},
		{"docx", docxFile(t, false), DOCX, false},
		{"docx with word/ past the first 4 KB", docxFile(t, true), DOCX, true},
		{"xlsx", xlsxFile(t), XLSX, false},
		{"odt", odfFile(t, ODT), ODT, false},
		{"ods", odfFile(t, ODS), ODS, false},
		{"png", pngFile(t), PNG, false},
		{"jpeg", jpegFile(t), JPEG, false},
		{"doc", oleFile("WordDocument", 1), DOC, false},
		{"doc with its directory past the first 4 KB", oleFile("WordDocument", 20), DOC, true},
		{"xls", oleFile("Workbook", 1), XLS, false},
		{"xls with its directory past the first 4 KB", oleFile("Workbook", 20), XLS, true},
		{"ppt", oleFile("PowerPoint Document", 20), "", true},
		{"text", []byte("Báo cáo tổng kết 2026\nKhông phải PDF.\n"), "", false},
		{"html", []byte("<!DOCTYPE html><html><body>%PDF</body></html>"), "", false},
		{"exe", exeFile(), "", false},
		{"zip", zipFile(t, zipEntry{name: "a.txt", body: []byte("hello")}), "", true},
		{"zip with Office-like parts past the first 4 KB", zipFile(t, zipEntry{name: "big.bin", body: randomBytes(8 << 10), stored: true},
			zipEntry{name: "word/document.xml", body: []byte("<w/>")}), "", true},
		{"jar", zipFile(t, zipEntry{name: "META-INF/MANIFEST.MF", body: []byte("Manifest-Version: 1.0\n")}), "", false},
		{"ole without a document stream", oleFile("Contents", 1), "", true},
		{"random", randomBytes(64 << 10), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m := mimetype.Detect(tt.data[:min(len(tt.data), sniffLen)]); tt.beyondHead != (m.Is("application/zip") || m.Is("application/x-ole-storage")) {
				t.Fatalf("the head alone is %s: the fixture does not test what it says", m)
			}
			dir := t.TempDir()
			// The name is never consulted: every fixture arrives as "x.pdf".
			u, err := Receive(bytes.NewReader(tt.data), 0, dir)
			if tt.want == "" {
				if code := workflow.ErrorCode(err); code != workflow.EUNSUPPORTED {
					t.Fatalf("err = %v (%s), want %s", err, code, workflow.EUNSUPPORTED)
				}
				assertEmptyDir(t, dir)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer u.Close()
			sum := sha256.Sum256(tt.data)
			if u.MediaType != tt.want || u.Size != int64(len(tt.data)) || u.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("got %s %d %s, want %s %d %x", u.MediaType, u.Size, u.SHA256, tt.want, len(tt.data), sum)
			}
			got := make([]byte, u.Size)
			if _, err := u.File.ReadAt(got, 0); err != nil || !bytes.Equal(got, tt.data) {
				t.Errorf("spool differs from the upload (err %v)", err)
			}
			if err := u.Close(); err != nil {
				t.Fatal(err)
			}
			assertEmptyDir(t, dir)
		})
	}
}

func TestReceiveLimit(t *testing.T) {
	dir := t.TempDir()
	const limit = 1 << 20
	data := append(pdfFile(), randomBytes(3*limit)...)

	// Exactly the limit is accepted.
	u, err := Receive(bytes.NewReader(data[:limit]), limit, dir)
	if err != nil {
		t.Fatal(err)
	}
	u.Close()

	// One byte more is refused, and reading stops right there.
	r := &countingReader{r: bytes.NewReader(data)}
	_, err = Receive(r, limit, dir)
	if code := workflow.ErrorCode(err); code != workflow.ETOOLARGE {
		t.Fatalf("err = %v, want %s", err, workflow.ETOOLARGE)
	}
	if !strings.Contains(workflow.ErrorMessage(err), "1 MB") {
		t.Errorf("message %q does not name the limit", workflow.ErrorMessage(err))
	}
	if r.n != limit+1 {
		t.Errorf("read %d bytes, want %d", r.n, limit+1)
	}
	assertEmptyDir(t, dir)

	// A body already capped by http.MaxBytesReader says so too.
	req := httptest.NewRequest("POST", "/", bytes.NewReader(data))
	body := http.MaxBytesReader(httptest.NewRecorder(), req.Body, limit)
	if _, err := Receive(body, 10*limit, dir); workflow.ErrorCode(err) != workflow.ETOOLARGE {
		t.Fatalf("err = %v, want %s", err, workflow.ETOOLARGE)
	}
	assertEmptyDir(t, dir)
}

func TestReceiveRefusesEarly(t *testing.T) {
	// A text file is refused once its first 4 KB are in, not after 40 MB.
	r := &countingReader{r: repeatReader("không phải PDF ")}
	dir := t.TempDir()
	if _, err := Receive(r, 0, dir); workflow.ErrorCode(err) != workflow.EUNSUPPORTED {
		t.Fatalf("err = %v, want %s", err, workflow.EUNSUPPORTED)
	}
	if r.n > copyBufferSize {
		t.Errorf("read %d bytes before refusing, want at most %d", r.n, copyBufferSize)
	}
	assertEmptyDir(t, dir)
}

func TestReceiveEmpty(t *testing.T) {
	dir := t.TempDir()
	if _, err := Receive(strings.NewReader(""), 0, dir); workflow.ErrorCode(err) != workflow.EINVALID {
		t.Fatalf("err = %v, want %s", err, workflow.EINVALID)
	}
	assertEmptyDir(t, dir)
}

func TestReceiveReadError(t *testing.T) {
	dir := t.TempDir()
	r := io.MultiReader(bytes.NewReader(pdfFile()), &failingReader{})
	if _, err := Receive(r, 0, dir); err == nil || workflow.ErrorCode(err) != workflow.EINTERNAL || !errors.Is(err, ErrBodyRead) {
		t.Fatalf("err = %v, want the read error, marked ErrBodyRead", err)
	}
	assertEmptyDir(t, dir)
	// A spool that cannot be created is not the upload's fault.
	if _, err := Receive(bytes.NewReader(pdfFile()), 0, dir+"/missing"); err == nil || errors.Is(err, ErrBodyRead) {
		t.Fatalf("err = %v, want a spool error, not ErrBodyRead", err)
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// repeatReader repeats itself for ever.
type repeatReader string

func (s repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = s[i%len(s)]
	}
	return len(p), nil
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind: %s", e.Name())
	}
}
