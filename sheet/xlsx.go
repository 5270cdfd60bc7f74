package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"parindex/workflow"
)

// readXLSX reads the first worksheet of a workbook. The zip is checked before
// excelize sees it: its parts must declare at most MaxUnzipped bytes in all
// and really inflate to what they declare, so neither a zip bomb nor a part
// that lies about its size can make the server unpack more than that.
func readXLSX(data []byte, name string) (rows [][]string, err error) {
	// A workbook is hostile input to a large parser: should excelize panic
	// on one, the file is refused rather than the process (or the request)
	// brought down.
	defer func() {
		if p := recover(); p != nil {
			rows, err = nil, notWorkbook(name)
		}
	}()
	if err := checkZip(data, name); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		// Both at MaxUnzipped: everything stays in memory (no temporary
		// files), and excelize refuses more on its own as well.
		UnzipSizeLimit:    MaxUnzipped,
		UnzipXMLSizeLimit: MaxUnzipped,
	})
	if err != nil {
		if strings.Contains(err.Error(), "unzip size exceeds") {
			return nil, errUnzipped(name)
		}
		return nil, notWorkbook(name)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, notWorkbook(name)
	}
	it, err := f.Rows(sheets[0])
	if err != nil {
		return nil, notWorkbook(name)
	}
	defer it.Close()

	// Next visits every row number in turn, gaps included, so the index is
	// the sheet's row number less one. A blank row past MaxRows is harmless
	// (Excel writes empty formatted rows); one with data is refused.
	for n := 1; it.Next(); n++ {
		row, err := it.Columns()
		if err != nil {
			return nil, asError(err, "Tệp%s: không đọc được dòng %d.", named(name), n)
		}
		if row = trim(row); len(row) == 0 {
			continue
		}
		if n > MaxRows {
			return nil, errTooManyRows()
		}
		if len(row) > MaxColumns {
			return nil, errTooManyColumns()
		}
		for len(rows) < n-1 {
			rows = append(rows, nil)
		}
		rows = append(rows, row)
	}
	if err := it.Error(); err != nil {
		if errors.Is(err, excelize.ErrMaxRows) {
			return nil, errTooManyRows()
		}
		return nil, notWorkbook(name)
	}
	return rows, nil
}

// checkZip refuses a zip whose parts declare more than MaxUnzipped bytes in
// all, or that inflate to other than what they declare (a forged size, a
// damaged file). Inflating to check costs at most MaxUnzipped bytes of work
// and no memory.
func checkZip(data []byte, name string) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return notWorkbook(name)
	}
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if zf.UncompressedSize64 > MaxUnzipped || total > MaxUnzipped {
			return errUnzipped(name)
		}
	}
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return notWorkbook(name)
		}
		// archive/zip fails a part that inflates past its declared size or
		// to a wrong checksum; the limit is a second guard.
		n, err := io.Copy(io.Discard, io.LimitReader(rc, int64(zf.UncompressedSize64)+1))
		rc.Close()
		if err != nil || uint64(n) != zf.UncompressedSize64 {
			return notWorkbook(name)
		}
	}
	return nil
}

func errUnzipped(name string) error {
	return workflow.Errorf(workflow.ETOOLARGE, "Tệp%s giải nén ra hơn %d MB, trong khi danh sách cán bộ nhỏ hơn nhiều. Có đúng tệp không?",
		named(name), MaxUnzipped>>20)
}

func notWorkbook(name string) error {
	return workflow.Errorf(workflow.EINVALID, "Tệp%s không phải sổ tính Excel (.xlsx) đọc được: có thể tệp bị hỏng; hãy mở bằng Excel và lưu lại, hoặc lưu thành CSV UTF-8.",
		named(name))
}
