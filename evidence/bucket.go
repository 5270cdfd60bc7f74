// Package evidence keeps the files users attach as evidence: streamed into a
// spool file and checked by content (Receive), stored content-addressed by
// SHA-256 in a gocloud.dev/blob bucket, a directory or any S3-compatible store
// (Store), verified again as they are read back (Open), and swept once nothing
// refers to them (Sweep).
package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob" // registers s3://
	"gocloud.dev/gcerrors"

	"parindex/workflow"
)

// ErrCorrupt is found (errors.Is) in the error a stored file's reader returns
// when the bytes do not hash to the file's address.
var ErrCorrupt = errors.New("evidence: stored file does not match its address")

// S3 uploads hold (s3Concurrency+1) parts of s3PartSize in memory, plus the
// first part, whatever the size of the file: about 20 MB.
const (
	s3PartSize    = 5 << 20 // S3's smallest part
	s3Concurrency = 2
)

// Bucket stores files content-addressed by SHA-256 through gocloud.dev/blob,
// under keys "sha256/ab/abcdef…".
type Bucket struct {
	bucket *blob.Bucket
	dir    string     // file:// only: the directory, to link and fsync in place
	s3     *s3.Client // s3:// only: to bound the uploader's buffers
	spool  string
}

// Open opens the bucket at rawURL:
//
//   - "file:///abs/dir", or a bare directory path: a directory, created if
//     missing. Spool files go to its ".spool" subdirectory, so that Store can
//     hard-link them into place; blobs are written through a temporary file
//     beside them and renamed, never through os.TempDir, which may be another
//     filesystem.
//   - "s3://bucket?endpoint=http://127.0.0.1:9000&region=us-east-1&use_path_style=true":
//     any S3-compatible store, through gocloud.dev/blob/s3blob and the AWS SDK
//     v2. The query may carry endpoint (or set AWS_ENDPOINT_URL_S3), region
//     (or AWS_REGION), use_path_style=true (needed by MinIO, Garage and
//     gofakes3: without it the SDK asks for bucket.host), disable_https,
//     hostname_immutable, profile, anonymous=true (unsigned requests) and
//     request_checksum_calculation=when_required (for stores that reject the
//     SDK's default checksums); s3blob.URLOpener lists the rest and refuses
//     unknown ones.
//     Credentials come from the SDK's default chain: AWS_ACCESS_KEY_ID and
//     AWS_SECRET_ACCESS_KEY, then the ~/.aws files (AWS_PROFILE), then an
//     instance role; with none of them every request fails. The bucket must
//     exist: Open checks that it can list it. Spool files go to os.TempDir.
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
		bucket, err := blob.OpenBucket(ctx, rawURL)
		if err != nil {
			return nil, fmt.Errorf("evidence: open %s: %w", rawURL, err)
		}
		ok, err := bucket.IsAccessible(ctx)
		if err == nil && !ok {
			err = errors.New("no such bucket")
		}
		if err != nil {
			bucket.Close()
			return nil, fmt.Errorf("evidence: open %s: %w", rawURL, err)
		}
		b := &Bucket{bucket: bucket, spool: os.TempDir()}
		bucket.As(&b.s3)
		return b, nil
	}
	return nil, fmt.Errorf("evidence: bucket URL %s: scheme must be file or s3", rawURL)
}

// dirMode is what the directories a file:// bucket creates are made with:
// evidence is personal data, for the service's user only. Files are 0600
// already: spool files come from os.CreateTemp, and blobs are those spool
// files linked into place or copies made through os.CreateTemp.
const dirMode = 0o700

func openDir(dir string) (*Bucket, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("evidence: bucket directory: %w", err)
	}
	bucket, err := fileblob.OpenBucket(dir, &fileblob.Options{
		CreateDir:   true,
		DirFileMode: dirMode,
		NoTempDir:   true,
		// The media type lives in the database; sidecar files would only be
		// more files to write and sweep.
		Metadata: fileblob.MetadataDontWrite,
	})
	if err != nil {
		return nil, fmt.Errorf("evidence: open %s: %w", dir, err)
	}
	spool := filepath.Join(dir, ".spool")
	if err := os.MkdirAll(spool, dirMode); err != nil {
		bucket.Close()
		return nil, fmt.Errorf("evidence: spool directory: %w", err)
	}
	return &Bucket{bucket: bucket, dir: dir, spool: spool}, nil
}

