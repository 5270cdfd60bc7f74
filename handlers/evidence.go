package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"parindex/evidence"
	"parindex/signature"
	"parindex/store"
	"parindex/workflow"
)

// receiveFile streams the request's multipart field "file" to a spool file
// (evidence.ReceiveMultipart); the caller closes the upload.
func (s *Server) receiveFile(w http.ResponseWriter, r *http.Request) (*evidence.Upload, string, error) {
	if s.bucket == nil {
		return nil, "", errNoBucket
	}
	body := http.MaxBytesReader(w, r.Body, s.maxUpload+evidence.MultipartSlack)
	return evidence.ReceiveMultipart(body, r.Header.Get("Content-Type"), s.maxUpload, s.bucket.SpoolDir())
}

// received is a file that passed every check, with its signature report,
// and is stored under its content address.
type received struct {
	*evidence.Upload
	name      string
	signature json.RawMessage
	report    signature.Report
}

// msgPDFTooComplex refuses a PDF over the check's budget.
const msgPDFTooComplex = "Tệp PDF quá phức tạp để kiểm tra chữ ký số trong giới hạn cho phép; hãy xuất lại tệp (in ra PDF) rồi ký số và tải lên."

// pdfError turns a check that went over its budget into the caller's
// answer: the file is refused, and nothing is stored.
func pdfError(err error) error {
	if errors.Is(err, signature.ErrTooComplex) {
		return workflow.Errorf(workflow.EINVALID, msgPDFTooComplex).WithFields(workflow.Field("file", msgPDFTooComplex))
	}
	return err
}

// acceptFile answers the refusal err if there is one (every check that needs
// no file comes before reading it); otherwise it receives the file, refuses
// a type outside only (when given), checks its signature and writes it to
// blob storage, before any database row refers to it. It returns nil once it
// has answered; the caller closes what it returns.
func (s *Server) acceptFile(w http.ResponseWriter, r *http.Request, err error, only string) *received {
	if err != nil {
		s.problem(w, r, err)
		return nil
	}
	up, name, err := s.receiveFile(w, r)
	if err != nil {
		s.problem(w, r, err)
		return nil
	}
	f := &received{Upload: up, name: name}
	if only != "" && up.MediaType != only {
		err = workflow.Errorf(workflow.EUNSUPPORTED, "Tệp phải có định dạng %s; tệp đã gửi là %s.", only, up.MediaType)
	}
	if err == nil {
		err = s.rendering(r, func() (err error) {
			f.report, err = signature.Verify(r.Context(), up.File, up.Size, up.MediaType, signature.Options{Trust: s.trust, Timeout: s.pdfTimeout})
			return pdfError(err)
		})
	}
	if err == nil {
		f.signature, err = json.Marshal(f.report)
	}
	if err == nil {
		err = s.bucket.Store(r.Context(), up)
	}
	if err != nil {
		up.Close()
		s.problem(w, r, err)
		return nil
	}
	return f
}

func (s *Server) handleEvidenceCreate(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.visibleReport(r)
	code := workflow.NormalizeText(chi.URLParam(r, "code"))
	u := currentUser(r)
	if err == nil {
		err = s.store.CheckEvidenceUpload(r.Context(), u, id, code)
	}
	f := s.acceptFile(w, r, err, "")
	if f == nil {
		return
	}
	defer f.Close()
	e := &store.Evidence{Code: code, Filename: f.name, Size: f.Size, SHA256: f.SHA256, MediaType: f.MediaType, Signature: f.signature}
	if err := s.store.AddEvidence(r.Context(), u, id, e, meta(r)); err != nil {
		s.problem(w, r, err)
		return
	}
	out := s.evidenceOut(r, e)
	out.Warning = s.policyWarning(r, f.report)
	writeJSON(w, http.StatusCreated, out)
}

// signatureJSON is a signature report as answers show it: its findings
// written in the caller's language (the stored report keeps their keys).
type signatureJSON struct {
	signature.Report
	Problems []string `json:"problems,omitempty"`
}

// localSignature rewrites a stored signature report for the caller: the
// findings in the caller's language, the times in the province's zone. A
// record without a report, or one that does not read, is left as it is.
func (s *Server) localSignature(r *http.Request, raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return raw
	}
	var v signatureJSON
	if err := json.Unmarshal(raw, &v.Report); err != nil {
		return raw
	}
	l := lang(r)
	for _, p := range v.Report.Problems {
		v.Problems = append(v.Problems, p.In(l))
	}
	for _, t := range []**time.Time{&v.SignedAt, &v.TimestampAt, &v.CheckedAt} {
		if *t != nil {
			local := (*t).In(s.zone)
			*t = &local
		}
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return raw
	}
	return bytes.TrimSpace(out.Bytes())
}

// handleEvidenceList lists a leaf's current evidence; the council and admins
// may add ?deleted=true to see deleted files too.
func (s *Server) handleEvidenceList(w http.ResponseWriter, r *http.Request) {
	id, ref, err := s.visibleReport(r)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	withDeleted, _ := strconv.ParseBool(r.URL.Query().Get("deleted"))
	u := currentUser(r)
	list, err := s.store.ListEvidence(r.Context(), u, id, chi.URLParam(r, "code"), withDeleted && workflow.Allows(u, workflow.ActEvidenceSeeDeleted, workflow.Target{AgencyID: ref.AgencyID}))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, each(list, func(e store.Evidence) EvidenceJSON { return s.evidenceOut(r, &e) }))
}

// handleEvidenceGet sends the file byte for byte. The bytes are checked
// against their SHA-256 as they stream; if storage has corrupted them the
// response is cut off, so that a client never takes a wrong file for a
// complete one.
func (s *Server) handleEvidenceGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var e *store.Evidence
	if err == nil {
		e, err = s.store.GetEvidence(r.Context(), currentUser(r), id)
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	s.sendBlob(w, r, e.SHA256, e.Size, e.MediaType, e.Filename)
}

// errNoBucket answers file requests of a server built without storage.
var errNoBucket = workflow.Errorf(workflow.EUNAVAILABLE, "Máy chủ chưa được cấu hình nơi lưu tệp.")

func (s *Server) sendBlob(w http.ResponseWriter, r *http.Request, sha string, size int64, mediaType, filename string) {
	if s.bucket == nil {
		s.problem(w, r, errNoBucket)
		return
	}
	rc, _, err := s.bucket.Open(r.Context(), sha)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	// The extension says what the bytes are: a PNG uploaded as "x.html" is
	// saved as "x.png". Cache-Control and nosniff are the middleware's.
	h.Set("Content-Disposition", evidence.ContentDisposition(evidence.DownloadName(filename, mediaType)))
	h.Set("ETag", `"`+sha+`"`)
	if _, err := io.Copy(w, rc); err != nil {
		s.log.Error().Err(err).Str("sha256", sha).Msg("evidence download cut off")
		panic(http.ErrAbortHandler)
	}
}

func (s *Server) handleEvidenceDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.store.DeleteEvidence(r.Context(), currentUser(r), id, meta(r))
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
