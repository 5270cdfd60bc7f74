package handlers

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"parindex/store"
	"parindex/workflow"
)

// The answers' shapes: the store returns domain values without JSON tags,
// and handlers own how each is written, with every time in the province's
// zone and its offset. A field added to a store value appears in an answer
// only once it is added here.

// ActorJSON is who did something as the API writes it.
type ActorJSON struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
}

func actorOut(a *store.Actor) *ActorJSON {
	if a == nil {
		return nil
	}
	return &ActorJSON{ID: a.ID, Email: a.Email}
}

// local is t in the province's zone.
func (s *Server) local(t time.Time) time.Time { return t.In(s.zone) }

// localPtr is t in the province's zone, nil for nil.
func (s *Server) localPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.In(s.zone)
	return &v
}

// localJSON rewrites, in a JSON document the service itself wrote (an audit
// detail, a signature report), every time held under a key ending in "_at"
// in the province's zone. Other values, and text people typed, are left as
// they are.
func (s *Server) localJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || !bytes.Contains(raw, []byte(`_at"`)) {
		return raw
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return raw
	}
	out, err := marshal(s.localTimes(v))
	if err != nil {
		return raw
	}
	return out
}

func (s *Server) localTimes(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if str, ok := x.(string); ok && strings.HasSuffix(k, "_at") {
				if t, err := time.Parse(time.RFC3339Nano, str); err == nil {
					v[k] = t.In(s.zone).Format(time.RFC3339Nano)
				}
				continue
			}
			v[k] = s.localTimes(x)
		}
	case []any:
		for i, x := range v {
			v[i] = s.localTimes(x)
		}
	}
	return v
}

// marshal is json.Marshal without HTML escaping.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// AuditJSON is a line of the audit log as the API writes it.
type AuditJSON struct {
	ID              int64           `json:"id"`
	At              time.Time       `json:"at"`
	Actor           *ActorJSON      `json:"actor"`     // nil for the command line at the server
	IssuedBy        *ActorJSON      `json:"issued_by"` // the admin behind the actor's token, when not the actor
	Kind            string          `json:"kind"`
	Action          string          `json:"action"`
	Target          string          `json:"target"`
	Detail          json.RawMessage `json:"detail"`
	RequestID       string          `json:"request_id"`
	ClientRequestID string          `json:"client_request_id"`
	ClientIP        string          `json:"client_ip"`
}

func (s *Server) auditOut(a store.AuditEntry) AuditJSON {
	return AuditJSON{ID: a.ID, At: s.local(a.At), Actor: actorOut(a.Actor), IssuedBy: actorOut(a.IssuedBy), Kind: a.Kind, Action: a.Action,
		Target: a.Target, Detail: s.localJSON(a.Detail), RequestID: a.RequestID, ClientRequestID: a.ClientRequestID, ClientIP: a.ClientIP}
}

// EvidenceJSON is an evidence file as the API writes it.
type EvidenceJSON struct {
	ID         int64           `json:"id"`
	ReportID   int64           `json:"report_id"`
	Code       string          `json:"code"`
	Round      int             `json:"round"`
	Filename   string          `json:"filename"`
	Size       int64           `json:"size"`
	SHA256     string          `json:"sha256"`
	MediaType  string          `json:"media_type"`
	Signature  json.RawMessage `json:"signature"`
	UploadedBy *int64          `json:"uploaded_by"`
	UploadedAt time.Time       `json:"uploaded_at"`
	DeletedAt  *time.Time      `json:"deleted_at,omitempty"`
	// Warning is set on an upload answer when, under the report policy, an
	// untrusted signer was accepted.
	Warning string `json:"warning,omitempty"`
}

func (s *Server) evidenceOut(r *http.Request, e *store.Evidence) EvidenceJSON {
	return EvidenceJSON{ID: e.ID, ReportID: e.ReportID, Code: e.Code, Round: e.Round, Filename: e.Filename, Size: e.Size, SHA256: e.SHA256,
		MediaType: e.MediaType, Signature: s.localSignature(r, e.Signature), UploadedBy: e.UploadedBy, UploadedAt: s.local(e.UploadedAt), DeletedAt: s.localPtr(e.DeletedAt)}
}

// SignedSummaryJSON is a signed summary as the API writes it.
type SignedSummaryJSON struct {
	ID             int64           `json:"id"`
	ReportID       int64           `json:"report_id"`
	Round          int             `json:"round"`
	ReportVersion  int64           `json:"report_version"`
	MatchesVersion *int64          `json:"matches_version"`
	ExportChanges  []string        `json:"changed_after_export,omitempty"`
	Filename       string          `json:"filename"`
	Size           int64           `json:"size"`
	SHA256         string          `json:"sha256"`
	Signature      json.RawMessage `json:"signature"`
	UploadedBy     *int64          `json:"uploaded_by"`
	UploadedAt     time.Time       `json:"uploaded_at"`
	Warning        string          `json:"warning,omitempty"`
}

