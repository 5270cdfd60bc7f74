package signature

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrTooComplex is returned for a PDF whose check would cost more than one
// document's budget: decoded bytes, objects, cross-reference entries, bytes
// read or time. Such a file is refused, not reported on: a file nobody can
// check in bounded time and memory is not evidence.
var ErrTooComplex = errors.New("signature: the PDF is too complex to check")

// The budget of one document, whatever its size. The figures leave room for
// any real signed PDF (a 50 MB scan holds a few hundred objects) and keep a
// hostile one under a few tens of megabytes and a few seconds.
const (
	budgetDecoded = 32 << 20  // bytes inflated from xref and object streams, all of them together
	budgetValues  = 2_000_000 // values parsed across every object read
	budgetEntries = 2_000_000 // cross-reference entries and subsections held, all sections together
	budgetStrings = 64 << 20  // bytes of strings parsed, all of them together
	budgetRead    = 4         // bytes read, as a multiple of the file's size (plus budgetReadSlack)
	budgetSlack   = 64 << 20
	// DefaultTimeout bounds one check when the caller sets none.
	DefaultTimeout = 4 * time.Second
)

// budget is what one document check may still spend. It is shared by every
// lexer and every section of the document, so that many small parts cannot
// add up to a large cost. Over budget, the check stops with ErrTooComplex;
// when ctx ends (the client went away, the deadline passed), with ctx's error.
type budget struct {
	ctx     context.Context
	decoded int64
	values  int
	entries int
	strings int64
	read    int64
	ticks   int
}

func newBudget(ctx context.Context, size int64) *budget {
	return &budget{
		ctx: ctx, decoded: budgetDecoded, values: budgetValues, entries: budgetEntries,
		strings: budgetStrings, read: budgetRead*size + budgetSlack,
	}
}

// errOver is the error every budget check returns. It is a readError so that
// every path that gives up on a malformed part and carries on with the rest
// passes it up instead: a check over budget stops at once.
func errOver() error { return &readError{ErrTooComplex} }

// spend takes n from *left and fails once it runs out.
func spend[T int | int64](left *T, n T) error {
	if *left -= n; *left < 0 {
		return errOver()
	}
	return nil
}

// tick is called in every loop that does work without reading the file; it
// looks at the context every few thousand calls.
func (b *budget) tick() error {
	if b.ticks++; b.ticks&4095 != 0 {
		return nil
	}
	return b.alive()
}

// alive fails once the context has ended: past the deadline the check is
// over budget; a cancelled request just stops.
func (b *budget) alive() error {
	if err := b.ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return errOver()
		}
		return &readError{err}
	}
	return nil
}

// guardedReader charges every read of the file to the budget and looks at
// the context before it: all file access of a check goes through it.
type guardedReader struct {
	r io.ReaderAt
	b *budget
}

func (g guardedReader) ReadAt(p []byte, off int64) (int, error) {
	if err := g.b.alive(); err != nil {
		return 0, err
	}
	if err := spend(&g.b.read, int64(len(p))); err != nil {
		return 0, err
	}
	return g.r.ReadAt(p, off)
}

// tickingReader checks the budget as an in-memory stream is read: inflating
// and object-stream parsing do not touch the file.
type tickingReader struct {
	r io.Reader
	b *budget
}

func (t tickingReader) Read(p []byte) (int, error) {
	if err := t.b.alive(); err != nil {
		return 0, err
	}
	return t.r.Read(p)
}
