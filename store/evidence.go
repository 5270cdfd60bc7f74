package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// Evidence is one stored evidence file of a report's criterion. Signature is
// the signature report made at upload, kept as JSON.
type Evidence struct {
	ID         int64           `db:"id"`
	ReportID   int64           `db:"report_id"`
	Code       string          `db:"code"`
	Round      int             `db:"round"`
	Filename   string          `db:"filename"`
	Size       int64           `db:"size"`
	SHA256     string          `db:"sha256"`
	MediaType  string          `db:"media_type"`
	Signature  json.RawMessage `db:"-"`
	UploadedBy *int64          `db:"uploaded_by"`
	UploadedAt time.Time       `db:"-"`
	DeletedAt  *time.Time      `db:"-"`

	RawSignature string  `db:"signature"`
	RawUploaded  dbTime  `db:"uploaded_at"`
	RawDeleted   *dbTime `db:"deleted_at"`
}

// SignatureVerifies reports whether the file carries a digital signature
// that verified at upload (a record without a report counts as unsigned).
func (e *Evidence) SignatureVerifies() bool {
	var sig struct {
		Present bool `json:"present"`
		Valid   bool `json:"valid"`
	}
	_ = json.Unmarshal(e.Signature, &sig)
	return sig.Present && sig.Valid
}

func (e *Evidence) fill() {
	e.Signature = json.RawMessage(e.RawSignature)
	e.UploadedAt = e.RawUploaded.Time
	e.DeletedAt = e.RawDeleted.ptr()
}

const evidenceSelect = `SELECT id, report_id, code, round, filename, size, sha256, media_type, signature, uploaded_by, uploaded_at, deleted_at FROM evidence`

// CheckEvidenceUpload answers, before a file is read, whether the user may
// attach evidence to the report's leaf now: ENOTFOUND (report or criterion),
// EFORBIDDEN, ELOCKED, ECONFLICT, EINVALID — the order of an entry write.
func (s *Store) CheckEvidenceUpload(ctx context.Context, u *workflow.User, id int64, code string) error {
	r, err := s.loadReport(ctx, s.db, u, id)
	if err != nil {
		return s.dbError(err)
	}
	return s.checkEvidence(ctx, s.db, u, workflow.ActEvidenceAdd, r, code, s.now())
}

// checkEvidence answers whether u may add or delete (act) evidence of r's
// leaf code now: the policy, then the rules of an entry write.
func (s *Store) checkEvidence(ctx context.Context, q sqlx.ExtContext, u *workflow.User, act workflow.Action, r *workflow.Report, code string, now time.Time) error {
	if err := workflow.Can(u, act, workflow.Target{AgencyID: r.AgencyID}); err != nil {
		return err
	}
	set, err := s.criteriaSet(ctx, q, r.CriteriaSetID)
	if err != nil {
		return err
	}
	return r.CheckEntry(set, code, workflow.EntryValue{}, nil, now)
}

