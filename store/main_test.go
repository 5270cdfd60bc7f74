package store_test

import (
	"testing"

	"parindex/internal/testkit"
)

// TestMain fails the run when an error a test met has no text in the
// message catalogue (wantCode renders every error it checks).
func TestMain(m *testing.M) { testkit.MainCheckingMessages(m) }
