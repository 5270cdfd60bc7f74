package store_test

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
