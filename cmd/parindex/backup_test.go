package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"parindex/evidence"
	"parindex/internal/testkit"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// The backup tests run the commands as an operator would, on real databases
// of both dialects and a real file:// blob store.

// blobStore is a file:// evidence store in a new directory.
type blobStore struct {
	url    string
	dir    string
	bucket *evidence.Bucket
}

func newBlobStore(t *testing.T) *blobStore {
	t.Helper()
	dir := t.TempDir()
	url := "file://" + filepath.ToSlash(dir)
	b, err := evidence.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return &blobStore{url: url, dir: dir, bucket: b}
}

// put stores content as an upload does before its row.
func (bs *blobStore) put(content []byte) (*evidence.Upload, error) {
	up, err := evidence.Receive(bytes.NewReader(content), 1<<20, bs.bucket.SpoolDir())
	if err != nil {
		return nil, err
	}
	defer up.Close()
	return up, bs.bucket.Store(context.Background(), up)
}

// blob is a storetest.Blob writing to the store.
func (bs *blobStore) blob(t testing.TB, content []byte) (string, int64, string) {
	t.Helper()
	up, err := bs.put(content)
	if err != nil {
		t.Fatal(err)
	}
	return up.SHA256, up.Size, up.MediaType
}

// path is where the store keeps a blob.
func (bs *blobStore) path(sha string) string {
	return filepath.Join(bs.dir, "sha256", sha[:2], sha)
}

// fakeS3 serves S3 in-process (gofakes3) with the named buckets, and
// returns each bucket's URL.
func fakeS3(t *testing.T, buckets ...string) map[string]string {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "parindex")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "parindex-secret")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	mem := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(mem).Server())
	t.Cleanup(srv.Close)
	urls := map[string]string{}
	for _, name := range buckets {
		if err := mem.CreateBucket(name); err != nil {
			t.Fatal(err)
		}
		urls[name] = "s3://" + name + "?endpoint=" + srv.URL + "&region=us-east-1&use_path_style=true"
	}
	return urls
}

// openBlobStore opens the store at url.
func openBlobStore(t *testing.T, url string) *blobStore {
	t.Helper()
	b, err := evidence.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return &blobStore{url: url, bucket: b}
}

// filledWorld is a world with a row in every table and real blobs in a new
// file:// store.
func filledWorld(t *testing.T, dialect string) (*storetest.World, string, *blobStore) {
	t.Helper()
	return filledWorldIn(t, dialect, newBlobStore(t))
}

// filledWorldIn is filledWorld with its blobs in bs.
func filledWorldIn(t *testing.T, dialect string, bs *blobStore) (*storetest.World, string, *blobStore) {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC))
	url := storetest.URL(t, dialect)
	s := storetest.OpenURL(t, url, clock)
	if _, err := s.MigrateUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	w := storetest.NewWorld(t, s, clock)
	w.FillEveryTable(t, bs.blob)
	return w, url, bs
}

// openSnapshot opens a copy of a backup's database file.
func openSnapshot(t *testing.T, dir string) *store.Store {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, snapshotName))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return storetest.OpenURL(t, "sqlite:"+path, nil)
}

// write keeps changing the world until ctx ends, as users would while a
// backup runs: entries, and evidence whose blob is stored first; it returns
// how many writes landed, and closes first after the first.
func write(ctx context.Context, w *storetest.World, bs *blobStore, a *storetest.Agency, code string, n byte, first chan<- struct{}) (int, error) {
	writes := 0
	for i := 0; ctx.Err() == nil; i++ {
		var err error
		if i%3 == 2 {
			var up *evidence.Upload
			if up, err = bs.put(storetest.PNG(n + byte(i))); err == nil {
				err = w.Store.AddEvidence(ctx, a.Updater, a.ReportID, &store.Evidence{Code: code, Filename: fmt.Sprintf("Ảnh %d.png", i),
					Size: up.Size, SHA256: up.SHA256, MediaType: up.MediaType, Signature: []byte(`{"present":false}`)}, store.Meta{})
			}
		} else {
			_, _, err = w.Store.PutEntry(ctx, a.Updater, a.ReportID, code, workflow.EntryValue{Explanation: fmt.Sprintf("Lần sửa %d", i)}, nil, store.Meta{})
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return writes, err
		}
		if writes++; writes == 1 {
			close(first)
		}
	}
	return writes, nil
}

