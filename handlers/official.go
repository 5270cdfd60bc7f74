package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"parindex/i18n"
	"parindex/sheet"
	"parindex/workflow"
)

// officialsImportJSON is the answer to an import that succeeded; errors is
// always empty then and is there because docs/api.md promises the member.
type officialsImportJSON struct {
	ImportResultJSON
	Errors []rowErrorJSON `json:"errors"`
}

// rowErrorJSON is one problem of a list: the sheet row (header = 1) an
// official can find, the field as in every other problem ("rows/3/email")
// and the message. Row is left out for a problem of the request itself.
type rowErrorJSON struct {
	Row     int    `json:"row,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// handleOfficialsImport reads an agency's list of officials (CSV or XLSX, as
// the raw body or as the multipart field "file") and imports it whole, or
// answers 422 listing every bad row and changes nothing. The file is checked
// before the agency: an unknown agency with a bad list is 422, with a good
// one 404.
func (s *Server) handleOfficialsImport(w http.ResponseWriter, r *http.Request) {
	agencyID, err := pathID(r, "id")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	rows, err := s.readOfficialsFile(w, r)
	if err != nil {
		s.officialsProblem(w, r, err)
		return
	}
	officials, err := workflow.ParseOfficials(rows)
	if err != nil {
		s.officialsProblem(w, r, err)
		return
	}
	res, err := s.store.ImportOfficials(r.Context(), currentUser(r), agencyID, officials, meta(r))
	if err != nil {
		s.officialsProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, officialsImportJSON{ImportResultJSON: importResultOut(res), Errors: []rowErrorJSON{}})
}

// Media types a list may be sent as, besides multipart/form-data.
var officialsMediaTypes = map[string]bool{
	sheet.TypeCSV:              true,
	sheet.TypeXLSX:             true,
	"application/octet-stream": true,
}

// readOfficialsFile reads the uploaded spreadsheet within the server's body limit:
// 415 for another media type, 413 past the limit, 422 without a file field.
func (s *Server) readOfficialsFile(w http.ResponseWriter, r *http.Request) ([][]string, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "multipart/form-data" && !officialsMediaTypes[mt]) {
		return nil, workflow.Errorf(workflow.EUNSUPPORTED,
			"Hãy gửi danh sách dạng text/csv, %s hoặc application/octet-stream, hoặc dạng multipart/form-data với tệp trong trường \"file\".", sheet.TypeXLSX)
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	if mt != "multipart/form-data" {
		return sheet.Read(bytes.NewReader(body), s.maxBody, "", mt)
	}
	if params["boundary"] == "" {
		return nil, workflow.Errorf(workflow.EBADREQUEST, "Nội dung multipart thiếu boundary.")
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, workflow.Errorf(workflow.EINVALID, "Biểu mẫu không có tệp: hãy gửi danh sách trong trường \"file\".").
				WithFields(workflow.Field("file", "Bắt buộc."))
		} else if err != nil {
			return nil, workflow.Errorf(workflow.EBADREQUEST, "Nội dung multipart không đúng định dạng: %v.", err)
		}
		if part.FormName() == "file" {
			return sheet.Read(part, s.maxBody, part.FileName(), part.Header.Get("Content-Type"))
		}
	}
}

// officialsProblem answers like problem, except that the 422 of a list also
// gives each error its row, as docs/api.md promises: error.go's problem document
// carries only field and message, so this one extends it here.
func (s *Server) officialsProblem(w http.ResponseWriter, r *http.Request, err error) {
	if workflow.ErrorCode(err) != workflow.EINVALID {
		s.problem(w, r, err)
		return
	}
	l := lang(r)
	format, args := workflow.ErrorFormat(err)
	p := struct {
		problemJSON
		Errors []rowErrorJSON `json:"errors,omitempty"`
	}{problemJSON: problemJSON{
		Type:   "urn:parindex:problem:" + workflow.EINVALID,
		Title:  title(l, http.StatusUnprocessableEntity),
		Status: http.StatusUnprocessableEntity,
		Detail: i18n.Sprintf(l, format, args...),
	}}
	for _, f := range workflow.ErrorFields(err) {
		p.Errors = append(p.Errors, rowErrorJSON{Row: officialsRow(f.Field), Field: f.Field, Message: i18n.Sprintf(l, f.Message, f.Args...)})
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", l.String())
	w.WriteHeader(http.StatusUnprocessableEntity)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(p)
}

// officialsRow reads the row of a field named "rows/<row>/...", or 0.
func officialsRow(field string) int {
	rest, ok := strings.CutPrefix(field, "rows/")
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(strings.SplitN(rest, "/", 2)[0])
	return n
}
