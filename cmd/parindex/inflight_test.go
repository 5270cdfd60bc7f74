package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"testing"
	"time"

	"parindex/internal/testkit"
)

// inFlight is an entry write whose handler is already reading its body (the
// server answered 100 Continue) while the rest of the body waits for Finish:
// a request in flight for the shutdown tests.
type inFlight struct {
	body     *io.PipeWriter
	answered chan inFlightResult
}

type inFlightResult struct {
	status int
	body   string
	err    error
}

// startInFlight sends PUT entries/1.1.1 of the report as the token's holder
// and returns once the handler reads the body.
func startInFlight(t *testing.T, base string, reportID int64, token string) *inFlight {
	t.Helper()
	bodyR, bodyW := io.Pipe()
	t.Cleanup(func() { bodyW.Close() }) // a failed test must not leave the request hanging
	reading := make(chan struct{})
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{Got100Continue: func() { close(reading) }})
	req, _ := http.NewRequestWithContext(ctx, "PUT", fmt.Sprintf("%s/api/v1/reports/%d/entries/1.1.1", base, reportID), bodyR)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Expect", "100-continue")
	tr := &http.Transport{ExpectContinueTimeout: time.Minute}
	t.Cleanup(tr.CloseIdleConnections)
	f := &inFlight{body: bodyW, answered: make(chan inFlightResult, 1)}
	go func() {
		res, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			f.answered <- inFlightResult{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		f.answered <- inFlightResult{status: res.StatusCode, body: string(b), err: err}
	}()
	testkit.Await(t, reading, 10*time.Second, "the handler to read the body")
	return f
}

// finish sends the rest of the body.
func (f *inFlight) finish(t *testing.T) {
	t.Helper()
	if _, err := io.WriteString(f.body, `{"self_score": 1, "explanation": "Kế hoạch ban hành đúng hạn"}`); err != nil {
		t.Fatalf("write body: %v", err)
	}
	f.body.Close()
}
