package evidence

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// backend is one kind of bucket under test, with the means to reach behind it.
type backend struct {
	b *Bucket
	// backdate makes the blob at sha look last written at `at`.
	backdate func(t *testing.T, sha string, at time.Time)
	// overwrite replaces the blob's bytes behind the bucket's back.
	overwrite func(t *testing.T, sha string, data []byte)
	// parts counts the multipart upload parts the S3 server received.
	parts atomic.Int64
}

// eachBackend runs test against a file:// bucket and against an s3:// bucket
// served in-process by gofakes3.
func eachBackend(t *testing.T, test func(t *testing.T, be *backend)) {
	t.Run("file", func(t *testing.T) { test(t, newFileBackend(t)) })
	t.Run("s3", func(t *testing.T) { test(t, newS3Backend(t)) })
}

func newFileBackend(t *testing.T) *backend {
	b, err := Open(context.Background(), "file://"+t.TempDir()+"/evidence")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return &backend{
		b: b,
		backdate: func(t *testing.T, sha string, at time.Time) {
			if err := os.Chtimes(b.path(blobKey(sha)), at, at); err != nil {
				t.Fatal(err)
			}
		},
		overwrite: func(t *testing.T, sha string, data []byte) {
			if err := os.WriteFile(b.path(blobKey(sha)), data, 0o600); err != nil {
				t.Fatal(err)
			}
		},
	}
}

// s3URL is how the tests reach gofakes3: path-style, since the server is one
// host, and an endpoint over plain HTTP. The SDK wants a region and
// credentials (any will do; gofakes3 does not check signatures).
func s3URL(endpoint string) string {
	return "s3://evidence?endpoint=" + endpoint + "&region=us-east-1&use_path_style=true"
}

func newS3Backend(t *testing.T) *backend {
	t.Setenv("AWS_ACCESS_KEY_ID", "parindex")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "parindex-secret")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	clock := &serverClock{}
	mem := s3mem.New(s3mem.WithTimeSource(clock))
	if err := mem.CreateBucket("evidence"); err != nil {
		t.Fatal(err)
	}
	// Both halves of gofakes3 tell the time: HEAD answers from the front's
	// clock, LIST from the backend's. Skew checks would refuse a clock set back.
	faker := gofakes3.New(mem, gofakes3.WithTimeSource(clock), gofakes3.WithTimeSkewLimit(0)).Server()
	be := &backend{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Query().Has("partNumber") {
			be.parts.Add(1)
		}
		faker.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	b, err := Open(context.Background(), s3URL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	b.spool = t.TempDir() // not os.TempDir: the tests look for leftovers
	be.b = b
	be.backdate = func(t *testing.T, sha string, at time.Time) {
		// S3 cannot set LastModified: write the blob again at that hour.
		out, err := b.s3.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(b.s3.bucket), Key: aws.String(blobKey(sha))})
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		clock.set(at)
		defer clock.set(time.Time{})
		putObject(t, b, blobKey(sha), data)
	}
	be.overwrite = func(t *testing.T, sha string, data []byte) {
		putObject(t, b, blobKey(sha), data)
	}
	return be
}

// putObject writes data at key of an s3:// bucket behind its back.
func putObject(t *testing.T, b *Bucket, key string, data []byte) {
	t.Helper()
	_, err := b.s3.client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(b.s3.bucket), Key: aws.String(key), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
}

// serverClock is gofakes3's idea of now: the real time unless set.
type serverClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *serverClock) set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = at
}

func (c *serverClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() {
		return time.Now()
	}
	return c.at
}

func (c *serverClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// mustReceive spools data as an upload that the test closes.
func mustReceive(t *testing.T, b *Bucket, data []byte) *Upload {
	t.Helper()
	u, err := Receive(bytes.NewReader(data), 0, b.SpoolDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Close() })
	return u
}

// mustStore receives and stores data and returns its address.
func mustStore(t *testing.T, b *Bucket, data []byte) string {
	t.Helper()
	u := mustReceive(t, b, data)
	if err := b.Store(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	if err := u.Close(); err != nil {
		t.Fatal(err)
	}
	return u.SHA256
}

// readStored reads the blob at sha to the end through Bucket.Open.
func readStored(t *testing.T, b *Bucket, sha string) ([]byte, int64, error) {
	t.Helper()
	r, size, err := b.Open(context.Background(), sha)
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	return data, size, err
}

// blobs lists every key under sha256/.
func blobs(t *testing.T, b *Bucket) []string {
	t.Helper()
	var keys []string
	err := b.list(context.Background(), "sha256/", func(key string, _ time.Time) error {
		keys = append(keys, key)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// anotherFilesystem returns a fresh directory on another filesystem than dir,
// skipping the test if there is none.
func anotherFilesystem(t *testing.T, dir string) string {
	other := otherFilesystem(dir)
	if other == "" {
		t.Skip("no second filesystem to spool on")
	}
	t.Cleanup(func() { os.RemoveAll(other) })
	return other
}

// otherFilesystem makes a directory on another filesystem than dir (/dev/shm
// is tmpfs on Linux), or returns "".
func otherFilesystem(dir string) string {
	var a, b syscall.Stat_t
	if syscall.Stat(dir, &a) != nil || syscall.Stat("/dev/shm", &b) != nil || a.Dev == b.Dev {
		return ""
	}
	other, err := os.MkdirTemp("/dev/shm", "evidence-test-")
	if err != nil {
		return ""
	}
	return other
}
