package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"parindex/workflow"
)

// readBody reads the whole request body up to the server's limit: 413 past it.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, workflow.Errorf(workflow.ETOOLARGE, "Nội dung gửi lên vượt quá %d byte.", s.maxBody)
	} else if err != nil {
		return nil, workflow.Errorf(workflow.EBADREQUEST, "Không đọc được nội dung yêu cầu: %v.", err)
	}
	return body, nil
}

// decode reads a JSON body strictly into v: 415 for another media type, 413
// when too large, 400 for malformed JSON, a key sent twice or in another
// letter case than declared, unknown fields, wrong types or trailing data,
// naming the field where it can.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return workflow.Errorf(workflow.EUNSUPPORTED, "Hãy gửi JSON (Content-Type: application/json).")
		}
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	return decodeJSON(body, v)
}

// decodeJSON is the one JSON decoder of request bodies. Go's decoder takes
// the last of two equal keys and matches keys to fields ignoring letter
// case; checkKeys refuses both before it runs, so that what was sent is
// what was read.
func decodeJSON(body []byte, v any) error {
	if err := checkKeys(body, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		return workflow.Errorf(workflow.EBADREQUEST, "Sau giá trị JSON còn dữ liệu thừa; hãy gửi đúng một đối tượng JSON.")
	}
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var domain *workflow.Error
	switch {
	case errors.Is(err, io.EOF):
		return workflow.Errorf(workflow.EBADREQUEST, "Nội dung yêu cầu trống; hãy gửi một đối tượng JSON.")
	case errors.As(err, &typeErr):
		return wrongType(strings.ReplaceAll(typeErr.Field, ".", "/"), typeErr.Type)
	case errors.As(err, &syntaxErr):
		if field, ok := commaDecimal(body, syntaxErr.Offset); ok {
			return errCommaDecimal(field)
		}
		return workflow.Errorf(workflow.EBADREQUEST, "JSON sai cú pháp tại byte %d.", syntaxErr.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return workflow.Errorf(workflow.EBADREQUEST, "Yêu cầu này không có trường «%s».", field).
			WithFields(workflow.Field(field, "Trường không được nhận ở đây."))
	case errors.As(err, &domain):
		return err
	}
	return workflow.Errorf(workflow.EBADREQUEST, "Nội dung không phải JSON hợp lệ cho yêu cầu này.")
}

// wrongType names the field and the JSON type it takes.
func wrongType(field string, t reflect.Type) error {
	if field == "" {
		return workflow.Errorf(workflow.EBADREQUEST, "Nội dung yêu cầu phải là một đối tượng JSON.")
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return workflow.Errorf(workflow.EBADREQUEST, "Trường %s phải là một số.", field).
			WithFields(workflow.Field(field, "Phải là một số."))
	case reflect.String:
		return workflow.Errorf(workflow.EBADREQUEST, "Trường %s phải là một chuỗi.", field).
			WithFields(workflow.Field(field, "Phải là một chuỗi."))
	case reflect.Bool:
		return workflow.Errorf(workflow.EBADREQUEST, "Trường %s phải là true hoặc false.", field).
			WithFields(workflow.Field(field, "Phải là true hoặc false."))
	case reflect.Slice, reflect.Array:
		return workflow.Errorf(workflow.EBADREQUEST, "Trường %s phải là một mảng JSON.", field).
			WithFields(workflow.Field(field, "Phải là một mảng JSON."))
	}
	return workflow.Errorf(workflow.EBADREQUEST, "Trường %s phải là một đối tượng JSON.", field).
		WithFields(workflow.Field(field, "Phải là một đối tượng JSON."))
}

// errCommaDecimal answers a number written with a decimal comma, the
// Vietnamese way, which JSON does not read.
func errCommaDecimal(field string) error {
	return workflow.Errorf(workflow.EBADREQUEST, "Trường %s: số thập phân phải dùng dấu chấm (0.5), không dùng dấu phẩy (0,5).", field).
		WithFields(workflow.Field(field, "Dùng dấu chấm thập phân: 0.5, không phải 0,5."))
}

// commaNumber is a key followed by a number with a decimal comma, "x": 0,5,
// which JSON reads as the number 0 and then a broken key.
var commaNumber = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"\s*:\s*-?\d+,\d`)

// commaDecimal finds the key whose value has a decimal comma at the syntax
// error at offset.
func commaDecimal(body []byte, offset int64) (string, bool) {
	for _, m := range commaNumber.FindAllSubmatchIndex(body, -1) {
		if int64(m[0]) < offset && offset <= int64(m[1])+1 {
			return string(body[m[2]:m[3]]), true
		}
	}
	return "", false
}

// checkKeys walks body's objects alongside t: a key sent twice in one
// object, or one that names a declared field only when letter case is
// ignored, is 400 naming the key. Malformed JSON passes: the decoder then
// says what is wrong with it.
func checkKeys(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err := walkKeys(dec, t, "")
	var bad *workflow.Error
	if errors.As(err, &bad) {
		return err
	}
	return nil
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

func walkKeys(dec *json.Decoder, t reflect.Type, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (reflect.PointerTo(t).Implements(unmarshaler) || t.Kind() == reflect.Interface) {
		t = nil // its own decoder: only duplicates are checked inside
	}
	switch delim {
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walkKeys(dec, elem, keyPath(path, strconv.Itoa(i))); err != nil {
				return err
			}
		}
	case '{':
		fields := declared(t)
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			p := keyPath(path, key)
			if seen[key] {
				return workflow.Errorf(workflow.EBADREQUEST, "Khóa «%s» được gửi hai lần trong cùng một đối tượng JSON.", p).
					WithFields(workflow.Field(p, "Khóa bị lặp lại."))
			}
			seen[key] = true
			var next reflect.Type
			switch {
			case t != nil && t.Kind() == reflect.Map:
				next = t.Elem()
			case fields != nil:
				ft, ok := fields[key]
				if !ok {
					for name := range fields {
						if strings.EqualFold(name, key) {
							return workflow.Errorf(workflow.EBADREQUEST, "Khóa «%s» phải viết đúng chữ hoa, chữ thường: «%s».", p, name).
								WithFields(workflow.Field(p, "Viết đúng là «%s».", name))
						}
					}
				}
				next = ft
			}
			if err := walkKeys(dec, next, p); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing ] or }
	return err
}

