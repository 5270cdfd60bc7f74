package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"parindex/evidence"
	"parindex/store"
	"parindex/workflow"
)

const verifyUsage = "usage: parindex verify [--db URL] [--blob-url URL | --data-dir DIR]"

// runVerify runs "parindex verify": every evidence and signed-summary row
// against its blob (present, of the recorded size, hashing to its SHA-256)
// and every report's history against its state. It prints one line per
// problem and exits 1, or one summary line and exits 0.
func (m *Main) runVerify(ctx context.Context, args []string) error {
	f := m.newFlags("verify")
	db := f.str("db", defaultDB, "database: sqlite:PATH or postgres://...")
	blobs := blobFlags(f)
	if err := f.Parse(args); err != nil {
		return err
	}
	if f.NArg() > 0 {
		return usageError{errors.New(verifyUsage)}
	}
	blobURL, err := blobs()
	if err != nil {
		return err
	}
	return m.withStoreAndBlobs(ctx, *db, blobURL, func(s *store.Store, b *evidence.Bucket) error {
		return m.verifyAndReport(ctx, s, b)
	})
}

// withStoreAndBlobs opens the current database and the blob store for one
// command and closes both after it.
func (m *Main) withStoreAndBlobs(ctx context.Context, db, blobURL string, fn func(*store.Store, *evidence.Bucket) error) error {
	s, err := m.openCurrent(ctx, db)
	if err != nil {
		return err
	}
	defer s.Close()
	b, err := evidence.Open(ctx, blobURL)
	if err != nil {
		return err
	}
	defer b.Close()
	return fn(s, b)
}

// verifyAndReport runs verify and prints its answer; problems are an
// exitError with code 1.
func (m *Main) verifyAndReport(ctx context.Context, s *store.Store, b *evidence.Bucket) error {
	res, err := verify(ctx, s, b)
	if err != nil {
		return err
	}
	if len(res.problems) > 0 {
		for _, p := range res.problems {
			fmt.Fprintln(m.Stdout, p)
		}
		return &exitError{1, fmt.Errorf("kiểm tra thấy %d vấn đề (xem danh sách)", len(res.problems))}
	}
	fmt.Fprintf(m.Stdout, "Không có lỗi: %d báo cáo với %d dòng lịch sử liền mạch, %d tệp chứng cứ và %d bảng tổng hợp đã ký khớp với %d tệp (%s).\n",
		res.reports, res.history, res.evidence, res.summaries, res.blobs, humanBytes(res.bytes))
	return nil
}

// verifyResult is what verify found.
type verifyResult struct {
	problems                   []string
	reports, history           int
	evidence, summaries, blobs int
	bytes                      int64
}