// Close releases the bucket.
func (b *Bucket) Close() error {
	return b.bucket.Close()
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
	attrs, err := b.bucket.Attributes(ctx, key)
	switch {
	case err == nil && attrs.Size == u.Size:
		return b.freshen(ctx, key, u.MediaType)
	case err != nil && gcerrors.Code(err) != gcerrors.NotFound:
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
	if err := b.bucket.Upload(ctx, key, src, b.writerOptions(u.MediaType)); err != nil {
		return storageError(err, key)
	}
	return nil
}

// copyIn writes the upload to a file:// address through a temporary file
// beside it (copied in the kernel, copy_file_range), renamed into place only
// once whole and on disk; on any error the temporary file is removed. (Bucket.Upload is not used here: gocloud.dev
// v0.47's Writer closes a failed upload without cancelling it, and fileblob
// then renames the partial file onto the address.)
func (b *Bucket) copyIn(u *Upload, key string) (err error) {
	path := b.path(key)
	dir := filepath.Dir(path)
	_, serr := os.Stat(dir)
	newDir := os.IsNotExist(serr)
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return err
	}
	src, err := os.Open(u.File.Name())
	if err != nil {
		return err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = io.Copy(tmp, src); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDirs(path, newDir)
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

// link makes the spool file itself the blob: a hard link under a temporary
// name, then an atomic rename over the address. The spool is fsynced first
// and the directories after, so a crash leaves the old state or a whole blob.
func (b *Bucket) link(u *Upload, key string) error {
	path := b.path(key)
	if err := u.File.Sync(); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	_, err := os.Stat(dir)
	newDir := os.IsNotExist(err)
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return err
	}
	tmp := path + "." + strconv.FormatUint(rand.Uint64(), 16) + ".tmp"
	if err := os.Link(u.File.Name(), tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDirs(path, newDir)
}

// freshen renews the modification time of an existing blob.
func (b *Bucket) freshen(ctx context.Context, key, mediaType string) error {
	if b.dir != "" {
		now := time.Now()
		if err := os.Chtimes(b.path(key), now, now); err != nil {
			return storageError(err, key)
		}
		return nil
	}
	// S3 has no touch: copying an object onto itself with its metadata
	// replaced renews LastModified without moving the bytes.
	err := b.bucket.Copy(ctx, key, key, &blob.CopyOptions{BeforeCopy: func(as func(any) bool) error {
		var in *s3.CopyObjectInput
		if as(&in) {
			in.MetadataDirective = s3types.MetadataDirectiveReplace
			in.ContentType = aws.String(mediaType)
		}
		return nil
	}})
	if err != nil {
		return storageError(err, key)
	}
	return nil
}

// writerOptions bounds what an S3 upload holds in memory: the SDK's upload
// manager would read the first 16 MB whole and keep six 8 MB parts.
func (b *Bucket) writerOptions(mediaType string) *blob.WriterOptions {
	return &blob.WriterOptions{
		ContentType: mediaType,
		BeforeWrite: func(as func(any) bool) error {
			var tm *transfermanager.Client
			if b.s3 != nil && as(&tm) {
				*tm = *transfermanager.New(b.s3, func(o *transfermanager.Options) {
					o.PartSizeBytes = s3PartSize
					o.MultipartUploadThreshold = s3PartSize
					o.Concurrency = s3Concurrency
					o.RequestChecksumCalculation = b.s3.Options().RequestChecksumCalculation
				})
			}
			return nil
		},
	}
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
	r, err := b.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return nil, 0, storageError(err, key)
	}
	return &verifier{r: r, key: key, want: sha, size: r.Size(), hash: sha256.New()}, r.Size(), nil
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
	if gcerrors.Code(err) == gcerrors.NotFound || errors.Is(err, os.ErrNotExist) {
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

// path is where a file:// bucket keeps key (fileblob escapes nothing in ours).
func (b *Bucket) path(key string) string {
	return filepath.Join(b.dir, filepath.FromSlash(key))
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

// syncFile flushes a file written by name, and the directories naming it.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return syncDirs(path, true)
}

// syncDirs flushes the directory entry naming path and, when that directory
// is new, the entry naming the directory.
func syncDirs(path string, newDir bool) error {
	dirs := []string{filepath.Dir(path)}
	if newDir {
		dirs = append(dirs, filepath.Dir(dirs[0]))
	}
	for _, dir := range dirs {
		d, err := os.Open(dir)
		if err != nil {
			return err
		}
		err = d.Sync()
		d.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
