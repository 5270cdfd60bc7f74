package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
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
