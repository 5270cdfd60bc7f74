package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// Transitions may take their caller from a cache; the token is checked again
// in the write. A revoked token stops at once, and a grant given after the
// caller was cached counts at once.
func TestTransitionCallerCache(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		ctx := context.Background()
		a := e.Dept
		e.FillEntries(t, a)
		path := fmt.Sprintf("/api/v1/reports/%d/transitions", a.ReportID)
		tok, err := e.Store.CreateToken(ctx, nil, a.Updater.ID, store.TokenExpiry{}, store.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		e.do(t, http.StatusOK, req{method: "POST", path: path, as: tok.Token, body: `{"event":"complete"}`})
		if err := e.Store.RevokeToken(ctx, nil, tok.ID, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		before := e.snap(t, a.ReportID)
		_, res := e.send(t, req{method: "POST", path: path, as: tok.Token, body: `{"event":"reopen"}`})
		wantProblem(t, res, http.StatusUnauthorized)
		e.unchanged(t, before)
		// And it stays refused: the cache dropped the caller.
		_, res = e.send(t, req{method: "POST", path: path, as: tok.Token, body: `{"event":"reopen"}`})
		wantProblem(t, res, http.StatusUnauthorized)

		// Dept2's approver is cached while it sees only Dept2; then it is
		// made approver of Dept too, and may approve Dept's report at once.
		other := e.tokens["other-approver"]
		e.do(t, http.StatusNotFound, req{method: "POST", path: path, as: other, body: `{"event":"approve"}`})
		if err := e.Store.EnsureUser(ctx, e.Dept2.Approver, &workflow.Grant{Role: workflow.RoleApprover, AgencyID: &a.ID}); err != nil {
			t.Fatal(err)
		}
		e.do(t, http.StatusOK, req{method: "POST", path: path, as: other, body: `{"event":"approve"}`})
	})
}
