package signature

import (
	"bytes"
	"context"
	"io"
	"slices"
	"time"
)

// What an incremental update changed, from the reader's point of view. A
// signing tool's update is form (and validation and metadata) only; the
// others change what the document shows or how it is built.
const (
	ChangeContent     = "content"     // page content streams, resources, fonts, images
	ChangePages       = "pages"       // the pages tree or a page's other attributes: pages added, removed, resized
	ChangeAnnotations = "annotations" // annotations other than signature fields, added to or removed from pages
	ChangeForm        = "form"        // signature fields, their widgets and appearances, the AcroForm, DocMDP
	ChangeValidation  = "validation"  // long-term validation data: /DSS, /VRI
	ChangeMetadata    = "metadata"    // the document information dictionary, XMP metadata
	ChangeStructure   = "structure"   // anything else: another object replaced or freed, other catalog entries, encryption, bytes that are no update
)

// SigningChanges are the changes a signing tool makes: anything else after
// the exported bytes means the content was changed after export.
var SigningChanges = []string{ChangeForm, ChangeValidation, ChangeMetadata}

// OnlySigning reports whether every change is one a signing tool makes.
func OnlySigning(changes []string) bool {
	for _, c := range changes {
		if !slices.Contains(SigningChanges, c) {
			return false
		}
	}
	return true
}

// Changes says what the bytes of r between from and to did to the document,
// as the revision that ends at to differs from the revision that ends at
// from: none (nil) when the objects a reader resolves are the same, else the
// sorted kinds of change. Bytes that are no incremental update on top of the
// revision at from are ChangeStructure. Like Verify it is bounded: over
// budget it returns ErrTooComplex (wrapped), and ctx's error when ctx ends.
func Changes(ctx context.Context, r io.ReaderAt, from, to int64, timeout time.Duration) ([]string, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b := newBudget(ctx, to)
	return changes(guardedReader{r, b}, from, to, b)
}