// AddEvidence records a file already written to blob storage, in one
// transaction that checks the report again, raises its version and writes a
// history line. The blob is written first: a failure here leaves only an
// unreferenced blob, which the sweep removes.
func (s *Store) AddEvidence(ctx context.Context, u *workflow.User, id int64, e *Evidence, meta Meta) error {
	e.Code = workflow.NormalizeText(e.Code)
	e.Filename = workflow.NormalizeText(e.Filename)
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		r, err := s.loadReport(ctx, tx, u, id)
		if err != nil {
			return err
		}
		// One instant is checked against the window and recorded.
		now := s.now().UTC().Truncate(time.Microsecond)
		if err := s.checkEvidence(ctx, tx, u, workflow.ActEvidenceAdd, r, e.Code, now); err != nil {
			return err
		}
		if err := s.bumpVersion(ctx, tx, r, false, s.ts(now)); err != nil {
			return err
		}
		e.ReportID, e.Round, e.UploadedBy, e.UploadedAt = id, r.Round, &u.ID, now
		e.ID, err = insertID(ctx, tx, `INSERT INTO evidence (report_id, code, round, filename, size, sha256, media_type, signature, uploaded_by, uploaded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, e.Code, r.Round, e.Filename, e.Size, e.SHA256, e.MediaType, string(e.Signature), u.ID, s.ts(now))
		if err != nil {
			return err
		}
		return insertHistory(ctx, tx, historyRow{ReportID: id, At: s.ts(now), ActorID: &u.ID, Role: workflow.RoleUpdater,
			Event: "evidence_add", From: r.State, To: r.State, Round: r.Round,
			Reason: fmt.Sprintf("%s: %s (%s)", e.Code, e.Filename, e.SHA256[:12]), Meta: meta})
	})
}

// ListEvidence returns a leaf's evidence files, oldest first; deleted ones
// only when withDeleted (the council's and admins' view of the history).
func (s *Store) ListEvidence(ctx context.Context, u *workflow.User, id int64, code string, withDeleted bool) ([]Evidence, error) {
	if _, err := s.loadReport(ctx, s.db, u, id); err != nil {
		return nil, s.dbError(err)
	}
	q := evidenceSelect + ` WHERE report_id = ?`
	args := []any{id}
	if code != "" {
		q, args = q+` AND code = ?`, append(args, workflow.NormalizeText(code))
	}
	if !withDeleted {
		q += ` AND deleted_at IS NULL`
	}
	out := []Evidence{}
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(q+` ORDER BY code, id`), args...); err != nil {
		return nil, s.dbError(err)
	}
	for i := range out {
		out[i].fill()
	}
	return out, nil
}

// GetEvidence returns one evidence record the user may see (deleted ones
// too: they are kept for history), or ENOTFOUND.
func (s *Store) GetEvidence(ctx context.Context, u *workflow.User, evidenceID int64) (*Evidence, error) {
	var e Evidence
	err := s.db.GetContext(ctx, &e, s.db.Rebind(evidenceSelect+` WHERE id = ?`), evidenceID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy tài liệu kiểm chứng %d.", evidenceID)
	} else if err != nil {
		return nil, s.dbError(err)
	}
	ref, err := s.ReportRef(ctx, e.ReportID)
	if err != nil {
		return nil, err
	}
	if workflow.Can(u, workflow.ActReportSee, workflow.Target{AgencyID: ref.AgencyID}) != nil {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy tài liệu kiểm chứng %d.", evidenceID)
	}
	e.fill()
	return &e, nil
}

// DeleteEvidence hides an evidence file from the current round: the record
// and the bytes stay for history and the council. Same checks as an upload;
// deleting twice is ENOTFOUND.
func (s *Store) DeleteEvidence(ctx context.Context, u *workflow.User, evidenceID int64, meta Meta) error {
	e, err := s.GetEvidence(ctx, u, evidenceID)
	if err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		r, err := s.loadReport(ctx, tx, u, e.ReportID)
		if err != nil {
			return err
		}
		at := s.now()
		if err := s.checkEvidence(ctx, tx, u, workflow.ActEvidenceDelete, r, e.Code, at); err != nil {
			return err
		}
		now := s.ts(at)
		res, err := exec(ctx, tx, `UPDATE evidence SET deleted_at = ?, deleted_by = ?, deleted_round = ? WHERE id = ? AND deleted_at IS NULL`,
			now, u.ID, r.Round, evidenceID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return workflow.Errorf(workflow.ENOTFOUND, "Tài liệu kiểm chứng %d đã bị xoá.", evidenceID)
		}
		if err := s.bumpVersion(ctx, tx, r, false, now); err != nil {
			return err
		}
		return insertHistory(ctx, tx, historyRow{ReportID: r.ID, At: now, ActorID: &u.ID, Role: workflow.RoleUpdater,
			Event: "evidence_delete", From: r.State, To: r.State, Round: r.Round,
			Reason: fmt.Sprintf("%s: %s (%s)", e.Code, e.Filename, e.SHA256[:12]), Meta: meta})
	})
}

// ReferencedBlobs returns which of the addresses some evidence or signed
// summary refers to; the blob sweep keeps those.
func (s *Store) ReferencedBlobs(ctx context.Context, shas []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(shas) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT sha256 FROM evidence WHERE sha256 IN (?) UNION SELECT sha256 FROM signed_summaries WHERE sha256 IN (?)`, shas, shas)
	if err != nil {
		return nil, err
	}
	var found []string
	if err := s.db.SelectContext(ctx, &found, s.db.Rebind(q), args...); err != nil {
		return nil, s.dbError(err)
	}
	for _, sha := range found {
		out[sha] = true
	}
	return out, nil
}

