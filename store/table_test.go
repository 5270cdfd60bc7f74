package store

import (
	"slices"
	"strings"
	"testing"

	"parindex/workflow"
)

// TestLockSweepFollowsTheTable holds the lock sweep's SQL, which spells the
// lock event's states, name, role and notice for speed, to the transition
// table: change the table and this fails until the SQL follows.
func TestLockSweepFollowsTheTable(t *testing.T) {
	lock, ok := workflow.LookupTransition(workflow.EventLock)
	if !ok {
		t.Fatal("no lock event in the table")
	}
	for _, st := range workflow.States {
		in := strings.Contains(lockableStates, "'"+string(st)+"'")
		if in != slices.Contains(lock.From, st) {
			t.Errorf("state %s: in the sweep's states %v, a source of lock %v", st, in, !in)
		}
	}
	if !slices.Equal(lock.Roles, []workflow.Role{workflow.RoleSystem}) {
		t.Errorf("lock is fired by %v; the sweep writes role 'system'", lock.Roles)
	}
	for dialect, sql := range map[string]string{Postgres: lockDue[Postgres], SQLite: lockDue[SQLite] + lockHistoryRow} {
		for _, want := range []string{"state = '" + string(lock.To) + "'", "'" + string(lock.Event) + "'", "'" + string(workflow.RoleSystem) + "'"} {
			if !strings.Contains(sql, want) {
				t.Errorf("%s sweep lacks %s", dialect, want)
			}
		}
	}
	if !strings.Contains(lockDue[Postgres], "SELECT '"+lock.Notifies+"'") || lock.Notifies != KindLocked {
		t.Errorf("the sweep's notice is not the table's %q", lock.Notifies)
	}
}