// TestBackupRestoreRoundTrip: a backup taken while users write restores, into
// an empty database and blob store, exactly what its snapshot holds and
// verifies clean; one taken at rest restores every row of every table.
func TestBackupRestoreRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		w, dbURL, bs := filledWorld(t, dialect)

		var busy string
		testkit.Step(t, "a backup under load holds one consistent moment and every blob it names", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			counts := make(chan int, 2)
			var started []chan struct{}
			for i, a := range []*storetest.Agency{w.Dept2, w.District} {
				var code string
				for _, e := range w.Report(t, a).Entries {
					if e.Editable {
						code = e.Code
						break
					}
				}
				first := make(chan struct{})
				started = append(started, first)
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := write(ctx, w, bs, a, code, byte(100*i+20), first)
					counts <- n
					if err != nil {
						errs <- err
					}
				}()
			}
			for _, first := range started {
				testkit.Await(t, first, 30*time.Second, "the first write")
			}
			busy = filepath.Join(t.TempDir(), "busy")
			out, err := run(t, nil, nil, "backup", "--to", busy, "--db", dbURL, "--blob-url", bs.url)
			cancel()
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("writer: %v", err)
			}
			if err != nil {
				t.Fatalf("backup: %v\n%s", err, out)
			}
			if !strings.HasPrefix(out, "Đã sao lưu vào "+busy) {
				t.Errorf("backup said %q", out)
			}
			t.Logf("%d and %d writes went on around the backup: %s", <-counts, <-counts, strings.TrimSpace(out))
			man, problems, err := readManifest(busy)
			if err != nil || len(problems) > 0 {
				t.Fatalf("manifest: %v %v", err, problems)
			}
			if man.Dialect != dialect || man.SchemaVersion < 4 || len(man.Files) < 4 {
				t.Errorf("manifest: dialect %s, schema %d, %d files", man.Dialect, man.SchemaVersion, len(man.Files))
			}

			db2, bs2 := storetest.URL(t, dialect), newBlobStore(t)
			out = mustRun(t, nil, nil, "restore", "--from", busy, "--db", db2, "--blob-url", bs2.url)
			if !strings.Contains(out, "Đã khôi phục") || !strings.Contains(out, "Không có lỗi") {
				t.Errorf("restore said %q", out)
			}
			restored := storetest.OpenURL(t, db2, nil)
			n := storetest.SameRows(t, openSnapshot(t, busy), restored)
			t.Logf("%d rows of the snapshot restored", n)
			if out := mustRun(t, nil, nil, "verify", "--db", db2, "--blob-url", bs2.url); !strings.HasPrefix(out, "Không có lỗi") {
				t.Errorf("verify said %q", out)
			}
		})

		testkit.Step(t, "a backup at rest, wiped and restored, holds every row of every table", func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "rest")
			mustRun(t, nil, nil, "backup", "--to", dir, "--db", dbURL, "--blob-url", bs.url)
			db2, bs2 := storetest.URL(t, dialect), newBlobStore(t)
			mustRun(t, nil, nil, "restore", "--from", dir, "--db", db2, "--blob-url", bs2.url)
			restored := storetest.OpenURL(t, db2, nil)
			n := storetest.SameRows(t, w.Store, restored)
			refs, err := w.Store.BlobRefs(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range refs {
				want, err1 := os.ReadFile(bs.path(r.SHA256))
				got, err2 := os.ReadFile(bs2.path(r.SHA256))
				if err1 != nil || err2 != nil || !bytes.Equal(want, got) {
					t.Errorf("blob %s of %s %d: restored %v %v", r.SHA256, r.Table, r.ID, err1, err2)
				}
			}
			t.Logf("%d rows and %d blob references compared", n, len(refs))

			// The restored service goes on: a new agency gets a fresh id.
			a := &workflow.Agency{Code: "SNV", Name: "Sở Nội vụ", Kind: workflow.KindDepartment}
			if err := restored.CreateAgency(context.Background(), nil, a, store.Meta{}); err != nil {
				t.Fatalf("write after restore: %v", err)
			}

			_, err = run(t, nil, nil, "restore", "--from", dir, "--db", db2, "--blob-url", newBlobStore(t).url)
			if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "không trống") {
				t.Errorf("restore into a database with rows: %v", err)
			}
			_, err = run(t, nil, nil, "restore", "--from", dir, "--db", storetest.URL(t, dialect), "--blob-url", bs.url)
			if err == nil || !strings.Contains(err.Error(), "kho tệp chứng cứ") {
				t.Errorf("restore into a blob store with files: %v", err)
			}
			_, err = run(t, nil, nil, "backup", "--to", dir, "--db", dbURL, "--blob-url", bs.url)
			if err == nil || !strings.Contains(err.Error(), "không trống") {
				t.Errorf("backup into a used directory: %v", err)
			}
		})

		testkit.Step(t, "a damaged backup is refused before anything is written", func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "damaged")
			mustRun(t, nil, nil, "backup", "--to", dir, "--db", dbURL, "--blob-url", bs.url)
			man, _, err := readManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			blob := filepath.Join(dir, filepath.FromSlash(man.Files[1].Path))
			data, _ := os.ReadFile(blob)
			data[len(data)-1] ^= 0xff
			if err := os.WriteFile(blob, data, 0o600); err != nil {
				t.Fatal(err)
			}
			db2 := storetest.URL(t, dialect)
			out, err := run(t, nil, nil, "restore", "--from", dir, "--db", db2, "--blob-url", newBlobStore(t).url)
			if exitCode(err) != 1 || !strings.Contains(out, man.Files[1].Path+" không khớp SHA-256") {
				t.Errorf("restore of a damaged backup: %v\n%s", err, out)
			}
			if full, err := storetest.OpenURL(t, db2, nil).NotEmpty(context.Background()); err != nil || len(full) > 0 {
				t.Errorf("the refused restore wrote %v (%v)", full, err)
			}
		})
	})
}