// changes is Changes on a guarded reader with a budget already running.
func changes(r io.ReaderAt, from, to int64, b *budget) ([]string, error) {
	if from <= 0 || from >= to {
		return nil, nil
	}
	found := map[string]bool{}
	structure := func() ([]string, error) { return []string{ChangeStructure}, nil }
	older, err := openDocument(r, from, b)
	if isReadError(err) {
		return nil, err
	} else if err != nil {
		return structure()
	}
	newer, err := openDocument(r, to, b)
	if isReadError(err) {
		return nil, err
	} else if err != nil {
		return structure()
	}
	inc, ok := increment(older, newer, from)
	if !ok {
		return structure()
	}
	if _, ok := newer.trailer["Encrypt"]; ok && older.trailer["Encrypt"] == nil {
		found[ChangeStructure] = true
	}
	if oldSize, ok := older.trailer["Size"].(int64); ok {
		if newSize, ok := newer.trailer["Size"].(int64); !ok || newSize < oldSize {
			found[ChangeStructure] = true
		}
	}
	c := &comparison{older: older, newer: newer, b: b, found: found}
	if err := c.catalog(); err != nil {
		return nil, err
	}
	listed, err := listed(inc, b)
	if err != nil {
		return nil, err
	}
	for _, num := range listed {
		if err := c.object(num); err != nil {
			return nil, err
		}
	}
	out := make([]string, 0, len(found))
	for k := range found {
		out = append(out, k)
	}
	slices.Sort(out)
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// increment returns the sections the newer revision adds on top of the
// older: those at or after from, newest first. The rest of the newer chain
// must be exactly the older one, so that the update changes nothing a
// reader resolves except through the sections it adds.
func increment(older, newer *document, from int64) ([]*xrefPart, bool) {
	k := 0
	for k < len(newer.sections) && newer.sections[k].offset >= from {
		k++
	}
	rest := newer.sections[k:]
	if k == 0 || len(rest) != len(older.sections) {
		return nil, false
	}
	for i, part := range rest {
		if part.offset != older.sections[i].offset {
			return nil, false
		}
	}
	return newer.sections[:k], true
}

// listed returns every object number the sections list, in ascending order.
func listed(parts []*xrefPart, b *budget) ([]int64, error) {
	seen := map[int64]bool{}
	var out []int64
	add := func(num int64) error {
		if err := b.tick(); err != nil {
			return err
		}
		if !seen[num] {
			seen[num] = true
			out = append(out, num)
		}
		return nil
	}
	for _, part := range parts {
		if part.table {
			for _, sub := range part.subs {
				for i := range sub.offsets {
					if err := add(sub.first + int64(i)); err != nil {
						return nil, err
					}
				}
			}
			continue
		}
		rowLen := int64(part.w[0] + part.w[1] + part.w[2])
		rows := int64(0)
		if rowLen > 0 {
			rows = int64(len(part.rows)) / rowLen
		}
		for i := 0; i < len(part.index); i += 2 {
			first, count := part.index[i], min(part.index[i+1], rows)
			for n := int64(0); n < count; n++ {
				if err := add(first + n); err != nil {
					return nil, err
				}
			}
			rows -= count
		}
	}
	slices.Sort(out)
	return out, nil
}

// comparison holds the two revisions and what has been found so far.
type comparison struct {
	older, newer *document
	b            *budget
	found        map[string]bool
	rootNum      int64 // the older catalog's object number
}

// catalog compares the catalogs the two trailers name, whether or not the
// update gave the catalog a new number (signing tools often do).
func (c *comparison) catalog() error {
	oldRef, _ := c.older.trailer["Root"].(pdfRef)
	newRef, _ := c.newer.trailer["Root"].(pdfRef)
	c.rootNum = oldRef.num
	oldCat, err := c.older.resolve(oldRef)
	if err != nil {
		return c.fail(err)
	}
	newCat, err := c.newer.resolve(newRef)
	if err != nil {
		return c.fail(err)
	}
	od, ok1 := oldCat.(pdfDict)
	nd, ok2 := newCat.(pdfDict)
	if !ok1 || !ok2 {
		c.found[ChangeStructure] = true
		return nil
	}
	for _, key := range unionKeys(od, nd) {
		eq, err := c.equal(od[key], nd[key], 0)
		if err != nil {
			return err
		} else if eq {
			continue
		}
		switch key {
		case "AcroForm", "Perms", "Version":
			c.found[ChangeForm] = true
		case "DSS":
			c.found[ChangeValidation] = true
		case "Metadata":
			c.found[ChangeMetadata] = true
		case "Pages":
			c.found[ChangePages] = true
		default:
			c.found[ChangeStructure] = true
		}
	}
	return nil
}

// fail keeps read and budget errors and counts anything else (an object that
// cannot be read) as a structural change.
func (c *comparison) fail(err error) error {
	if isReadError(err) {
		return err
	}
	c.found[ChangeStructure] = true
	return nil
}

// object classifies what the update did to object num.
func (c *comparison) object(num int64) error {
	if num == c.rootNum {
		return nil // compared as the catalog
	}
	oe, err := c.older.lookup(num)
	if err != nil {
		return c.fail(err)
	}
	ne, err := c.newer.lookup(num)
	if err != nil {
		return c.fail(err)
	}
	switch {
	case oe.kind == 0:
		return nil // a new object: it counts only where a replaced one refers to it
	case ne.kind == 0:
		c.found[ChangeStructure] = true // an existing object freed
		return nil
	}
	oldVal, err := c.older.resolve(pdfRef{num: num})
	if err != nil {
		return c.fail(err)
	}
	newVal, err := c.newer.resolve(pdfRef{num: num})
	if err != nil {
		return c.fail(err)
	}
	if eq, err := c.equal(oldVal, newVal, 0); err != nil || eq {
		return err
	}
	if info, ok := c.older.trailer["Info"].(pdfRef); ok && info.num == num {
		c.found[ChangeMetadata] = true
		return nil
	}
	return c.replaced(oldVal, newVal)
}

// replaced classifies an object whose value changed by what it was.
func (c *comparison) replaced(oldVal, newVal any) error {
	switch o := oldVal.(type) {
	case *pdfStream:
		switch {
		case o.hdr["Type"] == pdfName("Metadata"):
			c.found[ChangeMetadata] = true
		case o.hdr["Type"] == pdfName("ObjStm"), o.hdr["Type"] == pdfName("XRef"):
			c.found[ChangeStructure] = true
		default:
			c.found[ChangeContent] = true // page content, images, fonts, forms
		}
		return nil
	case pdfArray:
		return c.array(o, newVal)
	case pdfDict:
		nd, _ := newVal.(pdfDict)
		switch {
		case o["Type"] == pdfName("Page") && nd != nil:
			return c.page(o, nd)
		case o["Type"] == pdfName("Pages"):
			c.found[ChangePages] = true
		case o["Type"] == pdfName("Font"), o["Type"] == pdfName("FontDescriptor"), o["Type"] == pdfName("XObject"), o["Type"] == pdfName("ExtGState"):
			c.found[ChangeContent] = true
		case c.isFormPart(o):
			c.found[ChangeForm] = true
		case o["Type"] == pdfName("Annot") || o["Subtype"] != nil && o["Rect"] != nil:
			c.found[ChangeAnnotations] = true
		case o["VRI"] != nil || o["Certs"] != nil || o["OCSPs"] != nil || o["CRLs"] != nil:
			c.found[ChangeValidation] = true
		default:
			c.found[ChangeStructure] = true
		}
		return nil
	}
	c.found[ChangeStructure] = true
	return nil
}

// page compares a page dictionary: only /Annots may change, and only by
// signature widgets added.
func (c *comparison) page(o, n pdfDict) error {
	for _, key := range unionKeys(o, n) {
		if key == "Annots" {
			continue
		}
		eq, err := c.equal(o[key], n[key], 0)
		if err != nil {
			return err
		} else if eq {
			continue
		}
		switch key {
		case "Contents", "Resources", "Group":
			c.found[ChangeContent] = true
		default:
			c.found[ChangePages] = true
		}
	}
	if o["Annots"] == nil && n["Annots"] == nil {
		return nil
	}
	oldAnnots, err := c.older.resolve(o["Annots"])
	if err != nil {
		return c.fail(err)
	}
	newAnnots, err := c.newer.resolve(n["Annots"])
	if err != nil {
		return c.fail(err)
	}
	oa, _ := oldAnnots.(pdfArray)
	na, _ := newAnnots.(pdfArray)
	return c.array(oa, na)
}

// array compares an array that lists annotations, fields or pages: entries
// may only be added; each added entry is classified by what it resolves to.
func (c *comparison) array(o pdfArray, newVal any) error {
	n, ok := newVal.(pdfArray)
	if !ok || len(n) < len(o) {
		c.found[ChangeStructure] = true
		return nil
	}
	for i, v := range o {
		if eq, err := c.equal(v, n[i], 0); err != nil {
			return err
		} else if !eq {
			c.found[ChangeStructure] = true
			return nil
		}
	}
	for _, v := range n[len(o):] {
		added, err := c.newer.resolve(v)
		if err != nil {
			return c.fail(err)
		}
		d, _ := added.(pdfDict)
		switch {
		case d == nil:
			c.found[ChangeStructure] = true
		case d["Type"] == pdfName("Page") || d["Type"] == pdfName("Pages"):
			c.found[ChangePages] = true
		case c.isFormPart(d):
			c.found[ChangeForm] = true
		default:
			c.found[ChangeAnnotations] = true
		}
	}
	return nil
}

// isFormPart reports whether d belongs to a signature: the signature value,
// a signature field or its widget, or the AcroForm.
func (c *comparison) isFormPart(d pdfDict) bool {
	if d["Type"] == pdfName("Sig") || d["Type"] == pdfName("DocTimeStamp") || d["FT"] == pdfName("Sig") {
		return true
	}
	if _, ok := d["Fields"]; ok && d["Type"] == nil && d["Subtype"] == nil {
		return true // an AcroForm dictionary
	}
	if d["Subtype"] != pdfName("Widget") {
		return false
	}
	parent, err := c.newer.resolve(d["Parent"])
	if pd, ok := parent.(pdfDict); err == nil && ok {
		return pd["FT"] == pdfName("Sig")
	}
	return false
}

// equal compares a value of the older revision with one of the newer as a
// reader sees them: the same reference is equal (if the object it names
// changed, that object is examined on its own); a reference and anything
// else are compared by what the reference resolves to, since signing tools
// write a copied dictionary's entries inline; numbers compare by value,
// streams by their dictionaries and raw data.
func (c *comparison) equal(a, b any, depth int) (bool, error) {
	if depth > maxDepth {
		return false, nil
	}
	if err := c.b.tick(); err != nil {
		return false, err
	}
	ra, aRef := a.(pdfRef)
	rb, bRef := b.(pdfRef)
	switch {
	case aRef && bRef && ra == rb:
		return true, nil
	case aRef || bRef:
		x, err := c.older.resolve(a)
		if err != nil {
			return false, c.fail(err)
		}
		y, err := c.newer.resolve(b)
		if err != nil {
			return false, c.fail(err)
		}
		if _, ok := x.(pdfRef); ok {
			return false, nil
		}
		return c.equal(x, y, depth+1)
	}
	switch x := a.(type) {
	case pdfDict:
		y, ok := b.(pdfDict)
		if !ok || len(x) != len(y) {
			return false, nil
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok {
				return false, nil
			}
			if eq, err := c.equal(v, w, depth+1); err != nil || !eq {
				return false, err
			}
		}
		return true, nil
	case pdfArray:
		y, ok := b.(pdfArray)
		if !ok || len(x) != len(y) {
			return false, nil
		}
		for i := range x {
			if eq, err := c.equal(x[i], y[i], depth+1); err != nil || !eq {
				return false, err
			}
		}
		return true, nil
	case *pdfStream:
		y, ok := b.(*pdfStream)
		if !ok {
			return false, nil
		}
		return c.streamsEqual(x, y)
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y, nil
		case float64:
			return float64(x) == y, nil
		}
		return false, nil
	case float64:
		switch y := b.(type) {
		case int64:
			return x == float64(y), nil
		case float64:
			return x == y, nil
		}
		return false, nil
	}
	return a == b, nil
}

