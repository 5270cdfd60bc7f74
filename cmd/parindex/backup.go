package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"parindex/evidence"
	"parindex/store"
	"parindex/workflow"
)

// A backup is a directory:
//
//	manifest.json                 what is here, with every file's size and SHA-256
//	parindex.db                   one consistent moment of the database (SQLite)
//	blobs/sha256/ab/abcdef…       every evidence file and signed summary it refers to
//
// The database snapshot is an SQLite file whichever dialect it came from
// (store.Snapshot), so a backup of either restores into either. Blobs are
// immutable and content-addressed, and a row is written only after its blob,
// so every blob the snapshot refers to is in the store when it is copied; one
// uploaded after the snapshot is simply not in the backup. The manifest is
// written last: a directory without one is an unfinished backup.

const (
	manifestName   = "manifest.json"
	snapshotName   = "parindex.db"
	manifestFormat = 1
)

// manifest describes a backup.
type manifest struct {
	Format        int              `json:"format"`
	CreatedAt     time.Time        `json:"created_at"`
	Dialect       string           `json:"dialect"` // of the database backed up
	SchemaVersion int64            `json:"schema_version"`
	Database      string           `json:"database"`
	Rows          []store.RowCount `json:"rows"`
	Files         []manifestFile   `json:"files"`
}

