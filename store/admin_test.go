package store_test

import (
	"testing"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// The administration's store methods, sorted for
// TestEveryWriteKeepsCachedDecisionsHonest.
func init() {
	for name, why := range map[string]string{
		"ListUsers": "read", "UserRecord": "read",
		"UpdateUser":    "a user's name, title, email: no decision reads them",
		"SetUserActive": "credentials: revokes the tokens and is checked in the write",
		"GrantRole":     "credentials: grants checked in the write", "RevokeRole": "credentials: grants checked in the write",
		"ListAgencyKinds": "read", "FindAgencies": "read", "AgencyRecord": "read",
		"CreateAgencyKind":  "a kind: no decision reads it",
		"UpdateAgency":      "an agency's code and name; its kind only while it has no report",
		"SetAgencyActive":   "read only when reports are created",
		"UpdateCampaign":    "a campaign's window: moves every report's version on, the guard of a cached decision",
		"CancelCampaign":    "deletes untouched reports: a cached decision's guarded write finds no row",
		"AddCampaignReport": "a new report, not cached yet",
	} {
		notReportWrites[name] = why
	}
}

// A deactivated user hears of nothing: no notification, no email.
func TestDeactivatedUsersAreNotNotified(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s := w.Store
		gone := storetest.MustUser(t, s, "nghi.huu@test.example.vn", workflow.Grant{Role: workflow.RoleApprover, AgencyID: &w.Dept.ID})
		if _, err := s.SetUserActive(ctx, nil, gone.ID, false, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.NotifyOpenedCampaigns(ctx); err != nil || len(got) != 1 {
			t.Fatalf("opened %v, %v", got, err)
		}
		fanOut(t, s)
		if n := storetest.Count(t, s, `SELECT COUNT(*) FROM notifications WHERE user_id = ?`, w.Dept.Approver.ID); n == 0 {
			t.Fatal("the active approver was not notified: the test proves nothing")
		}
		if n := storetest.Count(t, s, `SELECT COUNT(*) FROM notifications WHERE user_id = ?`, gone.ID); n != 0 {
			t.Fatalf("the deactivated approver got %d notifications", n)
		}
	})
}
