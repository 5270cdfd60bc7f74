package store_test

import (
	"reflect"
	"testing"

	"parindex/i18n"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// rendered is an error's detail and field messages as an answer in lang
// writes them.
func rendered(err error, lang string) []string {
	tag := i18n.Lang(lang)
	format, args := workflow.ErrorFormat(err)
	out := []string{i18n.Sprintf(tag, format, args...)}
	for _, f := range workflow.ErrorFields(err) {
		out = append(out, f.Field+": "+i18n.Sprintf(tag, f.Message, f.Args...))
	}
	return out
}

// TestErrorsInBothLanguages: the store's refusals read whole in Vietnamese
// by default and in English on request, arguments included (an agency kind
// is named as each language names it), on both dialects.
func TestErrorsInBothLanguages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		p := newProvince(t, dialect)
		s := p.s

		// A duplicate, which the database reports in its own words.
		dup := workflow.Agency{Code: p.depts[0].Code, Name: "Trùng mã", Kind: workflow.KindDepartment}
		err := s.CreateAgency(ctx, nil, &dup, store.Meta{})
		wantCode(t, err, workflow.ECONFLICT)
		code := p.depts[0].Code
		for _, tc := range []struct {
			lang string
			want []string
		}{
			{"", []string{"Đã có đơn vị mang mã " + code + ".", "code: Đã được dùng."}},
			{"en-US,en;q=0.9", []string{"An agency with code " + code + " already exists.", "code: Already taken."}},
		} {
			if got := rendered(err, tc.lang); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("duplicate agency, Accept-Language %q:\n got %q\nwant %q", tc.lang, got, tc.want)
			}
		}

		// A criteria set of the other kind: the kind is a translated term.
		c := p.campaign("Chỉ số CCHC 2026", map[workflow.AgencyKind]int64{workflow.KindDepartment: p.dist.ID})
		err = s.CreateCampaign(ctx, c, p.admin, store.Meta{})
		wantCode(t, err, workflow.EINVALID)
		for _, tc := range []struct {
			lang string
			want []string
		}{
			{"vi", []string{"Bộ tiêu chí của kỳ đánh giá không hợp lệ.", "criteria_sets/department: Bộ tiêu chí này dành cho khối UBND cấp huyện."}},
			{"en", []string{"The campaign's criteria sets are not valid.", "criteria_sets/department: That criteria set is for another kind of agency (district People's Committee)."}},
		} {
			if got := rendered(err, tc.lang); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("criteria set of another kind, Accept-Language %q:\n got %q\nwant %q", tc.lang, got, tc.want)
			}
		}
	})
}
