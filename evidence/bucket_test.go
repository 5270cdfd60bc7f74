package evidence

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"parindex/workflow"
)

func TestStoreOpen(t *testing.T) {
	eachBackend(t, func(t *testing.T, be *backend) {
		// Multipart uploads: TestStoreS3InParts.
		for _, data := range [][]byte{pdfFile(), docxFile(t, true)} {
			sha := mustStore(t, be.b, data)
			got, size, err := readStored(t, be.b, sha)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) || size != int64(len(data)) {
				t.Fatalf("read %d bytes (size %d), want the %d stored", len(got), size, len(data))
			}
			if _, _, err := be.b.attrs(context.Background(), "sha256/"+sha[:2]+"/"+sha); err != nil {
				t.Errorf("no blob under sha256/%s/%s (err %v)", sha[:2], sha, err)
			}
		}
		if n := len(blobs(t, be.b)); n != 2 {
			t.Errorf("%d blobs, want 2", n)
		}
	})
}

func TestStoreTwiceIsOneBlob(t *testing.T) {
	eachBackend(t, func(t *testing.T, be *backend) {
		data := pngFile(t)
		first := mustStore(t, be.b, data)
		second := mustStore(t, be.b, data)
		if first != second {
			t.Fatalf("addresses differ: %s, %s", first, second)
		}
		if keys := blobs(t, be.b); len(keys) != 1 {
			t.Fatalf("blobs %v, want one", keys)
		}
	})
}

func TestStoreConcurrently(t *testing.T) {
	eachBackend(t, func(t *testing.T, be *backend) {
		data := append(pdfFile(), randomBytes(256<<10)...)
		uploads := make([]*Upload, 16)
		for i := range uploads {
			uploads[i] = mustReceive(t, be.b, data)
		}
		var wg sync.WaitGroup
		errs := make([]error, len(uploads))
		for i, u := range uploads {
			wg.Go(func() { errs[i] = be.b.Store(context.Background(), u) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		for _, u := range uploads {
			u.Close()
		}
		if keys := blobs(t, be.b); len(keys) != 1 {
			t.Fatalf("blobs %v, want one", keys)
		}
		got, _, err := readStored(t, be.b, uploads[0].SHA256)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("stored blob is not the content (err %v)", err)
		}
	})
}

func TestOpenCorrupt(t *testing.T) {
	eachBackend(t, func(t *testing.T, be *backend) {
		data := pdfFile()
		for name, bad := range map[string][]byte{
			"same size":  append(bytes.ToUpper(data[:len(data)-1]), 'X'),
			"truncated":  data[:len(data)/2],
			"lengthened": append(bytes.Clone(data), '\n'),
		} {
			t.Run(name, func(t *testing.T) {
				sha := mustStore(t, be.b, data)
				be.overwrite(t, sha, bad)
				_, _, err := readStored(t, be.b, sha)
				if !errors.Is(err, ErrCorrupt) || workflow.ErrorCode(err) != workflow.EINTERNAL {
					t.Fatalf("err = %v, want %s wrapping ErrCorrupt", err, workflow.EINTERNAL)
				}
				// Storing the good content again repairs a blob of another size.
				if len(bad) != len(data) {
					mustStore(t, be.b, data)
					if _, _, err := readStored(t, be.b, sha); err != nil {
						t.Fatalf("after storing again: %v", err)
					}
				}
			})
		}
	})
}

func TestOpenMissing(t *testing.T) {
	eachBackend(t, func(t *testing.T, be *backend) {
		_, _, err := be.b.Open(context.Background(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
		if workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Fatalf("err = %v, want %s", err, workflow.ENOTFOUND)
		}
		for _, bad := range []string{"", "../../etc/passwd", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"} {
			if _, _, err := be.b.Open(context.Background(), bad); workflow.ErrorCode(err) != workflow.EINVALID {
				t.Errorf("Open(%q) err = %v, want %s", bad, err, workflow.EINVALID)
			}
		}
	})
}

func TestReceiveTooLargeStoresNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, be *backend) {
		data := append(pdfFile(), randomBytes(64<<10)...)
		_, err := Receive(bytes.NewReader(data), 32<<10, be.b.SpoolDir())
		if workflow.ErrorCode(err) != workflow.ETOOLARGE {
			t.Fatalf("err = %v, want %s", err, workflow.ETOOLARGE)
		}
		assertEmptyDir(t, be.b.SpoolDir())
		if keys := blobs(t, be.b); len(keys) != 0 {
			t.Fatalf("blobs %v, want none", keys)
		}
	})
}

func TestStoreAcrossFilesystems(t *testing.T) {
	// A spool that cannot be linked into the bucket is copied instead.
	be := newFileBackend(t)
	other := anotherFilesystem(t, be.b.dir)
	u, err := Receive(bytes.NewReader(pdfFile()), 0, other)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if err := be.b.Store(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	spool, _ := u.File.Stat()
	if stored, err := os.Stat(be.b.path(blobKey(u.SHA256))); err != nil || os.SameFile(spool, stored) {
		t.Fatalf("blob not copied (err %v)", err)
	}
	if _, _, err := readStored(t, be.b, u.SHA256); err != nil {
		t.Fatal(err)
	}
}

func TestOpenURLs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir() + "/a/b"
	for _, url := range []string{dir, "file://" + dir} {
		b, err := Open(ctx, url)
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		b.Close()
	}
	for _, url := range []string{"file://" + dir + "?create_dir=1", "gs://evidence"} {
		if b, err := Open(ctx, url); err == nil {
			b.Close()
			t.Errorf("%s: opened", url)
		}
	}
}