// SignedSummary is an uploaded, signed summary table. MatchesVersion is the
// report version whose export it is, or nil when it matches none; then
// ExportChanges says what it changed after the export's bytes, when it
// began with them. Digest is the content digest of the matched version.
type SignedSummary struct {
	ID             int64           `db:"id"`
	ReportID       int64           `db:"report_id"`
	Round          int             `db:"round"`
	ReportVersion  int64           `db:"report_version"`
	MatchesVersion *int64          `db:"matches_version"`
	ExportChanges  []string        `db:"-"`
	Filename       string          `db:"filename"`
	Size           int64           `db:"size"`
	SHA256         string          `db:"sha256"`
	Signature      json.RawMessage `db:"-"`
	UploadedBy     *int64          `db:"uploaded_by"`
	UploadedAt     time.Time       `db:"-"`
	Digest         string          `db:"digest"`

	RawSignature string `db:"signature"`
	RawUploaded  dbTime `db:"uploaded_at"`
	RawChanges   string `db:"export_changes"`
}

func (ss *SignedSummary) fill() {
	ss.Signature, ss.UploadedAt = json.RawMessage(ss.RawSignature), ss.RawUploaded.Time
	ss.ExportChanges = splitList(ss.RawChanges)
}

// verdict is what sign and submit judge the summary by.
func (ss *SignedSummary) verdict() (workflow.SignedSummary, error) {
	var sig struct {
		Present              bool     `json:"present"`
		Valid                bool     `json:"valid"`
		CoversFile           bool     `json:"covers_file"`
		Trusted              bool     `json:"trusted"`
		Revoked              bool     `json:"revoked"`
		Untrusted            string   `json:"untrusted"`
		Signer               string   `json:"signer"`
		Organization         string   `json:"organization"`
		Fingerprint          string   `json:"fingerprint"`
		ModifiedAfterSigning []string `json:"modified_after_signing"`
	}
	if err := json.Unmarshal(ss.Signature, &sig); err != nil {
		return workflow.SignedSummary{}, err
	}
	return workflow.SignedSummary{
		ID: ss.ID, Filename: ss.Filename, Present: sig.Present, Valid: sig.Valid, CoversFile: sig.CoversFile,
		Trusted: sig.Trusted, Revoked: sig.Revoked, Untrusted: sig.Untrusted, Signer: sig.Signer, Organization: sig.Organization,
		Fingerprint: sig.Fingerprint, ModifiedAfterSigning: sig.ModifiedAfterSigning,
		Matches: ss.MatchesVersion, ExportChanges: ss.ExportChanges, Digest: ss.Digest,
	}, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// CheckSignedSummaryUpload answers, before the file is read, whether the user
// may upload a signed summary now: ENOTFOUND, EFORBIDDEN (approvers only),
// ELOCKED (window), ECONFLICT (report not in reviewed). It returns the report.
func (s *Store) CheckSignedSummaryUpload(ctx context.Context, u *workflow.User, id int64) (*workflow.Report, error) {
	r, err := s.loadReport(ctx, s.db, u, id)
	if err != nil {
		return nil, s.dbError(err)
	}
	return r, checkSummaryUpload(u, r, s.now())
}

func checkSummaryUpload(u *workflow.User, r *workflow.Report, now time.Time) error {
	if err := workflow.Can(u, workflow.ActSignedSummaryUpload, workflow.Target{AgencyID: r.AgencyID}); err != nil {
		return err
	}
	if !r.WindowOpen(now) || r.State == workflow.StateLocked {
		return workflow.Errorf(workflow.ELOCKED, "Đã hết thời hạn nhập liệu.")
	}
	if r.State != workflow.StateReviewed {
		return workflow.Errorf(workflow.ECONFLICT, "Chỉ tải lên bảng tổng hợp có chữ ký số khi báo cáo đã duyệt; báo cáo hiện %s.", r.State)
	}
	return nil
}

// AddSignedSummary records a signed summary already in blob storage.
// matches says whether it is the export of version atVersion (ss.Digest
// then holds that version's content digest, ss.ExportChanges what it changed
// otherwise); if the report moved on meanwhile, the summary is recorded as
// matching nothing.
func (s *Store) AddSignedSummary(ctx context.Context, u *workflow.User, id int64, ss *SignedSummary, atVersion int64, matches bool, meta Meta) error {
	ss.Filename = workflow.NormalizeText(ss.Filename)
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		r, err := s.loadReport(ctx, tx, u, id)
		if err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		if err := checkSummaryUpload(u, r, now); err != nil {
			return err
		}
		if s.beforeWrite != nil {
			s.beforeWrite()
		}
		// The upload does not change the version, but it must not land on a
		// report that changed (was locked, say) since it was read.
		if err := s.holdVersion(ctx, tx, r); err != nil {
			return err
		}
		ss.MatchesVersion = nil
		if matches && r.Version == atVersion {
			v := r.Version
			ss.MatchesVersion = &v
		} else {
			ss.Digest = ""
		}
		ss.ReportID, ss.Round, ss.ReportVersion, ss.UploadedBy, ss.UploadedAt = id, r.Round, r.Version, &u.ID, now
		ss.ID, err = insertID(ctx, tx, `INSERT INTO signed_summaries (report_id, round, report_version, matches_version, filename, size, sha256, signature, uploaded_by, uploaded_at, digest, export_changes)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, r.Round, r.Version, ss.MatchesVersion, ss.Filename, ss.Size, ss.SHA256, string(ss.Signature), u.ID, s.ts(now),
			ss.Digest, strings.Join(ss.ExportChanges, ","))
		if err != nil {
			return err
		}
		return insertHistory(ctx, tx, historyRow{ReportID: id, At: s.ts(now), ActorID: &u.ID, Role: workflow.RoleApprover,
			Event: "signed_summary", From: r.State, To: r.State, Round: r.Round,
			Reason: fmt.Sprintf("%s (%s)", ss.Filename, ss.SHA256[:12]), Meta: meta})
	})
	if err != nil {
		s.forgetSummary(id)
		return err
	}
	// The newest summary, as sign will judge it; sign's write is guarded on
	// no newer one, so a replica that missed a later upload finds out there.
	if v, err := ss.verdict(); err == nil {
		s.cacheSummary(id, v)
	} else {
		s.forgetSummary(id)
	}
	return nil
}

// SetSignaturePolicy sets the policy sign and submit apply to the signer of
// a signed summary (PolicyReport until set).
func (s *Store) SetSignaturePolicy(p workflow.SignaturePolicy) { s.signaturePolicy = p }

// SignaturePolicy is the policy sign and submit apply.
func (s *Store) SignaturePolicy() workflow.SignaturePolicy {
	if s.signaturePolicy == "" {
		return workflow.PolicyReport
	}
	return s.signaturePolicy
}

// summaryRules reads what a signed summary is judged by besides itself.
func (s *Store) summaryRules(ctx context.Context, q sqlx.QueryerContext, agencyID int64) (workflow.SummaryRules, error) {
	signers, err := s.registeredSigners(ctx, q, agencyID)
	return workflow.SummaryRules{Policy: s.SignaturePolicy(), Signers: signers}, err
}

// checkSignedSummary is sign's guard: the latest signed summary, judged by
// workflow.SignedSummary.CheckForSign. It returns the summary's id: sign's
// write is guarded on no newer one arriving, which is also what makes the
// cached verdict (fresh false) safe to use.
func (s *Store) checkSignedSummary(ctx context.Context, q sqlx.QueryerContext, r *workflow.Report, fresh bool) (int64, error) {
	v, ok := s.cachedSummary(r.ID)
	if fresh || !ok {
		var err error
		if v, err = s.latestSummaryVerdict(ctx, q, r.ID); err != nil {
			return 0, err
		}
		s.cacheSummary(r.ID, v)
	}
	rules, err := s.summaryRules(ctx, q, r.AgencyID)
	if err != nil {
		return 0, err
	}
	if err := v.CheckForSign(r.Version, rules); err != nil {
		return 0, err
	}
	return v.ID, nil
}

// checkSubmittedSummary is submit's guard: the latest signed summary, read
// afresh, still passes the policy and the registered signers, and the
// report's content is still the content it was signed with. It returns the
// summary's id, which the write is guarded on like sign's.
func (s *Store) checkSubmittedSummary(ctx context.Context, q sqlx.ExtContext, r *workflow.Report) (int64, error) {
	v, err := s.latestSummaryVerdict(ctx, q, r.ID)
	if err != nil {
		return 0, err
	}
	digest, err := s.contentDigest(ctx, q, r)
	if err != nil {
		return 0, err
	}
	rules, err := s.summaryRules(ctx, q, r.AgencyID)
	if err != nil {
		return 0, err
	}
	if err := v.CheckForSubmit(digest, rules); err != nil {
		return 0, err
	}
	return v.ID, nil
}

// contentDigest is the digest of a report's content now: entries,
// exemptions and current evidence files (workflow.Report.ContentDigest).
func (s *Store) contentDigest(ctx context.Context, q sqlx.ExtContext, r *workflow.Report) (string, error) {
	set, err := s.criteriaSet(ctx, q, r.CriteriaSetID)
	if err != nil {
		return "", err
	}
	values, err := loadEntryValues(ctx, q, r.ID)
	if err != nil {
		return "", err
	}
	full := *r
	full.Fill(set, values)
	var rows []struct {
		Code   string `db:"code"`
		SHA256 string `db:"sha256"`
	}
	err = sqlx.SelectContext(ctx, q, &rows, s.db.Rebind(`SELECT code, sha256 FROM evidence WHERE report_id = ? AND deleted_at IS NULL ORDER BY code, id`), r.ID)
	if err != nil {
		return "", err
	}
	digests := map[string][]string{}
	for _, e := range rows {
		digests[e.Code] = append(digests[e.Code], e.SHA256)
	}
	return full.ContentDigest(digests), nil
}

func (s *Store) latestSummaryVerdict(ctx context.Context, q sqlx.QueryerContext, reportID int64) (workflow.SignedSummary, error) {
	var ss SignedSummary
	err := sqlx.GetContext(ctx, q, &ss, s.db.Rebind(signedSummarySelect+` WHERE report_id = ? ORDER BY id DESC LIMIT 1`), reportID)
	if errors.Is(err, sql.ErrNoRows) {
		return workflow.SignedSummary{}, nil
	} else if err != nil {
		return workflow.SignedSummary{}, err
	}
	ss.fill()
	return ss.verdict()
}

const signedSummarySelect = `SELECT id, report_id, round, report_version, matches_version, filename, size, sha256, signature, uploaded_by, uploaded_at, digest, export_changes FROM signed_summaries`

// LatestSignedSummary returns the report's latest signed summary, or ENOTFOUND.
func (s *Store) LatestSignedSummary(ctx context.Context, u *workflow.User, id int64) (*SignedSummary, error) {
	if _, err := s.loadReport(ctx, s.db, u, id); err != nil {
		return nil, s.dbError(err)
	}
	var ss SignedSummary
	err := s.db.GetContext(ctx, &ss, s.db.Rebind(signedSummarySelect+` WHERE report_id = ? ORDER BY id DESC LIMIT 1`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Báo cáo %d chưa có bảng tổng hợp có chữ ký số.", id)
	} else if err != nil {
		return nil, s.dbError(err)
	}
	ss.fill()
	return &ss, nil
}

// ExportData is everything an export of a report prints, read in one
// transaction so that it is one version's content.
type ExportData struct {
	Report   *workflow.Report
	Set      *workflow.CriteriaSet
	Campaign workflow.Campaign
	Agency   workflow.Agency
	Evidence []Evidence // current files, by code then upload order
}

// EvidenceDigests maps each leaf to the digests of its current files, as
// the report's digests take them.
func (d *ExportData) EvidenceDigests() map[string][]string {
	out := map[string][]string{}
	for _, e := range d.Evidence {
		out[e.Code] = append(out[e.Code], e.SHA256)
	}
	return out
}

// ContentDigest is the digest of this version's content, which submit
// compares with the report's content then.
func (d *ExportData) ContentDigest() string { return d.Report.ContentDigest(d.EvidenceDigests()) }

// ExportData reads a report the user may see for export, or ENOTFOUND.
func (s *Store) ExportData(ctx context.Context, u *workflow.User, id int64) (*ExportData, error) {
	var out *ExportData
	err := s.withTx(ctx, func(tx *sqlx.Tx) error {
		r, err := s.fullReport(ctx, tx, u, id)
		if err != nil {
			return err
		}
		d := &ExportData{Report: r, Evidence: []Evidence{}}
		if d.Set, err = s.criteriaSet(ctx, tx, r.CriteriaSetID); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &d.Agency, tx.Rebind(`SELECT id, code, name, kind FROM agencies WHERE id = ?`), r.AgencyID); err != nil {
			return err
		}
		if err := tx.QueryRowxContext(ctx, tx.Rebind(`SELECT id, name, year FROM campaigns WHERE id = ?`), r.CampaignID).
			Scan(&d.Campaign.ID, &d.Campaign.Name, &d.Campaign.Year); err != nil {
			return err
		}
		if err := tx.SelectContext(ctx, &d.Evidence, tx.Rebind(evidenceSelect+` WHERE report_id = ? AND deleted_at IS NULL ORDER BY code, id`), id); err != nil {
			return err
		}
		for i := range d.Evidence {
			d.Evidence[i].fill()
		}
		out = d
		return nil
	})
	return out, err
}
