package handlers

import (
	"net/http"
	"time"

	"parindex/store"
)

// signerJSON is a registered signer as the API shows it.
type signerJSON struct {
	ID           int64     `json:"id"`
	AgencyID     int64     `json:"agency_id"`
	Fingerprint  string    `json:"fingerprint,omitempty"`
	Organization string    `json:"organization,omitempty"`
	Note         string    `json:"note"`
	CreatedAt    time.Time `json:"created_at"`
}

func (s *Server) signerJSON(sg store.Signer) signerJSON {
	return signerJSON{ID: sg.ID, AgencyID: sg.AgencyID, Fingerprint: sg.Fingerprint, Organization: sg.Organization,
		Note: sg.Note, CreatedAt: sg.CreatedAt.In(s.zone)}
}

// handleSignerList lists an agency's registered signers: its signed summary
// must be signed by one of them, when it has any.
func (s *Server) handleSignerList(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var list []store.Signer
	if err == nil {
		list, err = s.store.ListSigners(r.Context(), id)
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	out := make([]signerJSON, len(list))
	for i, sg := range list {
		out[i] = s.signerJSON(sg)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleSignerCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var in struct {
		Fingerprint  string `json:"fingerprint"`
		Organization string `json:"organization"`
		Note         string `json:"note"`
	}
	if err := s.decode(w, r, &in); err != nil {
		s.problem(w, r, err)
		return
	}
	sg := &store.Signer{AgencyID: id, Fingerprint: in.Fingerprint, Organization: in.Organization, Note: in.Note}
	if err := s.store.AddSigner(r.Context(), currentUser(r), sg, meta(r)); err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.signerJSON(*sg))
}

func (s *Server) handleSignerDelete(w http.ResponseWriter, r *http.Request) {
	agency, err := pathID(r, "id")
	var id int64
	if err == nil {
		id, err = pathID(r, "signer_id")
	}
	if err == nil {
		err = s.store.DeleteSigner(r.Context(), currentUser(r), agency, id, meta(r))
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