func TestOpenS3(t *testing.T) {
	newS3Backend(t) // sets the credentials
	ctx := context.Background()
	mem := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(mem).Server())
	defer srv.Close()
	if b, err := Open(ctx, s3URL(srv.URL)); err == nil {
		b.Close()
		t.Error("opened a bucket that does not exist")
	}

	// A store that goes away is EUNAVAILABLE (after the SDK's retries).
	mem.CreateBucket("evidence")
	b, err := Open(ctx, s3URL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.spool = t.TempDir()
	u := mustReceive(t, b, pdfFile())
	srv.Close()
	if err := b.Store(ctx, u); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Errorf("Store: err = %v, want %s", err, workflow.EUNAVAILABLE)
	}
	if _, _, err := b.Open(ctx, u.SHA256); workflow.ErrorCode(err) != workflow.EUNAVAILABLE {
		t.Errorf("Open: err = %v, want %s", err, workflow.EUNAVAILABLE)
	}
}

func TestOpenS3Parameters(t *testing.T) {
	newS3Backend(t) // sets the credentials
	mem := s3mem.New()
	mem.CreateBucket("evidence")
	srv := httptest.NewServer(gofakes3.New(mem).Server())
	defer srv.Close()
	ctx := context.Background()
	good := s3URL(srv.URL) + "&request_checksum_calculation=when_required&response_checksum_validation=when_required&disable_https=false"
	b, err := Open(ctx, good)
	if err != nil {
		t.Fatalf("%s: %v", good, err)
	}
	b.Close()
	for _, bad := range []string{
		s3URL(srv.URL) + "&profile=default",                       // the ~/.aws files are not read
		s3URL(srv.URL) + "&use_path_style=maybe",                  // not a boolean
		s3URL(srv.URL) + "&request_checksum_calculation=always",   // not a setting
		"s3://?endpoint=" + srv.URL + "&use_path_style=true",      // no bucket
		"s3://other?endpoint=" + srv.URL + "&use_path_style=true", // no such bucket
	} {
		if b, err := Open(ctx, bad); err == nil {
			b.Close()
			t.Errorf("%s: opened", bad)
		}
	}
	// Without a key pair nothing is tried; anonymous=true asks without one.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	if b, err := Open(ctx, s3URL(srv.URL)); err == nil {
		b.Close()
		t.Error("opened without credentials")
	}
	if b, err := Open(ctx, s3URL(srv.URL)+"&anonymous=true"); err != nil {
		t.Errorf("anonymous: %v", err)
	} else {
		b.Close()
	}
}

func TestStoreS3InParts(t *testing.T) {
	// 12 MB goes up in three 5 MB parts: the SDK's default would have read
	// 16 MB whole and sent it in one PUT.
	be := newS3Backend(t)
	data := append(pdfFile(), randomBytes(12<<20)...)
	sha := mustStore(t, be.b, data)
	if n := be.parts.Load(); n != 3 {
		t.Errorf("%d parts, want 3", n)
	}
	if got, _, err := readStored(t, be.b, sha); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back: %v", err)
	}
}

func TestStoreLinksSpool(t *testing.T) {
	be := newFileBackend(t)
	u := mustReceive(t, be.b, pdfFile())
	if err := be.b.Store(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	spool, err := u.File.Stat()
	if err != nil {
		t.Fatal(err)
	}
	stored, err := os.Stat(be.b.path(blobKey(u.SHA256)))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(spool, stored) {
		t.Error("the spool was copied, not linked")
	}
	// Closing the upload removes the spool's name, not the blob.
	u.Close()
	assertEmptyDir(t, be.b.SpoolDir())
	if _, _, err := readStored(t, be.b, u.SHA256); err != nil {
		t.Fatal(err)
	}
}

func TestFilesAreTheServiceUsers(t *testing.T) {
	// Evidence is personal data: whatever the umask, a file:// bucket makes
	// its directories 0700 and its spool files and blobs 0600.
	dir := t.TempDir() + "/data/blobs"
	b, err := Open(context.Background(), "file://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	wantMode := func(path string, want os.FileMode) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
	linked := mustReceive(t, b, pdfFile())
	wantMode(linked.File.Name(), 0o600)
	if err := b.Store(context.Background(), linked); err != nil {
		t.Fatal(err)
	}
	copied := mustReceive(t, b, pngFile(t))
	if err := b.copyIn(copied, blobKey(copied.SHA256)); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{dir, b.SpoolDir(), dir + "/sha256"} {
		wantMode(path, 0o700)
	}
	for _, sha := range []string{linked.SHA256, copied.SHA256} {
		wantMode(filepath.Dir(b.path(blobKey(sha))), 0o700)
		wantMode(b.path(blobKey(sha)), 0o600)
	}
}