// TestBackupRestoreS3: the same round trip with the evidence in S3, backed up
// from one bucket and restored into another; a bucket that already holds
// any file (the backup's, or another) is refused.
func TestBackupRestoreS3(t *testing.T) {
	urls := fakeS3(t, "evidence", "restored", "other")
	w, dbURL, bs := filledWorldIn(t, store.SQLite, openBlobStore(t, urls["evidence"]))
	dir := filepath.Join(t.TempDir(), "b")
	mustRun(t, nil, nil, "backup", "--to", dir, "--db", dbURL, "--blob-url", bs.url)
	db2 := storetest.URL(t, store.SQLite)
	out := mustRun(t, nil, nil, "restore", "--from", dir, "--db", db2, "--blob-url", urls["restored"])
	if !strings.Contains(out, "Không có lỗi") || !strings.Contains(out, "4 tệp chứng cứ.") {
		t.Errorf("restore said %q", out)
	}
	storetest.SameRows(t, w.Store, storetest.OpenURL(t, db2, nil))
	_, err := run(t, nil, nil, "restore", "--from", dir, "--db", storetest.URL(t, store.SQLite), "--blob-url", urls["evidence"])
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "không trống") {
		t.Errorf("restore into a bucket holding the files: %v", err)
	}
	other := openBlobStore(t, urls["other"])
	other.blob(t, storetest.PNG(99)) // a file no backup refers to
	_, err = run(t, nil, nil, "restore", "--from", dir, "--db", storetest.URL(t, store.SQLite), "--blob-url", urls["other"])
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "không trống") {
		t.Errorf("restore into a bucket holding another file: %v", err)
	}
}

// TestVerifyFindsDamage: verify passes a sound store, then lists a damaged
// blob, a missing one and a broken history chain, and exits 1.
func TestVerifyFindsDamage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		w, dbURL, bs := filledWorld(t, dialect)
		out := mustRun(t, nil, nil, "verify", "--db", dbURL, "--blob-url", bs.url)
		if !strings.HasPrefix(out, "Không có lỗi: 3 báo cáo") || strings.Count(out, "\n") != 1 {
			t.Fatalf("verify of a sound store said %q", out)
		}

		ctx := context.Background()
		refs, err := w.Store.BlobRefs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var damaged, missing store.BlobRef
		for _, r := range refs {
			switch {
			case r.Table == "signed_summaries":
				missing = r
			case damaged.ID == 0:
				damaged = r
			}
		}
		data, err := os.ReadFile(bs.path(damaged.SHA256))
		if err != nil {
			t.Fatal(err)
		}
		data[0] ^= 0xff // same size, other bytes
		if err := os.WriteFile(bs.path(damaged.SHA256), data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(bs.path(missing.SHA256)); err != nil {
			t.Fatal(err)
		}
		// The second department's last history row claims a state it never
		// reached: the chain no longer ends where the report is.
		if _, err := w.Store.DB().Exec(w.Store.DB().Rebind(`UPDATE history SET to_state = 'signed' WHERE id = (SELECT MAX(id) FROM history WHERE report_id = ?)`), w.Dept2.ReportID); err != nil {
			t.Fatal(err)
		}

		out, err = run(t, nil, nil, "verify", "--db", dbURL, "--blob-url", bs.url)
		if exitCode(err) != 1 {
			t.Fatalf("verify of a damaged store: %v, exit %d\n%s", err, exitCode(err), out)
		}
		for _, want := range []string{
			fmt.Sprintf("Tệp chứng cứ %d (báo cáo %d): tệp %s bị hỏng", damaged.ID, damaged.ReportID, damaged.SHA256),
			fmt.Sprintf("Bảng tổng hợp đã ký %d (báo cáo %d): không có tệp %s", missing.ID, missing.ReportID, missing.SHA256),
			fmt.Sprintf("Báo cáo %d ở trạng thái draft nhưng dòng lịch sử cuối", w.Dept2.ReportID),
		} {
			if !strings.Contains(out, want) {
				t.Errorf("verify did not say %q:\n%s", want, out)
			}
		}
		if lines := strings.Count(out, "\n"); lines != 3 {
			t.Errorf("verify listed %d problems, want 3:\n%s", lines, out)
		}

		// A backup of the damaged store fails too, and leaves no manifest.
		dir := filepath.Join(t.TempDir(), "b")
		out, err = run(t, nil, nil, "backup", "--to", dir, "--db", dbURL, "--blob-url", bs.url)
		if exitCode(err) != 1 || !strings.Contains(out, "bị hỏng") || !strings.Contains(out, "không có tệp") {
			t.Errorf("backup of a damaged store: %v\n%s", err, out)
		}
		if _, err := os.Stat(filepath.Join(dir, manifestName)); err == nil {
			t.Error("a failed backup wrote its manifest")
		}
	})
}