func (s *Server) signedSummaryOut(r *http.Request, ss *store.SignedSummary) SignedSummaryJSON {
	return SignedSummaryJSON{ID: ss.ID, ReportID: ss.ReportID, Round: ss.Round, ReportVersion: ss.ReportVersion, MatchesVersion: ss.MatchesVersion,
		ExportChanges: ss.ExportChanges, Filename: ss.Filename, Size: ss.Size, SHA256: ss.SHA256, Signature: s.localSignature(r, ss.Signature),
		UploadedBy: ss.UploadedBy, UploadedAt: s.local(ss.UploadedAt)}
}

// HistoryJSON is a history row of a report as the API writes it.
type HistoryJSON struct {
	At              time.Time       `json:"at"`
	Actor           *ActorJSON      `json:"actor"`
	Role            workflow.Role   `json:"role"`
	Event           string          `json:"event"`
	From            workflow.State  `json:"from"`
	To              workflow.State  `json:"to"`
	Round           int             `json:"round"`
	Reason          string          `json:"reason"`
	ClosesAt        *time.Time      `json:"closes_at,omitempty"` // the deadline set by open_round or extend
	RequestID       string          `json:"request_id,omitempty"`
	ClientRequestID string          `json:"client_request_id,omitempty"`
	ClientIP        string          `json:"client_ip,omitempty"`
	IssuedBy        *ActorJSON      `json:"issued_by,omitempty"`
	Detail          json.RawMessage `json:"detail,omitempty"`
}

func (s *Server) historyOut(h store.HistoryEntry) HistoryJSON {
	return HistoryJSON{At: s.local(h.At), Actor: actorOut(h.Actor), Role: h.Role, Event: h.Event, From: h.From, To: h.To, Round: h.Round,
		Reason: h.Reason, ClosesAt: s.localPtr(h.ClosesAt), RequestID: h.RequestID, ClientRequestID: h.ClientRequestID, ClientIP: h.ClientIP,
		IssuedBy: actorOut(h.IssuedBy), Detail: s.localJSON(h.Detail)}
}

// RevisionJSON is an entry's revision as the API writes it.
type RevisionJSON struct {
	Code           string           `json:"code"`
	Round          int              `json:"round"`
	At             time.Time        `json:"at"`
	Actor          *ActorJSON       `json:"actor"`
	OldScore       *workflow.Points `json:"old_score"`
	NewScore       *workflow.Points `json:"new_score"`
	OldExplanation string           `json:"old_explanation"`
	NewExplanation string           `json:"new_explanation"`
	IssuedBy       *ActorJSON       `json:"issued_by,omitempty"`
}

func (s *Server) revisionOut(r store.Revision) RevisionJSON {
	return RevisionJSON{Code: r.Code, Round: r.Round, At: s.local(r.At), Actor: actorOut(r.Actor), OldScore: r.OldScore, NewScore: r.NewScore,
		OldExplanation: r.OldExplanation, NewExplanation: r.NewExplanation, IssuedBy: actorOut(r.IssuedBy)}
}

