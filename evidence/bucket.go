// Package evidence keeps the files users attach as evidence: streamed into a
// spool file and checked by content (Receive), stored content-addressed by
// SHA-256 in a directory or any S3-compatible store (Store), verified again
// as they are read back (Open), and swept once nothing refers to them (Sweep).
package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/url"
	"os"
	"path"
	"strings"
	"syscall"
	"time"

	"parindex/workflow"
)

// ErrCorrupt is found (errors.Is) in the error a stored file's reader returns
// when the bytes do not hash to the file's address.
var ErrCorrupt = errors.New("evidence: stored file does not match its address")

// Bucket stores files content-addressed by SHA-256 under keys
// "sha256/ab/abcdef…", in a directory (file.go) or an S3 bucket (s3.go):
// exactly one of dir and s3 is set.
type Bucket struct {
	dir   string   // file://: the directory
	s3    *s3Store // s3://
	spool string
}

// Open opens the bucket at rawURL:
//
//   - "file:///abs/dir", or a bare directory path: a directory, created if
//     missing. Spool files go to its ".spool" subdirectory, so that Store can
//     hard-link them into place; blobs are written through a temporary file
//     beside them and renamed, never through os.TempDir, which may be another
//     filesystem.
//   - "s3://bucket?endpoint=http://127.0.0.1:9000&region=us-east-1&use_path_style=true":
//     any S3-compatible store, through the AWS SDK's S3 client alone; openS3
//     lists the parameters it understands and refuses others. Credentials
//     come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
//     AWS_SESSION_TOKEN (or anonymous=true). The bucket must exist: Open
//     checks that it can reach it. Spool files go to os.TempDir.
func Open(ctx context.Context, rawURL string) (*Bucket, error) {
	if !strings.Contains(rawURL, "://") {
		return openDir(rawURL)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("evidence: bucket URL: %w", err)
	}
	switch u.Scheme {
	case "file":
		if u.RawQuery != "" {
			return nil, fmt.Errorf("evidence: bucket URL %s: file:// takes no parameters", rawURL)
		}
		dir := u.Path
		if u.Host == "." { // file://./relative
			dir = strings.TrimPrefix(dir, "/")
		}
		return openDir(dir)
	case "s3":
		s, err := openS3(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("evidence: open %s: %w", rawURL, err)
		}
		return &Bucket{s3: s, spool: os.TempDir()}, nil
	}
	return nil, fmt.Errorf("evidence: bucket URL %s: scheme must be file or s3", rawURL)
}

// Close releases the bucket; neither kind holds anything open between calls.
func (b *Bucket) Close() error {
	return nil
}

// SpoolDir is where Receive should spool uploads for this bucket.
func (b *Bucket) SpoolDir() string {
	return b.spool
}

// Store writes the upload to the bucket under its content address; call it
// before inserting the row that refers to the file. When that address already
// holds a blob of the same size nothing is written, but the blob's
// modification time is renewed, so that a Sweep running meanwhile does not
// take it away from the row about to refer to it. A file:// blob is on disk
// (fsync) before Store returns. Concurrent Stores of the same content are safe
// and leave one blob. An unreachable store is EUNAVAILABLE; anything else
// that fails is internal.
func (b *Bucket) Store(ctx context.Context, u *Upload) error {
	if !validSHA256(u.SHA256) {
		return fmt.Errorf("evidence: store: bad address %q", u.SHA256)
	}
	key := blobKey(u.SHA256)
	size, _, err := b.attrs(ctx, key)
	switch {
	case err == nil && size == u.Size:
		return b.freshen(ctx, key, u.MediaType)
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return storageError(err, key)
	}
	if b.dir != "" {
		if b.link(u, key) == nil {
			return nil
		}
		// Another filesystem, or one without hard links: copy.
		if err := b.copyIn(u, key); err != nil {
			return storageError(err, key)
		}
		return nil
	}
	// S3: upload. A fresh handle reads from offset 0 whatever else reads
	// u.File.
	src, err := os.Open(u.File.Name())
	if err != nil {
		return fmt.Errorf("evidence: store: %w", err)
	}
	defer src.Close()
	if err := b.s3.put(ctx, key, src, u.MediaType); err != nil {
		return storageError(err, key)
	}
	return nil
}

