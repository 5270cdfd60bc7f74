package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"parindex/workflow"
)

// Signer is a registered signer of an agency: a certificate, by the hex
// SHA-256 of its DER, or an organisation, by the O of certificate subjects.
// An agency with registered signers accepts a signed summary only from one.
type Signer struct {
	ID           int64
	AgencyID     int64
	Fingerprint  string
	Organization string
	Note         string
	CreatedAt    time.Time
}

// ListSigners returns an agency's registered signers, oldest first, or
// ENOTFOUND for an unknown agency.
func (s *Store) ListSigners(ctx context.Context, agencyID int64) ([]Signer, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT COUNT(*) FROM agencies WHERE id = ?`), agencyID); err != nil {
		return nil, s.dbError(err)
	} else if n == 0 {
		return nil, workflow.Errorf(workflow.ENOTFOUND, "Không có đơn vị %d.", agencyID)
	}
	rows := []struct {
		ID           int64  `db:"id"`
		AgencyID     int64  `db:"agency_id"`
		Fingerprint  string `db:"fingerprint"`
		Organization string `db:"organization"`
		Note         string `db:"note"`
		CreatedAt    dbTime `db:"created_at"`
	}{}
	err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT id, agency_id, fingerprint, organization, note, created_at
		FROM agency_signers WHERE agency_id = ? ORDER BY id`), agencyID)
	if err != nil {
		return nil, s.dbError(err)
	}
	out := make([]Signer, len(rows))
	for i, r := range rows {
		out[i] = Signer{ID: r.ID, AgencyID: r.AgencyID, Fingerprint: r.Fingerprint, Organization: r.Organization, Note: r.Note, CreatedAt: r.CreatedAt.Time}
	}
	return out, nil
}

// maxSignerNote bounds a registered signer's note, like names and titles.
const maxSignerNote = 200

// AddSigner registers a signer for an agency: exactly one of Fingerprint (64
// hex digits; colons and spaces are ignored) and Organization. Returns
// EINVALID naming the field, ENOTFOUND for an unknown agency, ECONFLICT when
// the same signer is registered already. It writes an audit row.
func (s *Store) AddSigner(ctx context.Context, u *workflow.User, sg *Signer, meta Meta) error {
	sg.Fingerprint = strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(strings.TrimSpace(sg.Fingerprint)))
	sg.Organization = workflow.NormalizeText(sg.Organization)
	sg.Note = workflow.NormalizeText(sg.Note)
	var fields []workflow.FieldError
	switch {
	case sg.Fingerprint == "" && sg.Organization == "":
		fields = append(fields, workflow.FieldError{Field: "fingerprint", Message: "Cần nêu dấu vân tay chứng thư số (SHA-256) hoặc tên tổ chức."})
	case sg.Fingerprint != "" && sg.Organization != "":
		fields = append(fields, workflow.FieldError{Field: "organization", Message: "Chỉ nêu một trong hai: dấu vân tay hoặc tên tổ chức."})
	case sg.Fingerprint != "":
		if b, err := hex.DecodeString(sg.Fingerprint); err != nil || len(b) != 32 {
			fields = append(fields, workflow.FieldError{Field: "fingerprint", Message: "Dấu vân tay phải là 64 chữ số thập lục phân (SHA-256 của chứng thư số)."})
		}
	case utf8.RuneCountInString(sg.Organization) > 200 || strings.ContainsRune(sg.Organization, 0):
		fields = append(fields, workflow.FieldError{Field: "organization", Message: "Tên tổ chức dài quá 200 ký tự hoặc chứa ký tự không hợp lệ."})
	}
	if utf8.RuneCountInString(sg.Note) > maxSignerNote || strings.ContainsRune(sg.Note, 0) {
		fields = append(fields, workflow.FieldError{Field: "note", Message: "Ghi chú dài quá 200 ký tự hoặc chứa ký tự không hợp lệ."})
	}
	if fields != nil {
		return workflow.Errorf(workflow.EINVALID, "Người ký không hợp lệ.").WithFields(fields...)
	}
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		if ok, err := agencyExists(ctx, tx, sg.AgencyID); err != nil {
			return err
		} else if !ok {
			return workflow.Errorf(workflow.ENOTFOUND, "Không có đơn vị %d.", sg.AgencyID)
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		id, err := insertID(ctx, tx, `INSERT INTO agency_signers (agency_id, fingerprint, organization, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			sg.AgencyID, sg.Fingerprint, sg.Organization, sg.Note, u.ID, s.ts(now))
		if err != nil {
			return s.duplicate(err, "fingerprint", "Người ký này đã được đăng ký cho đơn vị.")
		}
		sg.ID, sg.CreatedAt = id, now
		return s.insertAudit(ctx, tx, auditRow{Actor: u, Kind: AuditSigner, Action: "create", Target: strconv.FormatInt(id, 10), Meta: meta,
			Detail: map[string]any{"agency_id": sg.AgencyID, "fingerprint": sg.Fingerprint, "organization": sg.Organization, "note": sg.Note}})
	})
}

// DeleteSigner removes a registered signer of an agency, or ENOTFOUND. It
// writes an audit row with what was removed.
func (s *Store) DeleteSigner(ctx context.Context, u *workflow.User, agencyID, id int64, meta Meta) error {
	return s.withTx(ctx, func(tx *sqlx.Tx) error {
		var sg struct {
			Fingerprint  string `db:"fingerprint"`
			Organization string `db:"organization"`
		}
		err := tx.GetContext(ctx, &sg, tx.Rebind(`SELECT fingerprint, organization FROM agency_signers WHERE id = ? AND agency_id = ?`), id, agencyID)
		if errors.Is(err, sql.ErrNoRows) {
			return workflow.Errorf(workflow.ENOTFOUND, "Không có người ký %d của đơn vị %d.", id, agencyID)
		} else if err != nil {
			return err
		}
		if _, err := exec(ctx, tx, `DELETE FROM agency_signers WHERE id = ?`, id); err != nil {
			return err
		}
		return s.insertAudit(ctx, tx, auditRow{Actor: u, Kind: AuditSigner, Action: "delete", Target: strconv.FormatInt(id, 10), Meta: meta,
			Detail: map[string]any{"agency_id": agencyID, "fingerprint": sg.Fingerprint, "organization": sg.Organization}})
	})
}

// registeredSigners reads what sign and submit check an agency's signed
// summary against.
func (s *Store) registeredSigners(ctx context.Context, q sqlx.QueryerContext, agencyID int64) ([]workflow.RegisteredSigner, error) {
	var out []workflow.RegisteredSigner
	err := sqlx.SelectContext(ctx, q, &out, s.db.Rebind(`SELECT fingerprint, organization FROM agency_signers WHERE agency_id = ? ORDER BY id`), agencyID)
	return out, err
}
