package main

import (
	"io"
	"net/http"
	"time"
)

// defaultIOGrace is what every request may take to send its body, and its
// answer to go out, beyond what their sizes need at the floor throughput: the
// fixed timeouts the server had before.
const defaultIOGrace = 60 * time.Second

// defaultMinThroughput is the slowest link a body may come or go over, in
// bytes per second: 64 KiB/s, a poor 3G connection in a commune office.
const defaultMinThroughput = 64 << 10

// throughputFloor gives each request time in proportion to the bytes it
// moves instead of one fixed timeout: a 50 MB upload over a slow link needs
// minutes, a JSON body seconds. The body may take grace plus what the bytes
// read so far need at floor bytes per second, and the answer grace plus what
// the bytes written so far need: measured as they go, so that a chunked
// upload or a streamed export without a Content-Length is held to the same
// floor. A link slower than the floor on average is cut once it falls grace
// behind. The deadlines are the connection's, moved through
// http.ResponseController; the server's own ReadTimeout and WriteTimeout,
// equal to grace, cover the request before this handler runs.
func throughputFloor(h http.Handler, floor int64, grace time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := &deadlines{rc: http.NewResponseController(w), start: time.Now(), floor: floor, grace: grace}
		d.writeBy(d.start.Add(grace))
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &floorBody{ReadCloser: r.Body, d: d}
		}
		h.ServeHTTP(&floorWriter{ResponseWriter: w, d: d}, r)
	})
}

// deadlines moves one request's connection deadlines.
type deadlines struct {
	rc        *http.ResponseController
	start     time.Time // when the handler began
	firstOut  time.Time // when the answer began
	floor     int64
	grace     time.Duration
	writeDead time.Time // the write deadline set last
}

// at is how long n bytes may take at the floor.
func (d *deadlines) at(n int64) time.Duration {
	return time.Duration(float64(n) / float64(d.floor) * float64(time.Second))
}

// writeBy moves the write deadline to t unless it lies later already.
func (d *deadlines) writeBy(t time.Time) {
	if t.After(d.writeDead) {
		d.writeDead = t
		d.rc.SetWriteDeadline(t) // not supported (a test recorder): nothing to move
	}
}

// floorBody is a request body whose read deadline follows the bytes read;
// the answer may start up to grace after the body's deadline.
type floorBody struct {
	io.ReadCloser
	d *deadlines
	n int64
}

func (b *floorBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.n += int64(n)
		by := b.d.start.Add(b.d.grace + b.d.at(b.n))
		b.d.rc.SetReadDeadline(by)
		b.d.writeBy(by.Add(b.d.grace))
	}
	return n, err
}

// floorWriter is a response whose write deadline follows the bytes written,
// counting each write before it is made.
type floorWriter struct {
	http.ResponseWriter
	d *deadlines
	n int64
}

func (w *floorWriter) Write(p []byte) (int, error) {
	if w.d.firstOut.IsZero() {
		w.d.firstOut = time.Now()
	}
	w.d.writeBy(w.d.firstOut.Add(w.d.grace + w.d.at(w.n+int64(len(p)))))
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

// Flush keeps http.Flusher visible through the wrapper.
func (w *floorWriter) Flush() {
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *floorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