// TestVerifyChains: each way a history can disagree with its report.
func TestVerifyChains(t *testing.T) {
	step := func(id int64, ev string, from, to workflow.State) store.ChainStep {
		return store.ChainStep{ID: id, Event: ev, From: from, To: to}
	}
	for _, tc := range []struct {
		name  string
		chain store.Chain
		want  string
	}{
		{"sound", store.Chain{ReportID: 1, State: "entered", Version: 3, Steps: []store.ChainStep{
			step(1, "evidence_add", "draft", "draft"), step(2, "complete", "draft", "entered")}}, ""},
		{"no history", store.Chain{ReportID: 1, State: "entered", Version: 2}, "không có dòng lịch sử nào"},
		{"gap", store.Chain{ReportID: 1, State: "reviewed", Version: 3, Steps: []store.ChainStep{
			step(1, "complete", "draft", "entered"), step(5, "sign", "reviewed", "signed")}}, "bắt đầu từ reviewed nhưng dòng trước (1, complete) kết thúc ở entered"},
		{"not from draft", store.Chain{ReportID: 1, State: "reviewed", Version: 2, Steps: []store.ChainStep{
			step(1, "approve", "entered", "reviewed")}}, "bắt đầu từ entered, không phải draft"},
		{"version behind", store.Chain{ReportID: 1, State: "reviewed", Version: 2, Steps: []store.ChainStep{
			step(1, "complete", "draft", "entered"), step(2, "approve", "entered", "reviewed")}}, "phiên bản 2 nhưng lịch sử ghi 2 lần đổi trạng thái"},
	} {
		got := strings.Join(chainProblems(tc.chain), "\n")
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestCopySQLiteToPostgres moves a pilot on SQLite to PostgreSQL (to SQLite
// when no PostgreSQL is configured): every row of every table arrives, ids
// kept, and the copy verifies clean against the blob store both share.
func TestCopySQLiteToPostgres(t *testing.T) {
	to := store.SQLite
	if len(storetest.Dialects(t)) > 1 {
		to = store.Postgres
	}
	w, from, bs := filledWorld(t, store.SQLite)
	target := storetest.URL(t, to)
	out := mustRun(t, nil, nil, "copy", "--from", from, "--to", target, "--blob-url", bs.url)
	if !strings.Contains(out, "Đã chép") || !strings.Contains(out, "sang "+to) || !strings.Contains(out, "Không có lỗi") {
		t.Errorf("copy said %q", out)
	}
	dst := storetest.OpenURL(t, target, nil)
	n := storetest.SameRows(t, w.Store, dst)
	t.Logf("%d rows compared: %s", n, strings.TrimSpace(out))
	_, err := run(t, nil, nil, "copy", "--from", from, "--to", target, "--blob-url", bs.url)
	if err == nil || !strings.Contains(err.Error(), "không trống") {
		t.Errorf("a second copy into the same database: %v", err)
	}
	// The service runs on the copy: the admin's token still works.
	tok := storetest.MustToken(t, dst, w.Admin)
	m, _ := serve(t, nil, nil, "--addr", "127.0.0.1:0", "--db", target, "--blob-url", bs.url, "--scheduler=false")
	testkit.NewClient(m.URL(), tok).Do(t, "GET", fmt.Sprintf("/api/v1/reports/%d/history", w.Dept.ReportID), nil).Want(t, 200, nil)
}

// TestBackupCommandsWronglyCalled: a missing required flag or a stray
// argument is a usage error (exit 2) that touches nothing.
func TestBackupCommandsWronglyCalled(t *testing.T) {
	for _, args := range [][]string{
		{"backup"},
		{"restore"},
		{"verify", "extra"},
		{"copy", "--from", "sqlite:" + filepath.Join(t.TempDir(), "a.db")},
		{"token", "revoke", "abc"},
		{"campaign", "cancel", "0"},
	} {
		_, err := run(t, nil, nil, args...)
		if err == nil || exitCode(err) != 2 {
			t.Errorf("parindex %v: %v (exit %d), want a usage error", args, err, exitCode(err))
		}
	}
}
