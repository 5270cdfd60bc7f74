package evidence

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"unicode/utf16"

	"github.com/gabriel-vasile/mimetype"

	"parindex/workflow"
)

// The media types evidence may have, by their standard names.
const (
	PDF  = "application/pdf"
	DOC  = "application/msword"
	DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	XLS  = "application/vnd.ms-excel"
	XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	ODT  = "application/vnd.oasis.opendocument.text"
	ODS  = "application/vnd.oasis.opendocument.spreadsheet"
	JPEG = "image/jpeg"
	PNG  = "image/png"
)

var mediaTypes = [...]string{PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, JPEG, PNG}

// MediaTypes lists every accepted media type.
func MediaTypes() []string { return slices.Clone(mediaTypes[:]) }

// sniffLen is how much of the head is kept for sniffing: mimetype's own read
// limit. That limit is process-wide state we leave alone; the two containers
// whose telling parts may lie further in (a ZIP whose Office parts come after
// a large first entry, an OLE2 file whose directory sits near its end) are
// looked into in the spooled file instead, a bounded number of bytes at a time.
const sniffLen = 4096

// sniffer watches the first bytes of an upload go by and names its type.
type sniffer struct {
	head      [sniffLen]byte
	n         int
	decided   bool
	mediaType string // known from the head alone
	container string // "zip" or "ole": the head alone cannot tell
}

// write keeps what it still needs of p and, once the head is full, refuses
// content that can never be evidence, so that the rest is not even read.
func (s *sniffer) write(p []byte) error {
	if s.decided {
		return nil
	}
	if s.n += copy(s.head[s.n:], p); s.n < len(s.head) {
		return nil
	}
	return s.decide()
}

// decide names the type from the head, or notes the container to look into.
func (s *sniffer) decide() error {
	s.decided = true
	m := mimetype.Detect(s.head[:s.n])
	// Walk up so that variants (APNG, OpenDocument templates) count as their format.
	for t := m; t != nil; t = t.Parent() {
		if i := slices.IndexFunc(mediaTypes[:], t.Is); i >= 0 {
			s.mediaType = mediaTypes[i]
			return nil
		}
	}
	switch {
	case m.Is("application/zip"):
		s.container = "zip"
	case m.Is("application/x-ole-storage"):
		s.container = "ole"
	default:
		return unsupported(m.String())
	}
	return nil
}

// finish names the type of the whole spooled file f.
func (s *sniffer) finish(f io.ReaderAt, size int64) (string, error) {
	if !s.decided {
		if err := s.decide(); err != nil {
			return "", err
		}
	}
	var (
		mediaType = s.mediaType
		err       error
	)
	switch s.container {
	case "zip":
		mediaType, err = zipType(f, size)
	case "ole":
		mediaType, err = oleType(f, size)
	}
	if err != nil {
		return "", err
	} else if mediaType == "" {
		return "", unsupported(s.container)
	}
	return mediaType, nil
}

func unsupported(what string) error {
	return workflow.Errorf(workflow.EUNSUPPORTED,
		"Tài liệu kiểm chứng phải là tệp PDF, Word, Excel, OpenDocument, JPEG hoặc PNG; tệp này có định dạng %s.", what)
}

// readErr keeps real I/O failures and turns a short file into "not recognised".
func readErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return err
}