// NotificationJSON is a notification as the API writes it.
type NotificationJSON struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	ReportIDs []int64    `json:"report_ids"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	CreatedAt time.Time  `json:"created_at"`
	Read      bool       `json:"read"`
	ReadAt    *time.Time `json:"read_at"`
}

func (s *Server) notificationOut(n store.Notification) NotificationJSON {
	return NotificationJSON{ID: n.ID, Kind: n.Kind, ReportIDs: n.ReportIDs, Title: n.Title, Body: n.Body, CreatedAt: s.local(n.CreatedAt),
		Read: n.Read, ReadAt: s.localPtr(n.ReadAt)}
}

// ReportSummaryJSON is a report in a list as the API writes it.
type ReportSummaryJSON struct {
	ID         int64           `json:"id"`
	CampaignID int64           `json:"campaign_id"`
	AgencyID   int64           `json:"agency_id"`
	State      workflow.State  `json:"state"`
	Round      int             `json:"round"`
	Version    int64           `json:"version"`
	Deadline   time.Time       `json:"deadline"`
	SelfTotal  workflow.Points `json:"self_total"`
	MaxTotal   workflow.Points `json:"max_total"`
}

func (s *Server) reportSummaryOut(r store.ReportSummary) ReportSummaryJSON {
	return ReportSummaryJSON{ID: r.ID, CampaignID: r.CampaignID, AgencyID: r.AgencyID, State: r.State, Round: r.Round, Version: r.Version,
		Deadline: s.local(r.Deadline), SelfTotal: r.SelfTotal, MaxTotal: r.MaxTotal}
}

// SkippedOpenJSON is a report a round could not open as the API writes it.
type SkippedOpenJSON struct {
	ReportID int64          `json:"report_id"`
	State    workflow.State `json:"state"`
}

// RoundResultJSON is a campaign round's opening as the API writes it.
type RoundResultJSON struct {
	Number   int               `json:"number"`
	OpensAt  time.Time         `json:"opens_at"`
	ClosesAt time.Time         `json:"closes_at"`
	Opened   []int64           `json:"opened"`
	Skipped  []SkippedOpenJSON `json:"skipped"`
}

func (s *Server) roundResultOut(r *store.RoundResult) RoundResultJSON {
	out := RoundResultJSON{Number: r.Number, OpensAt: s.local(r.OpensAt), ClosesAt: s.local(r.ClosesAt), Opened: r.Opened, Skipped: []SkippedOpenJSON{}}
	for _, k := range r.Skipped {
		out.Skipped = append(out.Skipped, SkippedOpenJSON{ReportID: k.ReportID, State: k.State})
	}
	return out
}

// TokenJSON is a newly issued token, the only answer that holds its secret as the API writes it.
type TokenJSON struct {
	ID        int64      `json:"id"`
	Token     string     `json:"token"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func (s *Server) tokenOut(t *store.Token) TokenJSON {
	return TokenJSON{ID: t.ID, Token: t.Token, ExpiresAt: s.localPtr(t.ExpiresAt)}
}

