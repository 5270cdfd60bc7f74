package oidc

import (
	"crypto/rand"
	"sync"
	"time"
)

// attempt is one login under way: what Finish needs to check the answer.
type attempt struct {
	verifier string // PKCE code verifier
	nonce    string
	returnTo string // a safe local path
	at       time.Time
}

// attempts keeps the logins under way by their state, so that several tabs
// can log in at once. They expire after ttl, and at most max are kept: past
// it the oldest is dropped, so a flood of Begin calls costs memory only up to
// a bound.
type attempts struct {
	mu  sync.Mutex
	ttl time.Duration
	max int
	by  map[string]attempt
}

func newAttempts(ttl time.Duration, max int) *attempts {
	return &attempts{ttl: ttl, max: max, by: map[string]attempt{}}
}

// put stores a under a fresh state and returns the state.
func (s *attempts) put(a attempt) string {
	state := randomToken()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.by) >= s.max {
		s.prune(a.at)
	}
	for len(s.by) >= s.max {
		oldest := ""
		for k, v := range s.by {
			if oldest == "" || v.at.Before(s.by[oldest].at) {
				oldest = k
			}
		}
		delete(s.by, oldest)
	}
	s.by[state] = a
	return state
}

// take removes and returns the attempt of state, if it is there and fresh.
func (s *attempts) take(state string, now time.Time) (attempt, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.by[state]
	if !ok {
		return attempt{}, false
	}
	delete(s.by, state)
	if now.Sub(a.at) > s.ttl {
		return attempt{}, false
	}
	return a, true
}

// prune drops the expired attempts; the caller holds mu.
func (s *attempts) prune(now time.Time) {
	for k, v := range s.by {
		if now.Sub(v.at) > s.ttl {
			delete(s.by, k)
		}
	}
}

// len is the number of attempts kept, for tests.
func (s *attempts) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.by)
}

// seenTokens remembers the jti of the logout tokens accepted until they
// expire, so that a captured token cannot be played again.
type seenTokens struct {
	mu  sync.Mutex
	max int
	by  map[string]time.Time
}

func newSeenTokens(max int) *seenTokens {
	return &seenTokens{max: max, by: map[string]time.Time{}}
}

// first reports whether jti is new, and remembers it until exp.
func (s *seenTokens) first(jti string, exp, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.by[jti]; ok {
		return false
	}
	if len(s.by) >= s.max {
		for k, e := range s.by {
			if e.Before(now) {
				delete(s.by, k)
			}
		}
	}
	if len(s.by) < s.max {
		s.by[jti] = exp
	}
	return true
}

// randomToken is 128 random bits, URL-safe.
func randomToken() string { return rand.Text() }
