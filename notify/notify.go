// Package notify turns one notification of the outbox into a Vietnamese
// message (Render) and delivers it by SMTP (Mailer). It never reads the clock
// and keeps no queue: the outbox decides when, and retries what Send reports
// as temporary.
package notify

import "time"

// Kinds of notification; the comment says who receives it.
const (
	KindRoundOpened    = "round_opened"    // a supplementary round opened for the agency → its updaters and approvers
	KindCampaignOpened = "campaign_opened" // the campaign's window opened → updaters and approvers
	KindReminder       = "reminder"        // closes_at is near and the report is not submitted → updaters and approvers
	KindReturned       = "returned"        // the approver returned the report → updaters, with the reason
	KindSubmitted      = "submitted"       // the report was submitted (Gửi báo cáo) → council
	KindLocked         = "locked"          // the window closed before submission → approvers and council
	KindExtended       = "extended"        // a locked report's deadline was extended → approvers
)

// Kinds lists every kind Render knows, in the order of the workflow.
func Kinds() []string {
	return []string{KindCampaignOpened, KindReminder, KindReturned, KindSubmitted, KindLocked, KindExtended, KindRoundOpened}
}

// Data is everything a message may mention; the outbox stores it as JSON.
// Times are instants (stored UTC); Render shows them in the zone it is given.
type Data struct {
	Campaign string     `json:"campaign"`
	Agency   string     `json:"agency"`
	ReportID int64      `json:"report_id"`
	Round    int        `json:"round"` // 0 is the self-assessment, 1… the supplementary rounds
	OpensAt  *time.Time `json:"opens_at,omitempty"`
	ClosesAt *time.Time `json:"closes_at,omitempty"`
	Criteria []string   `json:"criteria,omitempty"` // codes concerned by a round; none means every self-scored leaf
	Note     string     `json:"note,omitempty"`     // the council's note
	Reason   string     `json:"reason,omitempty"`   // return / extend reason
	Actor    string     `json:"actor,omitempty"`    // who did it (name or email)
	// LeftBefore is the reminder's offset as the scheduler configured it,
	// e.g. "3 ngày" (see FormatLeft). It is stored rather than computed at
	// render time because a message retried an hour later must not say
	// something different, and Render must not read the clock.
	LeftBefore string `json:"left_before,omitempty"`
	BaseURL    string `json:"base_url,omitempty"` // the web app's address; links go to BaseURL/reports/{id}
}

// Message is one rendered notification. Subject and Text also serve as the
// in-app notification's title and body; HTML is the email's rich part.
type Message struct {
	Subject string
	Text    string
	HTML    string
}