// errFull answers a write that found no room left: the request was fine, the
// storage is full.
var errFull = workflow.Errorf(workflow.EUNAVAILABLE, "Không còn chỗ để lưu tệp; hãy thử lại sau hoặc báo quản trị viên.")

// fullError wraps err in errFull when it is a full disk or an exceeded
// quota, and returns nil otherwise.
func fullError(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", errFull, err)
	}
	return nil
}

// freshen renews the modification time of an existing blob.
func (b *Bucket) freshen(ctx context.Context, key, mediaType string) error {
	var err error
	if b.dir != "" {
		now := time.Now()
		err = os.Chtimes(b.path(key), now, now)
	} else {
		err = b.s3.touch(ctx, key, mediaType)
	}
	return storageError(err, key)
}

// attrs returns the size and modification time of the blob at key; a
// missing one is an error wrapping os.ErrNotExist.
func (b *Bucket) attrs(ctx context.Context, key string) (int64, time.Time, error) {
	if b.dir != "" {
		fi, err := os.Stat(b.path(key))
		if err != nil {
			return 0, time.Time{}, err
		}
		return fi.Size(), fi.ModTime(), nil
	}
	return b.s3.head(ctx, key)
}

// list calls fn with every key under prefix and its modification time.
func (b *Bucket) list(ctx context.Context, prefix string, fn func(key string, modTime time.Time) error) error {
	if b.dir != "" {
		return b.listDir(prefix, fn)
	}
	return b.s3.list(ctx, prefix, fn)
}

// remove deletes the blob at key; a missing one is an error wrapping
// os.ErrNotExist on file:// (S3 does not tell).
func (b *Bucket) remove(ctx context.Context, key string) error {
	if b.dir != "" {
		return os.Remove(b.path(key))
	}
	return b.s3.remove(ctx, key)
}

// Open returns a reader of the stored file at address sha256 and its size.
// The reader hashes what it reads: instead of io.EOF its final Read returns an
// EINTERNAL error wrapping ErrCorrupt when the bytes do not match the address,
// so a handler streaming it must treat that error as a failed download (abort
// the response), not as the end of a good one. Missing is ENOTFOUND, a
// malformed address EINVALID, an unreachable store EUNAVAILABLE.
func (b *Bucket) Open(ctx context.Context, sha string) (io.ReadCloser, int64, error) {
	if !validSHA256(sha) {
		return nil, 0, workflow.Errorf(workflow.EINVALID, "«%s» không phải là một địa chỉ SHA-256.", sha)
	}
	key := blobKey(sha)
	var r io.ReadCloser
	var size int64
	var err error
	if b.dir != "" {
		r, size, err = b.openFile(key)
	} else {
		r, size, err = b.s3.get(ctx, key)
	}
	if err != nil {
		return nil, 0, storageError(err, key)
	}
	return &verifier{r: r, key: key, want: sha, size: size, hash: sha256.New()}, size, nil
}

// verifier hashes a stored file as it is read and checks it at the end.
type verifier struct {
	r    io.ReadCloser
	key  string
	want string
	size int64
	n    int64
	hash hash.Hash
	err  error // sticky once the end is reached
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.r.Read(p)
	v.hash.Write(p[:n])
	v.n += int64(n)
	if err == io.EOF {
		if got := hex.EncodeToString(v.hash.Sum(nil)); got != v.want || v.n != v.size {
			err = fmt.Errorf("%w: %s holds %d bytes hashing to %s: %w", ErrCorrupt, v.key, v.n, got,
				workflow.Errorf(workflow.EINTERNAL, "Tệp đã lưu bị hỏng và phải được khôi phục từ bản sao lưu."))
		}
		v.err = err
	}
	return n, err
}

func (v *verifier) Close() error {
	return v.r.Close()
}

// storageError turns a bucket failure into the domain's terms: a missing blob
// is ENOTFOUND, an unreachable store EUNAVAILABLE; anything else is internal.
func storageError(err error, key string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy tệp tài liệu kiểm chứng (%s).", path.Base(key))
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if full := fullError(err); full != nil {
		return full
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("%w: %w", workflow.Errorf(workflow.EUNAVAILABLE, "Không truy cập được kho lưu tài liệu kiểm chứng."), err)
	}
	return fmt.Errorf("evidence: %s: %w", key, err)
}

func blobKey(sha string) string {
	return "sha256/" + sha[:2] + "/" + sha
}

func validSHA256(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
