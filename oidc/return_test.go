package oidc

import (
	"testing"
	"time"
)

func TestSafeReturn(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/", "/"},
		{"/reports/7", "/reports/7"},
		{"/reports/7?tab=history#entry-2", "/reports/7?tab=history#entry-2"},
		{"/search?q=S%E1%BB%9F+T%C6%B0+ph%C3%A1p", "/search?q=S%E1%BB%9F+T%C6%B0+ph%C3%A1p"},
		{"/x?next=//evil.example", "/x?next=//evil.example"}, // local: the query is ours to read
		{"", "/"},
		{"reports/7", "/"},
		{"//evil.example", "/"},
		{"//evil.example/reports", "/"},
		{"///evil.example", "/"},
		{`/\evil.example`, "/"},
		{`/\/evil.example`, "/"},
		{`/reports\..\x`, "/"},
		{"/%2F%2Fevil.example", "/"},
		{"/%2fevil.example", "/"},
		{"/%5Cevil.example", "/"},
		{"https://evil.example/", "/"},
		{"http:/evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"data:text/html,<script>", "/"},
		{" /reports", "/"},
		{"/reports\r\nLocation: https://evil.example", "/"},
		{"/reports\t/x", "/"},
		{"/\x00", "/"},
		{"/" + string(make([]byte, 3000)), "/"},
	} {
		if got := SafeReturn(tc.in); got != tc.want {
			t.Errorf("SafeReturn(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAttemptsAreBoundedAndExpire(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	s := newAttempts(10*time.Minute, 3)
	var states []string
	for i := range 5 {
		states = append(states, s.put(attempt{nonce: "n", at: t0.Add(time.Duration(i) * time.Second)}))
	}
	if s.len() != 3 {
		t.Fatalf("kept %d attempts, want at most 3", s.len())
	}
	if _, ok := s.take(states[0], t0); ok {
		t.Error("the oldest attempt survived the bound")
	}
	if _, ok := s.take(states[4], t0.Add(5*time.Minute)); !ok {
		t.Error("the newest attempt was dropped")
	}
	if _, ok := s.take(states[4], t0.Add(5*time.Minute)); ok {
		t.Error("an attempt was taken twice")
	}
	if _, ok := s.take(states[3], t0.Add(11*time.Minute)); ok {
		t.Error("an expired attempt was taken")
	}
	// Expired attempts make room before live ones are dropped: states[2]
	// (expired) is left, and the three new ones all fit.
	later := t0.Add(30 * time.Minute)
	fresh := []string{s.put(attempt{at: later}), s.put(attempt{at: later}), s.put(attempt{at: later})}
	if s.len() != 3 {
		t.Fatalf("kept %d attempts, want 3", s.len())
	}
	for _, st := range fresh {
		if _, ok := s.take(st, later); !ok {
			t.Error("a live attempt was dropped while an expired one was kept")
		}
	}
}

func TestLogoutTokensAreAcceptedOnce(t *testing.T) {
	now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	s := newSeenTokens(2)
	if !s.first("a", now.Add(time.Minute), now) || s.first("a", now.Add(time.Minute), now) {
		t.Fatal("jti a: want first once")
	}
	if !s.first("b", now.Add(time.Minute), now) {
		t.Fatal("jti b refused")
	}
	// Full: expired entries are forgotten to make room.
	if !s.first("c", now.Add(time.Hour), now.Add(2*time.Minute)) || s.first("c", now.Add(time.Hour), now.Add(2*time.Minute)) {
		t.Fatal("jti c: want first once after expiry made room")
	}
}
