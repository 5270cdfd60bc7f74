package evidence

import (
	"bufio"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"parindex/workflow"
)

// MultipartSlack is what a multipart body may carry besides the file
// itself: boundaries, headers, a few small fields. Cap a body at the
// largest file plus this.
const MultipartSlack = 64 << 10

// ReceiveMultipart streams the multipart/form-data field "file" of body to a
// spool file in spool, checking its size and type as it goes; it never holds
// the file in memory. It returns the upload and the file's name as it will
// be stored and shown: without controls and bidi marks (CleanName), and
// refused, not cut, when too long (the name comes before the file: nothing
// is read then). The caller closes the upload. Answers EUNSUPPORTED (415)
// for a body that is not multipart/form-data, ETOOLARGE (413) past maxSize
// or a body capped with http.MaxBytesReader, EINVALID (422) without a file
// field or with a name too long, EBADREQUEST (400) for a body that breaks
// off; a spool that cannot be written is the server's error.
func ReceiveMultipart(body io.Reader, contentType string, maxSize int64, spool string) (*Upload, string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" {
		return nil, "", workflow.Errorf(workflow.EUNSUPPORTED, "Hãy gửi tệp dạng multipart/form-data trong trường \"file\".")
	}
	if params["boundary"] == "" {
		return nil, "", workflow.Errorf(workflow.EBADREQUEST, "Nội dung multipart thiếu boundary.")
	}
	// multipart reads through a 4 KB buffer: a larger one in front of it
	// turns a 200 MB upload from 50,000 socket reads into a few hundred.
	mr := multipart.NewReader(bufio.NewReaderSize(body, 256<<10), params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, "", workflow.Errorf(workflow.EINVALID, "Yêu cầu không có tệp.").
				WithFields(workflow.Field("file", "Bắt buộc."))
		} else if err != nil {
			return nil, "", bodyError(err)
		}
		if part.FormName() != "file" {
			if _, err := io.Copy(io.Discard, part); err != nil {
				return nil, "", bodyError(err)
			}
			continue
		}
		name := CleanName(part.FileName())
		if err := workflow.LimitFileName.Check("file", name); err != nil {
			return nil, "", err
		}
		if name == "" {
			name = DefaultName
		}
		up, err := Receive(part, maxSize, spool)
		if errors.Is(err, ErrBodyRead) {
			return nil, "", bodyError(err)
		} else if err != nil {
			return nil, "", err
		}
		return up, name, nil
	}
}

// bodyError turns a body that broke off at the size limit into 413 and one
// that broke off otherwise, or is malformed, into 400, without the reader's
// error text (which may name the server's address).
func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return workflow.Errorf(workflow.ETOOLARGE, "Tệp lớn hơn %d byte.", tooBig.Limit-MultipartSlack)
	}
	if workflow.ErrorCode(err) != workflow.EINTERNAL {
		return err
	}
	return errUploadBroken
}

// errUploadBroken answers an upload whose body could not be read to its end.
var errUploadBroken = workflow.Errorf(workflow.EBADREQUEST, "Tệp tải lên bị ngắt giữa chừng hoặc không đúng định dạng multipart.")
