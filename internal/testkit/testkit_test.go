package testkit

import (
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"parindex/i18n"
)

// TestSample: the shared samples are found from any package, those of the
// demo in its own folder.
func TestSample(t *testing.T) {
	for _, name := range []string{"officials-department.csv", "criteria-small.json", "criteria-department.yaml"} {
		if len(Sample(t, name)) == 0 {
			t.Errorf("%s is empty", name)
		}
	}
	if !strings.HasSuffix(SamplePath(t, "criteria-district.yaml"), filepath.Join("cmd", "parindex", "demo", "criteria-district.yaml")) {
		t.Errorf("the demo's criteria set is read from %s", SamplePath(t, "criteria-district.yaml"))
	}
}

// TestWaitLine: a line written after the wait began wakes it.
func TestWaitLine(t *testing.T) {
	var b SyncBuffer
	fmt.Fprintln(&b, `{"message":"start"}`)
	var once sync.Once
	line := b.WaitLine(t, 5*time.Second, "with id x", func(line string) bool {
		// The line comes once the wait has begun, as a log line after the answer does.
		once.Do(func() { go fmt.Fprintln(&b, `{"message":"request","id":"x"}`) })
		return strings.Contains(line, `"id":"x"`)
	})
	if line != `{"message":"request","id":"x"}` {
		t.Fatalf("line %q", line)
	}
}

// TestClient: JSON bodies with a bearer token and extra headers go out;
// answers come back whole, problems checked field by field.
func TestClient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		json.NewDecoder(r.Body).Decode(&in)
		if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Content-Type") != "application/json" || r.Header.Get("If-Match") != `"3"` || in["a"] != "ắ" {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"type":"urn:x","title":"Sai","status":422,"errors":[{"field":"a","message":"?"},{"field":"b"},{"field":"a"}]}`)
	}))
	defer srv.Close()
	for _, c := range []*Client{NewClient(srv.URL, "tok"), {Base: "http://in.process", Token: "tok", HTTP: InProcess(srv.Config.Handler, time.Second)}} {
		res := c.Do(t, "POST", "/x", map[string]string{"a": "ắ"}, "If-Match", `"3"`)
		p := res.WantProblem(t, http.StatusUnprocessableEntity, "b", "a")
		if got := strings.Join(p.Fields(), ","); got != "a,b,a" {
			t.Errorf("fields %s", got)
		}
		if body, _ := res.Request.GetBody(); body == nil {
			t.Error("the request's body cannot be read again")
		}
	}
}

// TestInProcessTimeout: a handler that does not answer fails the request.
func TestInProcessTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	c := Client{HTTP: InProcess(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }), 20*time.Millisecond)}
	if _, err := c.Send(t.Context(), "GET", "http://in.process/", nil); err == nil || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("err %v", err)
	}
}

// TestMultipart: names go out as typed, quotes escaped, and parse back.
func TestMultipart(t *testing.T) {
	name := "\u202eBảng \"tổng\" hợp.pdf"
	raw := Multipart(t, Part{Field: "note", Data: []byte("ghi chú")}, File("file", name, []byte("%PDF")))
	_, params, err := mime.ParseMediaType(raw.ContentType)
	if err != nil {
		t.Fatal(err)
	}
	r := multipart.NewReader(strings.NewReader(string(raw.Data)), params["boundary"])
	note, err := r.NextPart()
	if err != nil || note.FormName() != "note" || note.FileName() != "" {
		t.Fatalf("first part %v %v", note, err)
	}
	file, err := r.NextPart()
	if err != nil || file.FormName() != "file" || file.FileName() != name || file.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("file part %v %q %v", file.Header, file.FileName(), err)
	}
}

// TestMemDir: a directory in memory where there is one, gone at the end;
// those of processes that are gone are swept.
func TestMemDir(t *testing.T) {
	if _, err := os.Stat(shm); err != nil {
		t.Skip("no /dev/shm")
	}
	stale := filepath.Join(shm, "parindex-test-2147483646-x") // no such process
	if err := os.MkdirAll(stale, 0o700); err != nil {
		t.Fatal(err)
	}
	var dir string
	t.Run("made", func(t *testing.T) {
		dir = MemDir(t)
		if filepath.Dir(dir) != shm {
			t.Fatalf("%s is not in %s", dir, shm)
		}
	})
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("%s outlived its test", dir)
	}
	if _, err := os.Stat(stale); err == nil {
		os.RemoveAll(stale)
		t.Errorf("the stale %s was not swept", stale)
	}
}

// TestCheckMessages: a run whose messages all have a text keeps its exit
// code; one that formatted a key with none fails, naming it.
func TestCheckMessages(t *testing.T) {
	var out strings.Builder
	if code := checkMessages(&out, 0, nil); code != 0 || out.Len() != 0 {
		t.Errorf("nothing missing: code %d, output %q", code, out.String())
	}
	if code := checkMessages(&out, 3, nil); code != 3 {
		t.Errorf("a failed run with nothing missing: code %d, want 3", code)
	}
	key := "testkit: a key no catalogue holds %d"
	i18n.Sprintf(i18n.VI, key, 1)
	if code := checkMessages(&out, 0, i18n.Missing()); code != 1 || !strings.Contains(out.String(), fmt.Sprintf("%q", key)) {
		t.Errorf("a missing key: code %d, output %q", code, out.String())
	}
}