// streamsEqual compares two streams: the same dictionary (but for /Length,
// which may be a reference) and the same raw bytes.
func (c *comparison) streamsEqual(x, y *pdfStream) (bool, error) {
	hx, hy := pdfDict{}, pdfDict{}
	for k, v := range x.hdr {
		if k != "Length" {
			hx[k] = v
		}
	}
	for k, v := range y.hdr {
		if k != "Length" {
			hy[k] = v
		}
	}
	if eq, err := c.equal(hx, hy, 1); err != nil || !eq {
		return false, err
	}
	lx, err := c.older.resolve(x.hdr["Length"])
	if err != nil {
		return false, c.fail(err)
	}
	ly, err := c.newer.resolve(y.hdr["Length"])
	if err != nil {
		return false, c.fail(err)
	}
	nx, ok1 := lx.(int64)
	ny, ok2 := ly.(int64)
	if !ok1 || !ok2 || nx != ny || nx < 0 {
		return false, nil
	}
	if x.offset == y.offset {
		return true, nil
	}
	return sameBytes(c.older.r, x.offset, y.offset, nx)
}

// sameBytes compares two stretches of r of n bytes each, a chunk at a time.
func sameBytes(r io.ReaderAt, a, b, n int64) (bool, error) {
	const chunk = 32 << 10
	bufA, bufB := make([]byte, min(n, chunk)), make([]byte, min(n, chunk))
	for done := int64(0); done < n; {
		k := min(n-done, chunk)
		if _, err := r.ReadAt(bufA[:k], a+done); err != nil {
			return false, readFailure(err)
		}
		if _, err := r.ReadAt(bufB[:k], b+done); err != nil {
			return false, readFailure(err)
		}
		if !bytes.Equal(bufA[:k], bufB[:k]) {
			return false, nil
		}
		done += k
	}
	return true, nil
}

// readFailure keeps a reader's own errors and turns running off the end of
// the file into a difference.
func readFailure(err error) error {
	if isReadError(err) {
		return err
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil
	}
	return &readError{err}
}

func unionKeys(a, b pdfDict) []pdfName {
	keys := make([]pdfName, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
