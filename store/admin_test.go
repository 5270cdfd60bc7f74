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
		"LoginIdentity":     "links a login to a user: no decision reads it",
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

// An agency created during a campaign gets its report, and its officials
// hear that the campaign is open even though it was announced before.
func TestLateReportIsAnnounced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s := w.Store
		if got, err := s.NotifyOpenedCampaigns(ctx); err != nil || len(got) != 1 {
			t.Fatalf("opened %v, %v", got, err)
		}
		fanOut(t, s)
		late := storetest.MustAgency(t, s, "SDL", "Sở Du lịch", workflow.KindDepartment)
		rep, err := s.AddCampaignReport(ctx, w.Admin, w.Campaign.ID, late.ID, store.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.AgencyID != late.ID || rep.State != workflow.StateDraft || rep.Round != 0 {
			t.Fatalf("the late report: %+v", rep)
		}
		if n := fanOut(t, s); n != 1 {
			t.Fatalf("fanned out %d events, want the late announcement", n)
		}
		for _, u := range []*workflow.User{late.Updater, late.Approver} {
			if n := storetest.Count(t, s, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = ?`, u.ID, store.KindCampaignOpened); n != 1 {
				t.Errorf("%s: %d announcements, want 1", u.Email, n)
			}
		}
		if n := storetest.Count(t, s, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = ?`, w.Dept.Updater.ID, store.KindCampaignOpened); n != 1 {
			t.Errorf("the others were announced to again: %d", n)
		}
		// Not for a deactivated agency, not twice, not for an unknown kind.
		if _, err := s.AddCampaignReport(ctx, nil, w.Campaign.ID, late.ID, store.Meta{}); workflow.ErrorCode(err) != workflow.ECONFLICT {
			t.Errorf("twice: %v", err)
		}
		off := storetest.MustAgency(t, s, "SOFF", "Sở đã giải thể", workflow.KindDepartment)
		if _, err := s.SetAgencyActive(ctx, nil, off.ID, false, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddCampaignReport(ctx, nil, w.Campaign.ID, off.ID, store.Meta{}); workflow.ErrorCode(err) != workflow.ECONFLICT {
			t.Errorf("a deactivated agency: %v", err)
		}
		if _, err := s.AddCampaignReport(ctx, w.Dept.Updater, w.Campaign.ID, off.ID, store.Meta{}); workflow.ErrorCode(err) != workflow.EFORBIDDEN {
			t.Errorf("an updater adding a report: %v", err)
		}
	})
}