// verify checks every blob reference and every history chain. Each blob is
// read once, whole, through evidence.Bucket.Open, which hashes it.
func verify(ctx context.Context, s *store.Store, b *evidence.Bucket) (*verifyResult, error) {
	res := &verifyResult{}
	refs, err := s.BlobRefs(ctx)
	if err != nil {
		return nil, err
	}
	type found struct {
		size int64
		err  error
	}
	checked := map[string]found{}
	for _, r := range refs {
		if r.Table == "evidence" {
			res.evidence++
		} else {
			res.summaries++
		}
		got, ok := checked[r.SHA256]
		if !ok {
			got.size, got.err = readBlob(ctx, b, r.SHA256)
			if got.err != nil && workflow.ErrorCode(got.err) != workflow.ENOTFOUND && !errors.Is(got.err, evidence.ErrCorrupt) {
				return nil, got.err // the store cannot be read: nothing is known
			}
			checked[r.SHA256] = got
			if got.err == nil {
				res.blobs++
				res.bytes += got.size
			}
		}
		err := got.err
		if err == nil && got.size != r.Size {
			err = &sizeMismatch{got.size}
		}
		if err != nil {
			res.problems = append(res.problems, blobProblem(r, err))
		}
	}
	chains, err := s.ReportChains(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range chains {
		res.reports++
		res.history += len(c.Steps)
		res.problems = append(res.problems, chainProblems(c)...)
	}
	return res, nil
}

// readBlob reads a blob whole and returns its size; a damaged one is an
// error wrapping evidence.ErrCorrupt, a missing one ENOTFOUND.
func readBlob(ctx context.Context, b *evidence.Bucket, sha string) (int64, error) {
	rc, _, err := b.Open(ctx, sha)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	return io.Copy(io.Discard, rc)
}

// blobProblem is the line verify and backup print for a row whose blob is
// missing, damaged or of another size.
func blobProblem(r store.BlobRef, err error) string {
	what := fmt.Sprintf("Tệp chứng cứ %d (báo cáo %d)", r.ID, r.ReportID)
	if r.Table == "signed_summaries" {
		what = fmt.Sprintf("Bảng tổng hợp đã ký %d (báo cáo %d)", r.ID, r.ReportID)
	}
	switch {
	case workflow.ErrorCode(err) == workflow.ENOTFOUND:
		return fmt.Sprintf("%s: không có tệp %s trong kho.", what, r.SHA256)
	case errors.Is(err, evidence.ErrCorrupt):
		return fmt.Sprintf("%s: tệp %s bị hỏng, nội dung không khớp SHA-256 đã lưu.", what, r.SHA256)
	}
	if sm := (*sizeMismatch)(nil); errors.As(err, &sm) {
		return fmt.Sprintf("%s: tệp %s có %d byte, hàng ghi %d byte.", what, r.SHA256, sm.got, r.Size)
	}
	return fmt.Sprintf("%s: tệp %s: %v.", what, r.SHA256, err)
}

// chainProblems checks a report's history as the fault suite does: one
// unbroken chain of states from draft, each row starting where the one before
// ended, the last ending in the report's state; and, since every change of
// state raises the version once, a version above the number of changes.
func chainProblems(c store.Chain) []string {
	var out []string
	if len(c.Steps) == 0 {
		if c.State != workflow.StateDraft {
			out = append(out, fmt.Sprintf("Báo cáo %d ở trạng thái %s nhưng không có dòng lịch sử nào.", c.ReportID, c.State))
		}
		return out
	}
	if first := c.Steps[0]; first.From != workflow.StateDraft {
		out = append(out, fmt.Sprintf("Báo cáo %d: dòng lịch sử đầu tiên (%d, %s) bắt đầu từ %s, không phải %s.", c.ReportID, first.ID, first.Event, first.From, workflow.StateDraft))
	}
	changes := 0
	for i, h := range c.Steps {
		if h.From != h.To {
			changes++
		}
		if i > 0 && h.From != c.Steps[i-1].To {
			prev := c.Steps[i-1]
			out = append(out, fmt.Sprintf("Báo cáo %d: dòng lịch sử %d (%s) bắt đầu từ %s nhưng dòng trước (%d, %s) kết thúc ở %s.",
				c.ReportID, h.ID, h.Event, h.From, prev.ID, prev.Event, prev.To))
		}
	}
	if last := c.Steps[len(c.Steps)-1]; last.To != c.State {
		out = append(out, fmt.Sprintf("Báo cáo %d ở trạng thái %s nhưng dòng lịch sử cuối (%d, %s) kết thúc ở %s.", c.ReportID, c.State, last.ID, last.Event, last.To))
	}
	if c.Version < int64(changes)+1 {
		out = append(out, fmt.Sprintf("Báo cáo %d ở phiên bản %d nhưng lịch sử ghi %d lần đổi trạng thái (mỗi lần tăng phiên bản một).", c.ReportID, c.Version, changes))
	}
	return out
}

const copyUsage = "usage: parindex copy --from sqlite:PATH --to postgres://... [--blob-url URL | --data-dir DIR]"

// runCopy runs "parindex copy --from URL --to URL": every row of every table
// into an empty database of the other dialect (or the same), ids kept and
// PostgreSQL's sequences moved past them, then verify on the target with the
// blob store both share. Stop the service first: rows written to the source
// after the copy began are not copied.
func (m *Main) runCopy(ctx context.Context, args []string) error {
	f := m.newFlags("copy")
	from := f.String("from", "", "the source database: sqlite:PATH or postgres://...")
	to := f.String("to", "", "the empty target database: postgres://... or sqlite:PATH")
	blobs := blobFlags(f)
	if err := f.Parse(args); err != nil {
		return err
	}
	if *from == "" || *to == "" || f.NArg() > 0 {
		return usageError{errors.New("cần --from và --to\n" + copyUsage)}
	}
	blobURL, err := blobs()
	if err != nil {
		return err
	}
	src, err := m.openCurrent(ctx, *from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := openTarget(ctx, *to, m)
	if err != nil {
		return err
	}
	defer dst.Close()
	if full, err := dst.NotEmpty(ctx); err != nil {
		return err
	} else if len(full) > 0 {
		return fmt.Errorf("cơ sở dữ liệu đích không trống (%s): chỉ chép vào một cơ sở dữ liệu trống", strings.Join(full, ", "))
	}
	if _, err := dst.MigrateUp(ctx); err != nil {
		return err
	}
	counts, err := store.Copy(ctx, src, dst)
	if err != nil {
		return fmt.Errorf("chép dữ liệu: %w", err)
	}
	after, err := dst.RowCounts(ctx)
	if err != nil {
		return err
	}
	var rows int64
	for i, c := range counts {
		rows += c.Rows
		if i >= len(after) || after[i] != c {
			return fmt.Errorf("bảng %s: đã chép %d dòng nhưng đích có số dòng khác", c.Table, c.Rows)
		}
	}
	fmt.Fprintf(m.Stdout, "Đã chép %d dòng trong %d bảng từ %s sang %s.\n", rows, len(counts), src.Dialect(), dst.Dialect())
	b, err := evidence.Open(ctx, blobURL)
	if err != nil {
		return err
	}
	defer b.Close()
	return m.verifyAndReport(ctx, dst, b)
}
