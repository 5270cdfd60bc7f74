package workflow

import (
	"strings"
	"testing"
	"time"

	"parindex/i18n"
)

// TestEveryDenialIsInTheCatalogue: the policy's refusals are catalogue keys.
// The catalogue test reads them nowhere (Can passes r.denied on), so they
// are checked here.
func TestEveryDenialIsInTheCatalogue(t *testing.T) {
	for _, a := range Actions() {
		if d := policy[a].denied; d != "" && !i18n.Has(d) {
			t.Errorf("%s: %q has no text in the catalogue", a, d)
		}
	}
	for _, l := range []TextLimit{LimitFileName, LimitReason, LimitNote, LimitExplanation, LimitGuidance, LimitName, LimitTitle, LimitCriterion} {
		if !i18n.Has(l.message) {
			t.Errorf("%q has no text in the catalogue", l.message)
		}
	}
}

// TestMessagesInBothLanguages: a refusal reads whole in each language,
// its arguments too: states and events, the phrases of a signed summary's
// findings, a list of events.
func TestMessagesInBothLanguages(t *testing.T) {
	render := func(err error) (vi, en string) {
		format, args := ErrorFormat(err)
		return i18n.Sprintf(i18n.VI, format, args...), i18n.Sprintf(i18n.EN, format, args...)
	}
	edited := SignedSummary{ID: 1, Filename: "tong-hop.pdf", Present: true, Valid: true, ModifiedAfterSigning: []string{"content", "annotations"}}
	unnamed := SignedSummary{ID: 1, Filename: "tong-hop.pdf", Present: true, Valid: true, CoversFile: true, Untrusted: "revoked"}
	v := int64(3)
	unnamed.Matches = &v
	tests := []struct {
		name   string
		err    error
		vi, en string
	}{
		{"a signature that does not cover the file", edited.CheckForSign(3, SummaryRules{}),
			"Chữ ký số của tệp «tong-hop.pdf» không bao trùm toàn bộ tệp: tệp đã bị sửa sau khi ký (nội dung trang, chú thích).",
			"The digital signature of «tong-hop.pdf» does not cover the whole file: it was edited after signing (page content, annotations)."},
		{"a revoked certificate with no name", unnamed.CheckForSign(3, SummaryRules{Policy: PolicyRequireTrusted}),
			"Chữ ký của người ký không rõ tên không được chấp nhận: chứng thư số đã bị thu hồi.",
			"The signature of an unnamed signer is not accepted: the certificate has been revoked."},
		{"a transition from the wrong state", func() error {
			now := time.Date(2026, 11, 20, 9, 0, 0, 0, hcm)
			r := &Report{State: StateSubmitted, AgencyID: 1, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour)}
			agency := int64(1)
			_, err := Decide(r, &User{Grants: []Grant{{Role: RoleUpdater, AgencyID: &agency}}}, TransitionRequest{Event: EventComplete}, now)
			return err
		}(), "Báo cáo đã gửi thì không thể hoàn thành nhập liệu.", "A report that is submitted cannot complete."},
		{"a field of another event", func() error {
			approve, _ := LookupTransition(EventApprove)
			return approve.CheckFields([]string{"closes_at"})
		}(), "Trường closes_at chỉ dùng cho thao tác mở đợt bổ sung, gia hạn.", "The field closes_at is only for these events: open a supplementary round, extend."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("no error")
			}
			vi, en := render(tt.err)
			if vi != tt.vi || en != tt.en {
				t.Errorf("\n vi %q\nwant %q\n en %q\nwant %q", vi, tt.vi, en, tt.en)
			}
			for _, f := range ErrorFields(tt.err) {
				if !i18n.Has(f.Message) || strings.Contains(i18n.Sprintf(i18n.VI, f.Message, f.Args...), "%!") {
					t.Errorf("field %s: %q does not render", f.Field, f.Message)
				}
			}
		})
	}
}
