package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// Evidence is one stored evidence file of a report's criterion. Signature is
// the signature report made at upload, kept as JSON.
type Evidence struct {
	ID         int64           `json:"id" db:"id"`
	ReportID   int64           `json:"report_id" db:"report_id"`
	Code       string          `json:"code" db:"code"`
	Round      int             `json:"round" db:"round"`
	Filename   string          `json:"filename" db:"filename"`
	Size       int64           `json:"size" db:"size"`
	SHA256     string          `json:"sha256" db:"sha256"`
	MediaType  string          `json:"media_type" db:"media_type"`
	Signature  json.RawMessage `json:"signature" db:"-"`
	UploadedBy *int64          `json:"uploaded_by" db:"uploaded_by"`
	UploadedAt time.Time       `json:"uploaded_at" db:"-"`
	DeletedAt  *time.Time      `json:"deleted_at,omitempty" db:"-"`

	RawSignature string  `json:"-" db:"signature"`
	RawUploaded  dbTime  `json:"-" db:"uploaded_at"`
	RawDeleted   *dbTime `json:"-" db:"deleted_at"`
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
	return s.checkEvidence(ctx, s.db, u, r, code, s.now())
}

func (s *Store) checkEvidence(ctx context.Context, q sqlx.ExtContext, u *workflow.User, r *workflow.Report, code string, now time.Time) error {
	if !u.Has(workflow.RoleUpdater, r.AgencyID) {
		return workflow.Errorf(workflow.EFORBIDDEN, "Only the agency's updaters attach evidence.")
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
		if err := s.checkEvidence(ctx, tx, u, r, e.Code, now); err != nil {
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
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Evidence %d not found.", evidenceID)
	} else if err != nil {
		return nil, s.dbError(err)
	}
	ref, err := s.ReportRef(ctx, e.ReportID)
	if err != nil {
		return nil, err
	}
	if !u.CanSeeAgency(ref.AgencyID) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Evidence %d not found.", evidenceID)
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
		if err := s.checkEvidence(ctx, tx, u, r, e.Code, at); err != nil {
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
			return workflow.Errorf(workflow.ENOTFOUND, "Evidence %d is already deleted.", evidenceID)
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
// report version whose export it is, or nil when it matches none.
type SignedSummary struct {
	ID             int64           `json:"id" db:"id"`
	ReportID       int64           `json:"report_id" db:"report_id"`
	Round          int             `json:"round" db:"round"`
	ReportVersion  int64           `json:"report_version" db:"report_version"`
	MatchesVersion *int64          `json:"matches_version" db:"matches_version"`
	Filename       string          `json:"filename" db:"filename"`
	Size           int64           `json:"size" db:"size"`
	SHA256         string          `json:"sha256" db:"sha256"`
	Signature      json.RawMessage `json:"signature" db:"-"`
	UploadedBy     *int64          `json:"uploaded_by" db:"uploaded_by"`
	UploadedAt     time.Time       `json:"uploaded_at" db:"-"`

	RawSignature string `json:"-" db:"signature"`
	RawUploaded  dbTime `json:"-" db:"uploaded_at"`
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
	if !u.Has(workflow.RoleApprover, r.AgencyID) {
		return workflow.Errorf(workflow.EFORBIDDEN, "Only the agency's approvers upload the signed summary.")
	}
	if !r.WindowOpen(now) || r.State == workflow.StateLocked {
		return workflow.Errorf(workflow.ELOCKED, "The window is closed.")
	}
	if r.State != workflow.StateReviewed {
		return workflow.Errorf(workflow.ECONFLICT, "The signed summary is uploaded while the report is reviewed; it is %s.", r.State)
	}
	return nil
}

// AddSignedSummary records a signed summary already in blob storage.
// matches says whether it is the export of version atVersion; if the report
// moved on meanwhile, the summary is recorded as matching nothing.
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
		}
		ss.ReportID, ss.Round, ss.ReportVersion, ss.UploadedBy, ss.UploadedAt = id, r.Round, r.Version, &u.ID, now
		ss.ID, err = insertID(ctx, tx, `INSERT INTO signed_summaries (report_id, round, report_version, matches_version, filename, size, sha256, signature, uploaded_by, uploaded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, r.Round, r.Version, ss.MatchesVersion, ss.Filename, ss.Size, ss.SHA256, string(ss.Signature), u.ID, s.ts(now))
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
	var sig struct {
		Present    bool `json:"present"`
		Valid      bool `json:"valid"`
		CoversFile bool `json:"covers_file"`
	}
	if json.Unmarshal(ss.Signature, &sig) == nil {
		s.cacheSummary(id, summaryVerdict{ID: ss.ID, Matches: ss.MatchesVersion, Filename: ss.Filename, Present: sig.Present, Valid: sig.Valid, CoversFile: sig.CoversFile})
	} else {
		s.forgetSummary(id)
	}
	return nil
}

// checkSignedSummary is sign's guard: the latest signed summary must carry a
// valid signature covering the whole file and be the export of the report's
// current version. Each refusal is EINVALID on the field signed_summary. It
// returns the summary's id: sign's write is guarded on no newer one arriving,
// which is also what makes the cached verdict (fresh false) safe to use.
func (s *Store) checkSignedSummary(ctx context.Context, q sqlx.QueryerContext, r *workflow.Report, fresh bool) (int64, error) {
	v, ok := s.cachedSummary(r.ID)
	if fresh || !ok {
		var err error
		if v, err = s.latestSummaryVerdict(ctx, q, r.ID); err != nil {
			return 0, err
		}
		s.cacheSummary(r.ID, v)
	}
	refuse := func(format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		return workflow.Errorf(workflow.EINVALID, "%s", msg).WithFields(workflow.FieldError{Field: "signed_summary", Message: msg})
	}
	switch {
	case v.ID == 0:
		return 0, refuse("No signed summary table is attached: export summary.pdf, sign it and upload it first.")
	case !v.Present:
		return 0, refuse("The signed summary %q carries no digital signature.", v.Filename)
	case !v.Valid:
		return 0, refuse("The signature of %q does not verify: the file was changed after signing.", v.Filename)
	case !v.CoversFile:
		return 0, refuse("The signature of %q does not cover the whole file: something was added after signing.", v.Filename)
	case v.Matches == nil:
		return 0, refuse("The signed summary %q is not the export of this report: export summary.pdf again and sign that file.", v.Filename)
	case *v.Matches != r.Version:
		return 0, refuse("The signed summary %q is stale: it is the export of version %d, and the report is now at version %d. Export it again, sign and upload.", v.Filename, *v.Matches, r.Version)
	}
	return v.ID, nil
}

// summaryVerdict is what sign needs of a report's latest signed summary;
// ID 0 means there is none.
type summaryVerdict struct {
	ID         int64
	Matches    *int64
	Filename   string
	Present    bool
	Valid      bool
	CoversFile bool
}

func (s *Store) latestSummaryVerdict(ctx context.Context, q sqlx.QueryerContext, reportID int64) (summaryVerdict, error) {
	var row struct {
		ID        int64  `db:"id"`
		Matches   *int64 `db:"matches_version"`
		Signature string `db:"signature"`
		Filename  string `db:"filename"`
	}
	err := sqlx.GetContext(ctx, q, &row, s.db.Rebind(`SELECT id, matches_version, signature, filename FROM signed_summaries WHERE report_id = ? ORDER BY id DESC LIMIT 1`), reportID)
	if errors.Is(err, sql.ErrNoRows) {
		return summaryVerdict{}, nil
	} else if err != nil {
		return summaryVerdict{}, err
	}
	var sig struct {
		Present    bool `json:"present"`
		Valid      bool `json:"valid"`
		CoversFile bool `json:"covers_file"`
	}
	if err := json.Unmarshal([]byte(row.Signature), &sig); err != nil {
		return summaryVerdict{}, err
	}
	return summaryVerdict{ID: row.ID, Matches: row.Matches, Filename: row.Filename, Present: sig.Present, Valid: sig.Valid, CoversFile: sig.CoversFile}, nil
}

// LatestSignedSummary returns the report's latest signed summary, or ENOTFOUND.
func (s *Store) LatestSignedSummary(ctx context.Context, u *workflow.User, id int64) (*SignedSummary, error) {
	if _, err := s.loadReport(ctx, s.db, u, id); err != nil {
		return nil, s.dbError(err)
	}
	var ss SignedSummary
	err := s.db.GetContext(ctx, &ss, s.db.Rebind(`SELECT id, report_id, round, report_version, matches_version, filename, size, sha256, signature, uploaded_by, uploaded_at
		FROM signed_summaries WHERE report_id = ? ORDER BY id DESC LIMIT 1`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Report %d has no signed summary.", id)
	} else if err != nil {
		return nil, s.dbError(err)
	}
	ss.Signature, ss.UploadedAt = json.RawMessage(ss.RawSignature), ss.RawUploaded.Time
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
