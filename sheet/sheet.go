// Package sheet reads the first table of a spreadsheet someone uploads — CSV
// or XLSX — as rows of strings, guarded against files that are too large or
// unpack to far more than they weigh.
package sheet

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"path"
	"strings"

	"parindex/workflow"
)

// Limits on what one sheet may hold once read. A list of officials has a few
// dozen rows; these only keep a hostile file from costing much memory or time.
const (
	// MaxUnzipped caps what an XLSX may unpack to, all its parts together.
	MaxUnzipped = 16 << 20
	// MaxRows caps the rows of the sheet, counting blank ones.
	MaxRows = 10000
	// MaxColumns caps the cells of one row, counting blank ones before the last.
	MaxColumns = 256
)

// The media types of the two formats read, and of the old binary Excel one.
const (
	TypeCSV  = "text/csv"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	typeXLS  = "application/vnd.ms-excel"
)

var (
	zipMagic  = []byte("PK\x03\x04")
	ole2Magic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// Read reads the first worksheet of an XLSX file or the rows of a CSV file
// from r, every cell as a string (numbers and dates as the sheet displays
// them); rows[0] is the sheet's row 1 and blank rows keep their place. The
// content decides the format: an XLSX is a zip (it starts with "PK"),
// anything else is CSV. name and contentType, either may be empty, only
// sharpen the messages (a file named .xlsx that is not a zip is refused
// rather than read as text).
//
// Errors: ETOOLARGE when r holds more than limit bytes, an XLSX unpacks to
// more than MaxUnzipped or the sheet exceeds MaxRows or MaxColumns;
// EUNSUPPORTED for an old .xls (or password-protected) workbook; EINVALID for
// a damaged workbook or CSV that is not UTF-8 text.
func Read(r io.Reader, limit int64, name, contentType string) ([][]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, workflow.Errorf(workflow.EBADREQUEST, "Không đọc được tệp%s: %v.", named(name), err)
	}
	if int64(len(data)) > limit {
		return nil, workflow.Errorf(workflow.ETOOLARGE, "Tệp%s lớn hơn %d byte.", named(name), limit)
	}
	switch {
	case bytes.HasPrefix(data, ole2Magic):
		return nil, workflow.Errorf(workflow.EUNSUPPORTED,
			"Tệp%s là sổ tính Excel 97-2003 (.xls) cũ hoặc có mật khẩu: hãy lưu thành Excel Workbook (.xlsx) không mật khẩu, hoặc CSV UTF-8.",
			named(name))
	case bytes.HasPrefix(data, zipMagic):
		return readXLSX(data, name)
	}
	switch claimed(name, contentType) {
	case TypeXLSX:
		return nil, workflow.Errorf(workflow.EINVALID, "Tệp%s không phải sổ tính Excel (.xlsx): đó không phải tệp zip.", named(name))
	case typeXLS:
		return nil, workflow.Errorf(workflow.EUNSUPPORTED,
			"Tệp%s không phải sổ tính Excel (.xlsx) (tệp .xls cũ, hay trang web lưu thành .xls?): hãy lưu thành Excel Workbook (.xlsx) hoặc CSV UTF-8.",
			named(name))
	}
	return readCSV(data, name)
}

// claimed is the workbook format the name promises, or the media type when
// the name has no extension: TypeXLSX, typeXLS or "". The media type alone
// never claims .xls, as Windows browsers label every .csv file
// application/vnd.ms-excel.
func claimed(name, contentType string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".xlsx", ".xlsm":
		return TypeXLSX
	case ".xls":
		return typeXLS
	case "":
		if mt, _, _ := mime.ParseMediaType(contentType); mt == TypeXLSX {
			return TypeXLSX
		}
	}
	return ""
}

// named names the file in a message, right after the word for file
// ("Tệp%s", "The file%s"): ` «officials.xlsx»`, or nothing when the upload
// had no name.
func named(name string) string {
	if name == "" {
		return ""
	}
	return " «" + path.Base(strings.ReplaceAll(name, `\`, "/")) + "»"
}

// errTooManyRows and errTooManyColumns answer a sheet larger than is read.
func errTooManyRows() error {
	return workflow.Errorf(workflow.ETOOLARGE, "Bảng tính có hơn %d dòng.", MaxRows)
}

func errTooManyColumns() error {
	return workflow.Errorf(workflow.ETOOLARGE, "Bảng tính có hơn %d cột.", MaxColumns)
}

// trim drops the blank cells at the end of a row.
func trim(row []string) []string {
	n := len(row)
	for n > 0 && strings.TrimSpace(row[n-1]) == "" {
		n--
	}
	return row[:n]
}

// asError keeps domain errors and wraps anything else as EINVALID.
func asError(err error, format string, args ...any) error {
	var e *workflow.Error
	if errors.As(err, &e) {
		return e
	}
	return workflow.Errorf(workflow.EINVALID, format, args...)
}