// TokenInfoJSON is a token in a list, without its secret as the API writes it.
type TokenInfoJSON struct {
	ID         int64      `json:"id"`
	IssuedBy   *ActorJSON `json:"issued_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func (s *Server) tokenInfoOut(t store.TokenInfo) TokenInfoJSON {
	return TokenInfoJSON{ID: t.ID, IssuedBy: actorOut(t.IssuedBy), CreatedAt: s.local(t.CreatedAt), LastUsedAt: s.localPtr(t.LastUsedAt),
		ExpiresAt: s.localPtr(t.ExpiresAt), RevokedAt: s.localPtr(t.RevokedAt)}
}

// each maps a list through f, never answering null for an empty list.
func each[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// AgencyJSON is an agency as the API writes it; Active and DeactivatedAt
// are there for administrators' lists and answers (AgencyRecord).
type AgencyJSON struct {
	ID            int64               `json:"id"`
	Code          string              `json:"code"`
	Name          string              `json:"name"`
	Kind          workflow.AgencyKind `json:"kind"`
	Active        bool                `json:"active"`
	DeactivatedAt *time.Time          `json:"deactivated_at"`
}

func (s *Server) agencyOut(a store.AgencyRecord) AgencyJSON {
	return AgencyJSON{ID: a.ID, Code: a.Code, Name: a.Name, Kind: a.Kind, Active: a.Active, DeactivatedAt: s.localPtr(a.DeactivatedAt)}
}

// UserRecordJSON is a user as administrators see them: the user, their
// grants, whether they may sign in, and when they were created.
type UserRecordJSON struct {
	ID            int64            `json:"id"`
	Email         string           `json:"email"`
	Name          string           `json:"name"`
	Title         string           `json:"title"`
	Grants        []workflow.Grant `json:"grants"`
	Active        bool             `json:"active"`
	DeactivatedAt *time.Time       `json:"deactivated_at"`
	CreatedAt     time.Time        `json:"created_at"`
}

func (s *Server) userRecordOut(u store.UserRecord) UserRecordJSON {
	grants := u.Grants
	if grants == nil {
		grants = []workflow.Grant{}
	}
	return UserRecordJSON{ID: u.ID, Email: u.Email, Name: u.Name, Title: u.Title, Grants: grants, Active: u.Active,
		DeactivatedAt: s.localPtr(u.DeactivatedAt), CreatedAt: s.local(u.CreatedAt)}
}

// BlockProgressJSON is one block's (agency kind's) progress in a campaign.
type BlockProgressJSON struct {
	Total        int                    `json:"total"`
	ByState      map[workflow.State]int `json:"by_state"`
	NotSubmitted []int64                `json:"not_submitted"`
}

// ProgressAgencyJSON is one agency of a campaign's progress.
type ProgressAgencyJSON struct {
	ID           int64               `json:"id"`
	Code         string              `json:"code"`
	Name         string              `json:"name"`
	Kind         workflow.AgencyKind `json:"kind"`
	ReportID     int64               `json:"report_id"`
	State        workflow.State      `json:"state"`
	Round        int                 `json:"round"`
	LastActivity time.Time           `json:"last_activity"`
}

// ProgressJSON is a campaign's progress as the API writes it.
type ProgressJSON struct {
	ByState      map[workflow.State]int                    `json:"by_state"`
	NotSubmitted []int64                                   `json:"not_submitted"`
	ByKind       map[workflow.AgencyKind]BlockProgressJSON `json:"by_kind"`
	Agencies     []ProgressAgencyJSON                      `json:"agencies"`
	Deadline     time.Time                                 `json:"deadline"`
	SecondsLeft  int64                                     `json:"seconds_left"`
}

func (s *Server) progressOut(p *store.Progress) ProgressJSON {
	out := ProgressJSON{ByState: p.ByState, NotSubmitted: p.NotSubmitted, ByKind: map[workflow.AgencyKind]BlockProgressJSON{},
		Deadline: s.local(p.Deadline), SecondsLeft: p.SecondsLeft}
	for k, b := range p.ByKind {
		out.ByKind[k] = BlockProgressJSON{Total: b.Total, ByState: b.ByState, NotSubmitted: b.NotSubmitted}
	}
	out.Agencies = each(p.Agencies, func(a store.ProgressAgency) ProgressAgencyJSON {
		return ProgressAgencyJSON{ID: a.ID, Code: a.Code, Name: a.Name, Kind: a.Kind, ReportID: a.ReportID, State: a.State, Round: a.Round,
			LastActivity: s.local(a.LastActivity)}
	})
	return out
}

// ImportResultJSON is what an officials import did.
type ImportResultJSON struct {
	Created    int     `json:"created"`
	Updated    int     `json:"updated"`
	Unchanged  int     `json:"unchanged"`
	CreatedIDs []int64 `json:"created_ids"`
	UpdatedIDs []int64 `json:"updated_ids"`
}

func importResultOut(r store.ImportResult) ImportResultJSON {
	nonNil := func(ids []int64) []int64 {
		if ids == nil {
			return []int64{}
		}
		return ids
	}
	return ImportResultJSON{Created: r.Created, Updated: r.Updated, Unchanged: r.Unchanged, CreatedIDs: nonNil(r.CreatedIDs), UpdatedIDs: nonNil(r.UpdatedIDs)}
}

// CampaignRoundJSON is a campaign-wide supplementary round.
type CampaignRoundJSON struct {
	Number    int       `json:"number"`
	OpensAt   time.Time `json:"opens_at"`
	ClosesAt  time.Time `json:"closes_at"`
	AgencyIDs []int64   `json:"agency_ids"`
	Criteria  []string  `json:"criteria"`
	Note      string    `json:"note"`
}

// CampaignJSON is a campaign as the API writes it.
type CampaignJSON struct {
	ID           int64                         `json:"id"`
	Name         string                        `json:"name"`
	Year         int                           `json:"year"`
	OpensAt      time.Time                     `json:"opens_at"`
	ClosesAt     time.Time                     `json:"closes_at"`
	CriteriaSets map[workflow.AgencyKind]int64 `json:"criteria_sets"`
	Rounds       []CampaignRoundJSON           `json:"rounds"`
}

func (s *Server) campaignOut(c workflow.Campaign) CampaignJSON {
	return CampaignJSON{ID: c.ID, Name: c.Name, Year: c.Year, OpensAt: s.local(c.OpensAt), ClosesAt: s.local(c.ClosesAt), CriteriaSets: c.CriteriaSets,
		Rounds: each(c.Rounds, func(r workflow.CampaignRound) CampaignRoundJSON {
			return CampaignRoundJSON{Number: r.Number, OpensAt: s.local(r.OpensAt), ClosesAt: s.local(r.ClosesAt), AgencyIDs: r.AgencyIDs, Criteria: r.Criteria, Note: r.Note}
		})}
}

// UserJSON is a user with their grants, as /me and user creation answer.
type UserJSON struct {
	ID     int64            `json:"id"`
	Email  string           `json:"email"`
	Name   string           `json:"name"`
	Title  string           `json:"title"`
	Grants []workflow.Grant `json:"grants"`
}

func userOut(u *workflow.User) UserJSON {
	grants := u.Grants
	if grants == nil {
		grants = []workflow.Grant{}
	}
	return UserJSON{ID: u.ID, Email: u.Email, Name: u.Name, Title: u.Title, Grants: grants}
}
