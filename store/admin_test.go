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
		"CreateAgencyKind": "a kind: no decision reads it",
		"UpdateAgency":     "an agency's code and name; its kind only while it has no report",
		"SetAgencyActive":  "read only when reports are created",
	} {
		notReportWrites[name] = why
	}
}
