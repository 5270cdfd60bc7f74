package store_test

// The administration's store methods, sorted for
// TestEveryWriteKeepsCachedDecisionsHonest.
func init() {
	for name, why := range map[string]string{
		"ListUsers": "read", "UserRecord": "read",
		"UpdateUser":    "a user's name, title, email: no decision reads them",
		"SetUserActive": "credentials: revokes the tokens and is checked in the write",
		"GrantRole":     "credentials: grants checked in the write", "RevokeRole": "credentials: grants checked in the write",
	} {
		notReportWrites[name] = why
	}
}
