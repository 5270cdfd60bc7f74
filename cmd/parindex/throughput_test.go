package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"parindex/internal/testkit"
	"parindex/store/storetest"
)

// throttled is a request body sent at rate bytes per second, a tenth of a
// second's worth at a time, as a slow link delivers it.
type throttled struct {
	data  []byte
	rate  int
	start time.Time
	sent  atomic.Int64
}

func (b *throttled) Read(p []byte) (int, error) {
	if b.start.IsZero() {
		b.start = time.Now()
	}
	sent := int(b.sent.Load())
	if sent == len(b.data) {
		return 0, io.EOF
	}
	// The next tenth of a second's bytes go out when the link has carried
	// the ones before.
	time.Sleep(time.Until(b.start.Add(time.Duration(float64(sent) / float64(b.rate) * float64(time.Second)))))
	n := copy(p[:min(len(p), b.rate/10)], b.data[sent:])
	b.sent.Add(int64(n))
	return n, nil
}

// noisePNG is a PNG of random pixels, which does not compress: about 4*w*w bytes.
func noisePNG(t *testing.T, w int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, w))
	for i := range img.Pix {
		img.Pix[i] = byte(rand.Uint32())
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSlowLinkUpload(t *testing.T) {
	// A floor of 8000 bytes/s and a grace of one second: an upload of about
	// 26 kB at 1.5 times the floor takes two seconds and is answered; one at
	// a quarter of the floor falls a second behind after about 1.3 s and is
	// cut, long before its 13 s are up.
	t.Parallel()
	const floor = 8000
	clock := storetest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, hcm))
	db := storetest.URL(t, "sqlite")
	m, _, stderr := newMain(clock, withDataDir(t, nil, nil))
	m.ioGrace = time.Second
	if err := m.Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--min-throughput", fmt.Sprint(floor)}); err != nil {
		m.Close()
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", stderr)
		}
	})
	w := storetest.NewWorld(t, m.Store(), clock)
	updater := testkit.NewClient(m.URL(), storetest.MustToken(t, m.Store(), w.Dept.Updater))
	path := fmt.Sprintf("/api/v1/reports/%d/entries/1.1.1/evidence", w.Dept.ReportID)

	upload := func(rate int) (status int, took time.Duration, body *throttled, err error) {
		raw := testkit.Upload(t, "file", "ảnh chụp.png", noisePNG(t, 80))
		body = &throttled{data: raw.Data, rate: rate}
		req, _ := http.NewRequest("POST", m.URL()+path, body)
		req.ContentLength = int64(len(raw.Data))
		req.Header.Set("Content-Type", raw.ContentType)
		req.Header.Set("Authorization", "Bearer "+updater.Token)
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		took = time.Since(start)
		if err != nil {
			return 0, took, body, err
		}
		defer res.Body.Close()
		io.Copy(io.Discard, res.Body)
		return res.StatusCode, took, body, nil
	}

	status, took, body, err := upload(floor * 3 / 2)
	if err != nil || status != http.StatusCreated {
		t.Fatalf("upload at 1.5 × the floor: status %d, %v after %s (%d of %d bytes sent)", status, err, took, body.sent.Load(), len(body.data))
	}
	status, took, body, err = upload(floor / 4)
	if status == http.StatusCreated || body.sent.Load() == int64(len(body.data)) {
		t.Fatalf("upload at a quarter of the floor: status %d, %v after %s (%d of %d bytes sent); want it cut", status, err, took, body.sent.Load(), len(body.data))
	}
	if took > 6*time.Second {
		t.Errorf("the slow upload was cut after %s, want about 1.3 s", took)
	}
	// Only the first upload is stored.
	var list []struct{ ID int64 }
	updater.Do(t, "GET", path, nil).Want(t, http.StatusOK, &list)
	if len(list) != 1 {
		t.Errorf("%d evidence files, want the one uploaded fast enough", len(list))
	}
}

func TestSlowLinkDownload(t *testing.T) {
	// The same floor on the way out: a 256 kB answer read at 1.5 times the
	// floor arrives whole; read at a quarter of it, it is cut once the
	// server's writes fall the grace behind. Small socket buffers on both
	// sides keep the kernel from absorbing the answer.
	t.Parallel()
	const floor, size = 64000, 256 << 10
	data := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	var cut atomic.Value
	h := throughputFloor(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(size))
		for off := 0; off < size; off += 8 << 10 {
			if _, err := w.Write(data[off : off+8<<10]); err != nil {
				cut.Store(err)
				return
			}
		}
	}), floor, 500*time.Millisecond)
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = smallBuffers{srv.Listener}
	srv.Start()
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}).DialContext}}

	download := func(rate int) (int, error) {
		res, err := client.Get(srv.URL)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		start, n := time.Now(), 0
		buf := make([]byte, rate/20)
		for {
			time.Sleep(time.Until(start.Add(time.Duration(float64(n) / float64(rate) * float64(time.Second)))))
			m, err := res.Body.Read(buf)
			n += m
			if err == io.EOF {
				return n, nil
			} else if err != nil {
				return n, err
			}
		}
	}
	if n, err := download(floor * 3 / 2); err != nil || n != size {
		t.Fatalf("download at 1.5 × the floor: %d of %d bytes, %v", n, size, err)
	}
	if cut.Load() != nil {
		t.Fatalf("the server's write failed: %v", cut.Load())
	}
	if n, err := download(floor / 4); err == nil || n == size {
		t.Fatalf("download at a quarter of the floor: %d of %d bytes, %v; want it cut", n, size, err)
	}
	if cut.Load() == nil {
		t.Error("the server's write did not fail")
	}
}

// smallBuffers is a listener whose connections have small send buffers.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}
