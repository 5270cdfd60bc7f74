package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"parindex/internal/testkit"
	"parindex/store"
)

// testDiskFull: an evidence upload larger than the free space fails with a
// clear answer and leaves no evidence row, no history row and no stray file
// in the blob store or its spool; the next upload that fits is stored.
//
// The blob directory is a 2 MB tmpfs. Its spool (BLOBS/.spool) shares it, so
// receiving the upload fails; with separateSpool the spool is a tmpfs of its
// own with room to spare, so the upload is received whole and writing the
// blob fails instead.
func testDiskFull(t *testing.T, bin string, separateSpool bool) {
	faultNeed(t, os.Geteuid() == 0, "mounting a tmpfs needs root")
	root := t.TempDir()
	blobs := filepath.Join(root, "blobs")
	mounts := []string{blobs}
	faultMountTmpfs(t, blobs, 2<<20)
	if separateSpool {
		spool := filepath.Join(blobs, ".spool")
		if err := os.Mkdir(spool, 0o700); err != nil {
			t.Fatal(err)
		}
		faultMountTmpfs(t, spool, 16<<20)
		mounts = append(mounts, spool)
	}
	db := faultSQLite(t)
	r := seedFaultDemo(t, db, 1)[0]
	svc := startFaultService(t, bin, "--db", db, "--data-dir", filepath.Join(root, "data"), "--blob-url", "file://"+blobs)
	url := fmt.Sprintf("%s/api/v1/reports/%d/entries/1.1.1/evidence", svc.url, r.id)

	files, free := faultFiles(t, blobs), faultFreeBytes(t, mounts)
	history := faultRowCount(t, db, "history", r.id)
	big := testkit.Upload(t, "file", "Quyết định (bản quét).png", faultPNG(t, 3<<20))
	res := faultDo("POST", url, r.updater, "", big.ContentType, big.Data)
	switch {
	case res.err != nil:
		t.Fatalf("an upload larger than the free space got no answer: %v", res.err)
	case res.Status != http.StatusInsufficientStorage && res.Status != http.StatusServiceUnavailable:
		t.Errorf("an upload larger than the free space: %s; want 507 or 503", res)
	case !res.problem():
		t.Errorf("an upload larger than the free space: not problem+json: %v %s", res.Header, res.Body)
	}
	if n := faultRowCount(t, db, "evidence", r.id); n != 0 {
		t.Errorf("the failed upload left %d evidence rows", n)
	}
	if n := faultRowCount(t, db, "history", r.id); n != history {
		t.Errorf("the failed upload left %d history rows", n-history)
	}
	if after := faultFiles(t, blobs); !slices.Equal(after, files) {
		t.Errorf("the failed upload left files behind: before %q, after %q", files, after)
	}
	if after := faultFreeBytes(t, mounts); after < free {
		t.Errorf("the failed upload left %d bytes used", free-after)
	}

	// The service is still well: a file that fits is stored.
	small := testkit.Upload(t, "file", "Ảnh hội nghị.png", faultPNG(t, 0))
	res = faultDo("POST", url, r.updater, "", small.ContentType, small.Data)
	if res.Status != http.StatusCreated {
		t.Fatalf("an upload that fits, after the failed one: %s", res)
	}
	var e struct {
		SHA256 string `json:"sha256"`
	}
	if err := json.Unmarshal(res.Body, &e); err != nil || len(e.SHA256) != 64 {
		t.Fatalf("upload answer %s: %v", res.Body, err)
	}
	if _, err := os.Stat(filepath.Join(blobs, "sha256", e.SHA256[:2], e.SHA256)); err != nil {
		t.Errorf("the stored file: %v", err)
	}
	if n := faultRowCount(t, db, "evidence", r.id); n != 1 {
		t.Errorf("%d evidence rows after one good upload", n)
	}
	if got := testkit.NewClient(svc.url, "").Do(t, "GET", "/readyz", nil).Status; got != http.StatusOK {
		t.Errorf("/readyz after the full disk: %d", got)
	}
	svc.stop()
}

// faultMountTmpfs mounts a tmpfs of size bytes on dir until the test ends.
func faultMountTmpfs(t *testing.T, dir string, size int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0755", size), "tmpfs", dir).CombinedOutput()
	faultNeed(t, err == nil, "cannot mount a tmpfs on %s: %v %s", dir, err, out)
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
}

// faultFiles lists the regular files under dir, spool included.
func faultFiles(t *testing.T, dir string) []string {
	t.Helper()
	out := []string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// faultFreeBytes adds up the space left on the filesystems of dirs.
func faultFreeBytes(t *testing.T, dirs []string) int64 {
	t.Helper()
	var n int64
	for _, dir := range dirs {
		var st syscall.Statfs_t
		if err := syscall.Statfs(dir, &st); err != nil {
			t.Fatal(err)
		}
		n += int64(st.Bavail) * st.Bsize
	}
	return n
}

// faultRowCount counts a table's rows of one report.
func faultRowCount(t *testing.T, db, table string, reportID int64) int {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.DB().GetContext(ctx, &n, s.DB().Rebind(`SELECT COUNT(*) FROM `+table+` WHERE report_id = ?`), reportID); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// faultPNG is a real PNG image, followed by random bytes up to size (a
// viewer ignores what follows the image; the upload is typed by its head).
func faultPNG(t *testing.T, size int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	if pad := size - b.Len(); pad > 0 {
		tail := make([]byte, pad)
		rand.Read(tail)
		b.Write(tail)
	}
	return b.Bytes()
}
