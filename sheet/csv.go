package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"

	"parindex/workflow"
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// readCSV reads CSV text: UTF-8 with or without a byte-order mark, or UTF-16
// with one (Excel's "Unicode Text"). The separator is whichever of , ; and tab
// is most frequent outside quotes in the first lines: Excel in a Vietnamese
// locale writes ";" because "," is the decimal mark there.
func readCSV(data []byte, name string) ([][]string, error) {
	text, err := decodeText(data, name)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = separator(text)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false

	// encoding/csv skips blank lines, but a spreadsheet opening the file
	// counts them as rows: keep them, so that row numbers are the ones the
	// official sees. A quoted cell spanning lines is still one row.
	var rows [][]string
	lastLine := 0 // the last line of the previous record
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, workflow.Errorf(workflow.EINVALID, "Tệp%s không phải CSV hợp lệ: %v.", named(name), err)
		}
		line, _ := r.FieldPos(0)
		for ; lastLine+1 < line && len(rows) <= MaxRows; lastLine++ {
			rows = append(rows, nil)
		}
		last := len(rec) - 1
		end, _ := r.FieldPos(last)
		lastLine = end + strings.Count(rec[last], "\n")
		rec = trim(rec)
		if len(rec) > MaxColumns {
			return nil, errTooManyColumns()
		}
		rows = append(rows, rec)
		if len(rows) > MaxRows {
			return nil, errTooManyRows()
		}
	}
	return trimRows(rows), nil
}

// decodeText returns the file as UTF-8 without a byte-order mark.
func decodeText(data []byte, name string) (string, error) {
	var err error
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		data = data[len(bomUTF8):]
	case bytes.HasPrefix(data, bomUTF16LE):
		data, err = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
	case bytes.HasPrefix(data, bomUTF16BE):
		data, err = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
	}
	if err != nil || !utf8.Valid(data) {
		return "", workflow.Errorf(workflow.EINVALID,
			"Tệp%s không phải sổ tính Excel (.xlsx) cũng không phải văn bản UTF-8: hãy lưu thành Excel Workbook (.xlsx) hoặc CSV UTF-8 (Comma delimited).",
			named(name))
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", workflow.Errorf(workflow.EINVALID, "Tệp%s chứa dữ liệu nhị phân, không phải văn bản: hãy gửi sổ tính Excel (.xlsx) hoặc tệp CSV.", named(name))
	}
	return string(data), nil
}

// separator guesses the field separator from the first 20 lines.
func separator(text string) rune {
	counts := map[rune]int{}
	quoted, lines := false, 0
	for _, c := range text {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			if lines++; lines >= 20 {
				return best(counts)
			}
		case c == ',' || c == ';' || c == '\t':
			counts[c]++
		}
	}
	return best(counts)
}

func best(counts map[rune]int) rune {
	sep := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[sep] {
			sep = c
		}
	}
	return sep
}

// trimRows drops the blank rows at the end of a sheet.
func trimRows(rows [][]string) [][]string {
	n := len(rows)
	for n > 0 && len(rows[n-1]) == 0 {
		n--
	}
	return rows[:n]
}