// declared maps the JSON names of a struct's fields (embedded structs'
// included) to their types; nil for anything but a struct.
func declared(t reflect.Type) map[string]reflect.Type {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	out := map[string]reflect.Type{}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || len(f.Index) > 1 && !embeddedPath(t, f.Index) {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			continue // its fields are listed on their own
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// embeddedPath: every struct on the way to a promoted field is embedded
// without a JSON name, so the field is promoted in JSON too.
func embeddedPath(t reflect.Type, index []int) bool {
	for _, i := range index[:len(index)-1] {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" {
			return false
		}
		if t = f.Type; t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
	}
	return true
}

func keyPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "/" + key
}

// writeJSON answers v as JSON with the status, not HTML-escaped (the
// answers are JSON, never HTML).
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // "Sở Văn hóa & Thể thao", not "\u0026"
	enc.Encode(v)
}

// pathID reads an integer path parameter; anything else is 404, as no such
// resource exists.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		return 0, workflow.Errorf(workflow.ENOTFOUND, "Không tìm thấy %s «%s».", name, chi.URLParam(r, name))
	}
	return id, nil
}

// ifMatch reads If-Match: nil when absent or "*". A value that is not a
// version can match none, so it becomes -1 and is answered 412 in its turn.
func ifMatch(r *http.Request) *int64 {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" || v == "*" {
		return nil
	}
	n, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(v, "W/"), `"`), 10, 64)
	if err != nil {
		n = -1
	}
	return &n
}

// etag is a report version as an entity tag.
func etag(version int64) string { return fmt.Sprintf("%q", strconv.FormatInt(version, 10)) }

// parsePoints reads a score from raw JSON: null clears it, a string or any
// other non-number is 400 (a decimal comma, "0,5", says to use a point), a
// number with more than two decimals 422.
func parsePoints(raw json.RawMessage, field string) (*workflow.Points, error) {
	t := strings.TrimSpace(string(raw))
	if t == "" || t == "null" {
		return nil, nil
	}
	if t[0] == '"' {
		var text string
		if json.Unmarshal(raw, &text) == nil {
			if decimalComma.MatchString(text) {
				return nil, errCommaDecimal(field)
			}
			if _, err := workflow.ParsePoints(text); err == nil {
				return nil, workflow.Errorf(workflow.EBADREQUEST, "Trường %s phải là một số JSON, không đặt trong dấu ngoặc kép: %s thay vì \"%s\".", field, text, text).
					WithFields(workflow.Field(field, "Phải là một số, không phải chuỗi."))
			}
		}
	}
	if c := t[0]; c != '-' && (c < '0' || c > '9') {
		return nil, workflow.Errorf(workflow.EBADREQUEST, "Trường %s phải là một số hoặc null.", field).
			WithFields(workflow.Field(field, "Phải là một số, ví dụ 0.75, hoặc null."))
	}
	p, err := workflow.ParsePoints(t)
	if err != nil {
		return nil, workflow.Errorf(workflow.EINVALID, "Trường %s: %s không phải là một điểm hợp lệ; điểm có tối đa hai chữ số thập phân sau dấu chấm, ví dụ 0.75.", field, t).
			WithFields(workflow.Field(field, "Tối đa hai chữ số thập phân, dùng dấu chấm, ví dụ 0.75."))
	}
	return &p, nil
}

// decimalComma is a number written with a decimal comma: "0,5", "-1,25".
var decimalComma = regexp.MustCompile(`^\s*[-+]?\d+,\d+\s*$`)

// parseTime reads a full date-time, in the province's zone when it has no
// offset; a date alone or anything else is 422 naming the field.
func (s *Server) parseTime(v, field string) (time.Time, error) {
	t, err := workflow.ParseTime(v, s.zone)
	if err != nil {
		return t, workflow.Errorf(workflow.EINVALID, "%s: «%s» không phải là một thời điểm đầy đủ, ví dụ 2026-11-25T17:00:00+07:00.", field, v).
			WithFields(workflow.Field(field, "Cần một thời điểm đầy đủ, ví dụ 2026-11-25T17:00:00+07:00."))
	}
	return t, nil
}