// zipType reads the central directory of a ZIP, which lists every part
// wherever it lies, and returns DOCX or XLSX for an Office Open XML package,
// "" for any other ZIP. ZIP64 archives are not recognised.
func zipType(f io.ReaderAt, size int64) (string, error) {
	const eocdLen = 22
	tail := make([]byte, min(size, eocdLen+0xffff))
	if _, err := f.ReadAt(tail, size-int64(len(tail))); err != nil {
		return "", readErr(err)
	}
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || len(tail)-i < eocdLen {
		return "", nil
	}
	eocd := tail[i:]
	entries := int(binary.LittleEndian.Uint16(eocd[10:]))
	dirSize := int64(binary.LittleEndian.Uint32(eocd[12:]))
	dirOffset := int64(binary.LittleEndian.Uint32(eocd[16:]))
	if dirOffset+dirSize > size {
		return "", nil
	}

	var contentTypes, word, xl bool
	dir := bufio.NewReaderSize(io.NewSectionReader(f, dirOffset, dirSize), 32<<10)
	var hdr [46]byte
	for range entries {
		if _, err := io.ReadFull(dir, hdr[:]); err != nil {
			return "", readErr(err)
		}
		if binary.LittleEndian.Uint32(hdr[:]) != 0x02014b50 {
			return "", nil
		}
		nameLen := int(binary.LittleEndian.Uint16(hdr[28:]))
		rest := int(binary.LittleEndian.Uint16(hdr[30:])) + int(binary.LittleEndian.Uint16(hdr[32:]))
		if nameLen <= 64 {
			name, err := dir.Peek(nameLen)
			if err != nil {
				return "", readErr(err)
			}
			contentTypes = contentTypes || string(name) == "[Content_Types].xml"
			word = word || bytes.HasPrefix(name, []byte("word/"))
			xl = xl || bytes.HasPrefix(name, []byte("xl/"))
		}
		if _, err := dir.Discard(nameLen + rest); err != nil {
			return "", readErr(err)
		}
	}
	switch {
	case contentTypes && word:
		return DOCX, nil
	case contentTypes && xl:
		return XLSX, nil
	}
	return "", nil
}

// oleType follows an OLE2 (compound file) directory, wherever it lies, and
// returns DOC or XLS when the root storage holds a Word or Excel stream, ""
// otherwise (PowerPoint, installers, mail, anything unreadable).
func oleType(f io.ReaderAt, size int64) (string, error) {
	const (
		endOfChain    = 0xfffffffa // ids at or above this end a chain
		maxDirSectors = 64         // 256 entries at 512 bytes a sector: far more than a document's root needs
		entryLen      = 128
	)
	var hdr [512]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return "", readErr(err)
	}
	shift := binary.LittleEndian.Uint16(hdr[30:])
	if shift != 9 && shift != 12 {
		return "", nil
	}
	secSize := int64(1) << shift
	offset := func(id uint32) int64 { return (int64(id) + 1) * secSize }
	// next follows the allocation table through the sectors the header lists
	// (the first 109, enough for 7 MB of 512-byte sectors; the directory's
	// first sector is named outright, so only long directories ever need more).
	next := func(id uint32) (uint32, error) {
		perSector := uint32(secSize / 4)
		i := id / perSector
		if i >= 109 {
			return endOfChain, nil
		}
		sat := binary.LittleEndian.Uint32(hdr[76+4*i:])
		if sat >= endOfChain {
			return endOfChain, nil
		}
		var b [4]byte
		if _, err := f.ReadAt(b[:], offset(sat)+4*int64(id%perSector)); err != nil {
			return endOfChain, readErr(err)
		}
		return binary.LittleEndian.Uint32(b[:]), nil
	}

	var dir []byte
	id := binary.LittleEndian.Uint32(hdr[48:])
	for n := 0; id < endOfChain && n < maxDirSectors && offset(id)+secSize <= size; n++ {
		dir = append(dir, make([]byte, secSize)...)
		if _, err := f.ReadAt(dir[len(dir)-int(secSize):], offset(id)); err != nil {
			return "", readErr(err)
		}
		var err error
		if id, err = next(id); err != nil {
			return "", err
		}
	}
	count := len(dir) / entryLen
	if count == 0 || dir[66] != 5 { // entry 0 must be the root storage
		return "", nil
	}

	// Walk the root's children: a red-black tree through the left, right
	// sibling ids. Embedded objects (a sheet inside a document) sit deeper and
	// must not decide the type.
	var word, book bool
	stack := []uint32{binary.LittleEndian.Uint32(dir[76:])}
	for visited := 0; len(stack) > 0 && visited < count; visited++ {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if id >= uint32(count) {
			continue
		}
		e := dir[int(id)*entryLen:][:entryLen]
		if e[66] == 2 { // a stream
			nameLen := min(int(binary.LittleEndian.Uint16(e[64:])), 64)
			name := oleName(e[:nameLen])
			word = word || name == "WordDocument"
			book = book || name == "Workbook" || name == "Book"
		}
		stack = append(stack, binary.LittleEndian.Uint32(e[68:]), binary.LittleEndian.Uint32(e[72:]))
	}
	switch {
	case word:
		return DOC, nil
	case book:
		return XLS, nil
	}
	return "", nil
}

// oleName decodes a directory entry's UTF-16LE, NUL-terminated name.
func oleName(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}
