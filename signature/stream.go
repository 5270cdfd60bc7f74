package signature

import (
	"bytes"
	"compress/zlib"
	"io"
)

// streamData returns the decoded data of s, which must be small: only xref
// and object streams are ever decoded.
func (d *document) streamData(s *pdfStream) ([]byte, error) {
	v, err := d.resolve(s.hdr["Length"])
	if err != nil {
		return nil, err
	}
	length, ok := v.(int64)
	if !ok || length < 0 || length > maxDecoded || s.offset+length > d.size {
		return nil, syntaxf("stream at offset %d has a bad /Length", s.offset)
	}
	// What the check holds in memory is charged to the document's budget,
	// the raw bytes as well as what they decode to.
	if err := spend(&d.b.decoded, length); err != nil {
		return nil, err
	}
	raw := make([]byte, length)
	if n, err := d.r.ReadAt(raw, s.offset); err != nil && err != io.EOF {
		return nil, &readError{err}
	} else if n < len(raw) {
		return nil, syntaxf("stream at offset %d runs past the end of the file", s.offset)
	}
	filters, params := s.hdr["Filter"], s.hdr["DecodeParms"]
	if f, ok := filters.(pdfName); ok {
		filters, params = pdfArray{f}, pdfArray{params}
	}
	list, _ := filters.(pdfArray)
	plist, _ := params.(pdfArray)
	data := raw
	for i, f := range list {
		if f != pdfName("FlateDecode") {
			return nil, syntaxf("unsupported stream filter %v", f)
		}
		var p pdfDict
		if i < len(plist) {
			p, _ = plist[i].(pdfDict)
		}
		if data, err = inflate(data, p, d.b); err != nil {
			return nil, err
		}
	}
	return data, nil
}

// inflate undoes FlateDecode and the PNG predictors xref streams use; what
// it decodes is charged to bud, and it stops as soon as that runs out.
func inflate(b []byte, params pdfDict, bud *budget) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, syntaxf("bad compressed stream: %v", err)
	}
	limit := min(maxDecoded, max(bud.decoded, 0))
	out, err := io.ReadAll(io.LimitReader(tickingReader{zr, bud}, limit+1))
	if isReadError(err) {
		return nil, err
	} else if err != nil {
		return nil, syntaxf("bad compressed stream: %v", err)
	} else if int64(len(out)) > limit && limit < maxDecoded {
		return nil, errOver()
	} else if len(out) > maxDecoded {
		return nil, syntaxf("stream decodes to more than %d bytes", maxDecoded)
	}
	if err := spend(&bud.decoded, int64(len(out))); err != nil {
		return nil, err
	}
	predictor, _ := params["Predictor"].(int64)
	if predictor <= 1 {
		return out, nil
	} else if predictor < 10 {
		return nil, syntaxf("unsupported predictor %d", predictor)
	}
	columns, ok := params["Columns"].(int64)
	if !ok {
		columns = 1
	}
	colors, ok := params["Colors"].(int64)
	if !ok {
		colors = 1
	}
	bits, ok := params["BitsPerComponent"].(int64)
	if !ok {
		bits = 8
	}
	if columns < 1 || colors < 1 || bits < 1 || columns > 1<<16 || colors > 32 || bits > 16 {
		return nil, syntaxf("bad predictor parameters")
	}
	if err := spend(&bud.decoded, int64(len(out))); err != nil {
		return nil, err
	}
	return unpredict(out, int(columns*colors*bits+7)/8, max(1, int(colors*bits)/8), bud)
}

// unpredict reverses PNG row filters: each row is a filter byte and width bytes.
func unpredict(b []byte, width, bpp int, bud *budget) ([]byte, error) {
	out := make([]byte, 0, len(b))
	prev := make([]byte, width)
	for len(b) > 0 {
		if err := bud.tick(); err != nil {
			return nil, err
		}
		if len(b) < width+1 {
			return nil, syntaxf("predicted stream ends inside a row")
		}
		filter, row := b[0], out[len(out):len(out)+width]
		copy(row, b[1:width+1])
		b = b[width+1:]
		for i := range row {
			var left, upLeft byte
			if i >= bpp {
				left, upLeft = row[i-bpp], prev[i-bpp]
			}
			switch filter {
			case 0:
			case 1:
				row[i] += left
			case 2:
				row[i] += prev[i]
			case 3:
				row[i] += byte((int(left) + int(prev[i])) / 2)
			case 4:
				row[i] += paeth(left, prev[i], upLeft)
			default:
				return nil, syntaxf("bad PNG filter %d", filter)
			}
		}
		out = out[:len(out)+width]
		prev = row
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	} else if pb <= pc {
		return b
	}
	return c
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
