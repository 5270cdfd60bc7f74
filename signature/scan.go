package signature

import (
	"bytes"
	"io"
)

// lastIndex returns the offset of the last occurrence of pat in the last
// window bytes of r, or -1, reading backwards in chunks. The window keeps a
// large file that is not a PDF from being read whole.
func lastIndex(r io.ReaderAt, size, window int64, pat []byte) (int64, error) {
	const chunk = 64 << 10
	buf := make([]byte, chunk+len(pat))
	floor := max(0, size-window)
	for end := size; end > floor; {
		start := max(floor, end-chunk)
		n, err := r.ReadAt(buf[:min(end+int64(len(pat)), size)-start], start)
		if err != nil && err != io.EOF {
			return 0, &readError{err}
		}
		if i := bytes.LastIndex(buf[:n], pat); i >= 0 {
			return start + int64(i), nil
		}
		end = start
	}
	return -1, nil
}

// eachIndex calls fn with the offset of every occurrence of pat in r, in
// order, reading forwards in chunks.
func eachIndex(r io.ReaderAt, size int64, pat []byte, fn func(int64) error) error {
	const chunk = 64 << 10
	buf := make([]byte, chunk+len(pat))
	for start := int64(0); start < size; start += chunk {
		n, err := r.ReadAt(buf[:min(start+chunk+int64(len(pat))-1, size)-start], start)
		if err != nil && err != io.EOF {
			return &readError{err}
		}
		for i := 0; ; {
			j := bytes.Index(buf[i:n], pat)
			if j < 0 {
				break
			}
			if err := fn(start + int64(i+j)); err != nil {
				return err
			}
			i += j + 1
		}
	}
	return nil
}
