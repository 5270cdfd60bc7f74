package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"parindex/workflow"
)

func TestSweep(t *testing.T) {
	eachBackend(t, func(t *testing.T, be *backend) {
		ctx := context.Background()
		now := time.Now()
		old := now.Add(-48 * time.Hour)
		orphan := mustStore(t, be.b, pdfFile())
		referenced := mustStore(t, be.b, pngFile(t))
		reused := mustStore(t, be.b, jpegFile(t))
		fresh := mustStore(t, be.b, xlsxFile(t))
		for _, sha := range []string{orphan, referenced, reused} {
			be.backdate(t, sha, old)
		}
		// A new upload of old content renews its blob: its row is on the way.
		mustStore(t, be.b, jpegFile(t))

		var asked [][]string
		removed, err := be.b.Sweep(ctx, now.Add(-24*time.Hour), func(ctx context.Context, shas []string) (map[string]bool, error) {
			asked = append(asked, shas)
			return map[string]bool{referenced: true}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if removed != 1 {
			t.Errorf("removed %d, want 1", removed)
		}
		if len(asked) != 1 || len(asked[0]) != 2 {
			t.Errorf("asked about %v, want the two old blobs", asked)
		}
		if _, _, err := be.b.Open(ctx, orphan); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Errorf("orphan: err = %v, want %s", err, workflow.ENOTFOUND)
		}
		for _, sha := range []string{referenced, reused, fresh} {
			if _, _, err := readStored(t, be.b, sha); err != nil {
				t.Errorf("%s: %v", sha, err)
			}
		}

		// When the database cannot answer, nothing is removed.
		be.backdate(t, fresh, old)
		dbDown := workflow.Errorf(workflow.EUNAVAILABLE, "The database is unavailable.")
		removed, err = be.b.Sweep(ctx, now.Add(-24*time.Hour), func(context.Context, []string) (map[string]bool, error) {
			return nil, dbDown
		})
		if removed != 0 || err != dbDown {
			t.Errorf("removed %d, err %v; want 0, %v", removed, err, dbDown)
		}
		if _, _, err := readStored(t, be.b, fresh); err != nil {
			t.Error(err)
		}
	})
}

func TestSweepEmpty(t *testing.T) {
	eachBackend(t, func(t *testing.T, be *backend) {
		removed, err := be.b.Sweep(context.Background(), time.Now(), func(context.Context, []string) (map[string]bool, error) {
			t.Error("asked about nothing")
			return nil, nil
		})
		if removed != 0 || err != nil {
			t.Fatalf("removed %d, err %v", removed, err)
		}
	})
}

func TestSweepBatches(t *testing.T) {
	// 1200 blobs on disk only: S3 would show the same batching, slower. They
	// are written straight into the bucket: a Store is an fsync or three.
	be := newFileBackend(t)
	ctx := context.Background()
	var shas []string
	for i := range 1200 {
		sum := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		sha := hex.EncodeToString(sum[:])
		path := be.b.path(blobKey(sha))
		if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte{byte(i), byte(i >> 8)}, 0o600); err != nil {
			t.Fatal(err)
		}
		shas = append(shas, sha)
	}
	var sizes []int
	removed, err := be.b.Sweep(ctx, time.Now().Add(time.Second), func(ctx context.Context, batch []string) (map[string]bool, error) {
		sizes = append(sizes, len(batch))
		refs := map[string]bool{}
		for _, sha := range batch {
			if sha[0] < '8' { // about half
				refs[sha] = true
			}
		}
		return refs, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sizes) != 3 || sizes[0] != 500 || sizes[1] != 500 || sizes[2] != 200 {
		t.Errorf("batches %v, want 500, 500, 200", sizes)
	}
	want := 0
	for _, sha := range shas {
		if sha[0] >= '8' {
			want++
		}
	}
	if removed != want || len(blobs(t, be.b)) != 1200-want {
		t.Errorf("removed %d, %d left; want %d removed", removed, len(blobs(t, be.b)), want)
	}
}

func TestSweepLeftovers(t *testing.T) {
	be := newFileBackend(t)
	old := time.Now().Add(-48 * time.Hour)
	sha := mustStore(t, be.b, pdfFile())
	stray := be.b.path(blobKey(sha)) + ".1a2b3c.tmp"
	spool := be.b.SpoolDir() + "/upload-123"
	for _, path := range []string{stray, spool} {
		if err := os.WriteFile(path, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(path, old, old)
	}
	removed, err := be.b.Sweep(context.Background(), time.Now().Add(-24*time.Hour), func(context.Context, []string) (map[string]bool, error) {
		t.Error("nothing old is addressed: referenced must not be asked")
		return nil, nil
	})
	if err != nil || removed != 0 {
		t.Fatalf("removed %d, err %v; want 0, nil", removed, err)
	}
	for _, path := range []string{stray, spool} {
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s is still there", path)
		}
	}
	if _, _, err := readStored(t, be.b, sha); err != nil {
		t.Fatal(err)
	}
}