// manifestFile is one file of a backup; MediaType is set on blobs.
type manifestFile struct {
	Path      string `json:"path"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	MediaType string `json:"media_type,omitempty"`
}

// exitError makes main exit with its code (verify's 1: problems found)
// rather than 2 (the command could not run).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

// blobFlags adds --blob-url and --data-dir as serve has them, and returns a
// function giving the URL after parsing: --blob-url, or DATA-DIR/blobs.
func blobFlags(f *flags) func() (string, error) {
	dataDir := f.str("data-dir", "parindex-data", "directory whose blobs/ subdirectory holds evidence files when --blob-url is empty")
	blobURL := f.str("blob-url", "", "evidence storage: file:///DIR or s3://BUCKET?...; empty is DATA-DIR/blobs")
	return func() (string, error) {
		if *blobURL != "" {
			return *blobURL, nil
		}
		abs, err := filepath.Abs(filepath.Join(*dataDir, "blobs"))
		if err != nil {
			return "", err
		}
		return "file://" + filepath.ToSlash(abs), nil
	}
}

const backupUsage = "usage: parindex backup --to DIR [--db URL] [--blob-url URL | --data-dir DIR]"

// runBackup runs "parindex backup --to DIR": a snapshot of the database and
// every blob it refers to, each checked against its address as it is read,
// and the manifest. It is safe while the service runs. A blob that is
// missing or damaged fails the backup (exit 1, every such file listed): a
// backup that cannot be restored whole must not look like one.
func (m *Main) runBackup(ctx context.Context, args []string) error {
	f := m.newFlags("backup")
	to := f.String("to", "", "a new or empty directory for the backup")
	db := f.str("db", defaultDB, "database: sqlite:PATH or postgres://...")
	blobs := blobFlags(f)
	if err := f.Parse(args); err != nil {
		return err
	}
	if *to == "" || f.NArg() > 0 {
		return usageError{errors.New("cần --to DIR\n" + backupUsage)}
	}
	blobURL, err := blobs()
	if err != nil {
		return err
	}
	if err := emptyDir(*to); err != nil {
		return err
	}
	return m.withStoreAndBlobs(ctx, *db, blobURL, func(s *store.Store, b *evidence.Bucket) error {
		return m.backup(ctx, s, b, *to)
	})
}

// backup writes the snapshot, the blobs and the manifest into the empty
// directory to.
func (m *Main) backup(ctx context.Context, s *store.Store, b *evidence.Bucket, to string) error {
	started := time.Now()
	dbPath := filepath.Join(to, snapshotName)
	if err := s.Snapshot(ctx, dbPath); err != nil {
		return fmt.Errorf("chụp cơ sở dữ liệu: %w", err)
	}
	if err := os.Chmod(dbPath, 0o600); err != nil {
		return err
	}
	man := manifest{Format: manifestFormat, CreatedAt: s.Now().UTC(), Dialect: s.Dialect(), Database: snapshotName}
	refs, err := snapshotFacts(ctx, dbPath, &man)
	if err != nil {
		return err
	}
	var problems []string
	var size int64
	seen := map[string]bool{}
	for _, r := range refs {
		if seen[r.SHA256] {
			continue
		}
		seen[r.SHA256] = true
		file, err := copyBlobOut(ctx, b, r, to)
		if workflow.ErrorCode(err) == workflow.ENOTFOUND || errors.Is(err, evidence.ErrCorrupt) || errors.As(err, new(*sizeMismatch)) {
			problems = append(problems, blobProblem(r, err))
			continue
		} else if err != nil {
			return err
		}
		man.Files = append(man.Files, file)
		size += file.Size
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(m.Stdout, p)
		}
		return &exitError{1, fmt.Errorf("sao lưu không đầy đủ: %d tệp thiếu hoặc hỏng (xem danh sách); thư mục %s không có manifest nên không dùng để khôi phục được", len(problems), to)}
	}
	dbFile, err := hashFile(to, snapshotName)
	if err != nil {
		return err
	}
	man.Files = append([]manifestFile{dbFile}, man.Files...)
	if err := writeManifest(to, &man); err != nil {
		return err
	}
	var rows int64
	for _, c := range man.Rows {
		rows += c.Rows
	}
	fmt.Fprintf(m.Stdout, "Đã sao lưu vào %s: cơ sở dữ liệu %s (lược đồ %d, %d dòng, %s) và %d tệp chứng cứ (%s) trong %s.\n",
		to, man.Dialect, man.SchemaVersion, rows, humanBytes(dbFile.Size), len(man.Files)-1, humanBytes(size), time.Since(started).Round(time.Millisecond))
	return nil
}

// provinceTime writes an instant as the province reads it: 03/12/2026 15:09 (+07:00).
func provinceTime(t time.Time) string {
	if loc, err := time.LoadLocation(workflow.DefaultZone); err == nil {
		t = t.In(loc)
	}
	return t.Format("02/01/2006 15:04 (-07:00)")
}

// humanBytes writes a size as a Vietnamese reader reads it: "2,4 GB".
func humanBytes(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GB"}, {1 << 20, "MB"}, {1 << 10, "kB"}} {
		if n >= u.size {
			return strings.Replace(fmt.Sprintf("%.1f %s", float64(n)/float64(u.size), u.name), ".", ",", 1)
		}
	}
	return fmt.Sprintf("%d byte", n)
}

// snapshotFacts reads the schema version, the row counts and the blobs
// referred to from the snapshot itself, so that the backup's blobs are
// exactly those its rows name.
func snapshotFacts(ctx context.Context, path string, man *manifest) ([]store.BlobRef, error) {
	snap, err := store.Open(ctx, "sqlite:"+path, nil)
	if err != nil {
		return nil, err
	}
	defer snap.Close()
	if man.SchemaVersion, err = snap.SchemaVersion(ctx); err != nil {
		return nil, err
	}
	if man.Rows, err = snap.RowCounts(ctx); err != nil {
		return nil, err
	}
	return snap.BlobRefs(ctx)
}

// emptyDir creates dir (0700: the backup holds personal data) or checks that
// it is empty.
func emptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return usageError{fmt.Errorf("thư mục %s không trống: mỗi bản sao lưu cần một thư mục mới", dir)}
	}
	return nil
}

// sizeMismatch is a blob whose size is not the one its row records.
type sizeMismatch struct{ got int64 }

func (e *sizeMismatch) Error() string { return fmt.Sprintf("the file holds %d bytes", e.got) }

// blobPath is where a backup keeps a blob, relative to its directory.
func blobPath(sha string) string {
	return "blobs/sha256/" + sha[:2] + "/" + sha
}

// copyBlobOut copies one blob into the backup through a temporary file,
// checked against its address (evidence.Bucket.Open) and the row's size.
func copyBlobOut(ctx context.Context, b *evidence.Bucket, r store.BlobRef, dir string) (manifestFile, error) {
	file := manifestFile{Path: blobPath(r.SHA256), SHA256: r.SHA256, MediaType: r.MediaType}
	rc, size, err := b.Open(ctx, r.SHA256)
	if err != nil {
		return file, err
	}
	defer rc.Close()
	if size != r.Size {
		return file, &sizeMismatch{size}
	}
	dst := filepath.Join(dir, filepath.FromSlash(file.Path))
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return file, err
	}
	file.Size, err = writeFileSynced(dst, rc)
	return file, err
}

// writeFileSynced writes r to path through a temporary file beside it,
// flushed to disk before it is renamed into place.
func writeFileSynced(path string, r io.Reader) (n int64, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if n, err = io.Copy(tmp, r); err != nil {
		return n, err
	}
	if err = tmp.Sync(); err != nil {
		return n, err
	}
	if err = tmp.Close(); err != nil {
		return n, err
	}
	return n, os.Rename(tmp.Name(), path)
}

// hashFile is the manifest line of a file of the backup.
func hashFile(dir, rel string) (manifestFile, error) {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return manifestFile{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return manifestFile{}, err
	}
	return manifestFile{Path: rel, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func writeManifest(dir string, man *manifest) error {
	data, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return err
	}
	if _, err := writeFileSynced(filepath.Join(dir, manifestName), strings.NewReader(string(data)+"\n")); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// readManifest reads a backup's manifest and checks every file it lists
// against its size and SHA-256; every file that does not match is a problem.
func readManifest(dir string) (*manifest, []string, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("%s không có %s: đây không phải một bản sao lưu hoàn chỉnh", dir, manifestName)
	} else if err != nil {
		return nil, nil, err
	}
	var man manifest
	if err := json.Unmarshal(data, &man); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", manifestName, err)
	}
	if man.Format != manifestFormat {
		return nil, nil, fmt.Errorf("%s: định dạng %d, chương trình này đọc định dạng %d", manifestName, man.Format, manifestFormat)
	}
	if !slices.ContainsFunc(man.Files, func(f manifestFile) bool { return f.Path == man.Database }) {
		return nil, nil, fmt.Errorf("%s không ghi tệp cơ sở dữ liệu %s", manifestName, man.Database)
	}
	var problems []string
	for _, want := range man.Files {
		if !filepath.IsLocal(filepath.FromSlash(want.Path)) {
			return nil, nil, fmt.Errorf("%s: đường dẫn %q nằm ngoài thư mục sao lưu", manifestName, want.Path)
		}
		got, err := hashFile(dir, want.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			problems = append(problems, fmt.Sprintf("Thiếu tệp %s trong bản sao lưu.", want.Path))
		case err != nil:
			return nil, nil, err
		case got.Size != want.Size:
			problems = append(problems, fmt.Sprintf("Tệp %s có %d byte, manifest ghi %d byte.", want.Path, got.Size, want.Size))
		case got.SHA256 != want.SHA256:
			problems = append(problems, fmt.Sprintf("Tệp %s không khớp SHA-256 trong manifest (%s, manifest ghi %s).", want.Path, got.SHA256, want.SHA256))
		}
	}
	return &man, problems, nil
}

const restoreUsage = "usage: parindex restore --from DIR --db URL [--blob-url URL | --data-dir DIR]"

// runRestore runs "parindex restore --from DIR": the backup's files are
// checked against the manifest first, then the blobs are stored and the rows
// copied into an empty database and blob store (a non-empty one is refused,
// nothing written), which is then verified.
func (m *Main) runRestore(ctx context.Context, args []string) error {
	f := m.newFlags("restore")
	from := f.String("from", "", "the backup's directory")
	db := f.str("db", defaultDB, "the empty database to restore into: sqlite:PATH or postgres://...")
	blobs := blobFlags(f)
	if err := f.Parse(args); err != nil {
		return err
	}
	if *from == "" || f.NArg() > 0 {
		return usageError{errors.New("cần --from DIR\n" + restoreUsage)}
	}
	blobURL, err := blobs()
	if err != nil {
		return err
	}
	man, problems, err := readManifest(*from)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(m.Stdout, p)
		}
		return &exitError{1, fmt.Errorf("bản sao lưu %s bị hỏng: %d tệp không khớp manifest; không khôi phục gì", *from, len(problems))}
	}

	target, err := openTarget(ctx, *db, m)
	if err != nil {
		return err
	}
	defer target.Close()
	if full, err := target.NotEmpty(ctx); err != nil {
		return err
	} else if len(full) > 0 {
		return usageError{fmt.Errorf("cơ sở dữ liệu đích không trống (%s): chỉ khôi phục vào một cơ sở dữ liệu trống", strings.Join(full, ", "))}
	}
	b, err := evidence.Open(ctx, blobURL)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := blobStoreEmpty(ctx, blobURL, b); err != nil {
		return err
	}

	// The snapshot is opened from a copy: opening it may migrate it to this
	// binary's schema, and the backup stays as it was written.
	tmp, err := os.MkdirTemp("", "parindex-restore-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	src, err := os.Open(filepath.Join(*from, man.Database))
	if err != nil {
		return err
	}
	_, err = writeFileSynced(filepath.Join(tmp, snapshotName), src)
	src.Close()
	if err != nil {
		return err
	}
	snap, err := store.Open(ctx, "sqlite:"+filepath.Join(tmp, snapshotName), m.Clock)
	if err != nil {
		return err
	}
	defer snap.Close()
	if _, err := snap.MigrateUp(ctx); err != nil {
		return fmt.Errorf("nâng lược đồ của bản sao lưu: %w", err)
	}
	if _, err := target.MigrateUp(ctx); err != nil {
		return err
	}

	// Blobs first: a restore cut short leaves files no row refers to, never
	// a row without its file.
	stored := 0
	for _, file := range man.Files {
		if file.Path == man.Database {
			continue
		}
		if err := restoreBlob(ctx, b, filepath.Join(*from, filepath.FromSlash(file.Path)), file); err != nil {
			return fmt.Errorf("khôi phục tệp %s: %w", file.Path, err)
		}
		stored++
	}
	counts, err := store.Copy(ctx, snap, target)
	if err != nil {
		return fmt.Errorf("chép dữ liệu: %w", err)
	}
	var rows int64
	for _, c := range counts {
		rows += c.Rows
	}
	fmt.Fprintf(m.Stdout, "Đã khôi phục bản sao lưu ngày %s (%s, lược đồ %d): %d dòng trong %d bảng, %d tệp chứng cứ.\n",
		provinceTime(man.CreatedAt), man.Dialect, man.SchemaVersion, rows, len(counts), stored)
	return m.verifyAndReport(ctx, target, b)
}

// openTarget opens the database a restore or copy writes, creating an
// SQLite file's directory (0700) when it does not exist yet.
func openTarget(ctx context.Context, db string, m *Main) (*store.Store, error) {
	if path, ok := strings.CutPrefix(db, "sqlite:"); ok && !strings.HasPrefix(path, "file:") {
		path, _, _ = strings.Cut(path, "?")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
	}
	return store.Open(ctx, db, m.Clock)
}

// restoreBlob stores one blob of the backup as an upload would be: spooled
// into the bucket's spool directory (so that a file:// store links it into
// place rather than sharing the backup's inode), checked, stored.
func restoreBlob(ctx context.Context, b *evidence.Bucket, path string, file manifestFile) error {
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	spool, err := os.CreateTemp(b.SpoolDir(), "upload-*")
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(spool, h), src)
	if cerr := spool.Close(); err == nil {
		err = cerr
	}
	if err == nil && (n != file.Size || hex.EncodeToString(h.Sum(nil)) != file.SHA256) {
		err = fmt.Errorf("nội dung không khớp manifest")
	}
	if err != nil {
		os.Remove(spool.Name())
		return err
	}
	ro, err := os.Open(spool.Name())
	if err != nil {
		os.Remove(spool.Name())
		return err
	}
	u := &evidence.Upload{SHA256: file.SHA256, Size: n, MediaType: file.MediaType, File: ro}
	defer u.Close()
	return b.Store(ctx, u)
}

// blobStoreEmpty refuses a blob store that holds files already, file:// or
// s3:// (evidence.Bucket.AnyBlob).
func blobStoreEmpty(ctx context.Context, rawURL string, b *evidence.Bucket) error {
	found, err := b.AnyBlob(ctx)
	if err != nil {
		return err
	}
	if found != "" {
		return usageError{fmt.Errorf("kho tệp chứng cứ %s không trống (có %s): chỉ khôi phục vào một kho trống", rawURL, found)}
	}
	return nil
}
