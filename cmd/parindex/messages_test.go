package main

import (
	"errors"
	"testing"

	"parindex/workflow"
)

// TestCommandLineLanguage: domain errors are written in Vietnamese unless
// the locale is English; the locale is read as the C library reads it.
func TestCommandLineLanguage(t *testing.T) {
	refusal := workflow.Errorf(workflow.ENOTFOUND, "Không có đơn vị nào mang mã %q.", "NOPE")
	vi, en := `Không có đơn vị nào mang mã "NOPE".`, `No agency has the code "NOPE".`
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{nil, vi},
		{map[string]string{"LANG": "vi_VN.UTF-8"}, vi},
		{map[string]string{"LANG": "C.UTF-8"}, vi},
		{map[string]string{"LANG": "en_US.UTF-8"}, en},
		{map[string]string{"LANG": "en"}, en},
		{map[string]string{"LC_ALL": "en_GB.UTF-8", "LANG": "vi_VN.UTF-8"}, en},
		{map[string]string{"LC_ALL": "vi_VN.UTF-8", "LANG": "en_US.UTF-8"}, vi},
		{map[string]string{"LC_MESSAGES": "en_US.UTF-8", "LANG": "vi_VN.UTF-8"}, en},
	} {
		m, _, _ := newMain(nil, tc.env)
		if got := m.cliError(refusal); got == nil || got.Error() != tc.want {
			t.Errorf("%v: %v, want %q", tc.env, got, tc.want)
		}
	}

	// Field messages name their place in the form, in the same language.
	m, _, _ := newMain(nil, nil)
	if got := m.rowWhere("rows/7/permission"); got != "dòng 7, cột Quyền" {
		t.Errorf("rowWhere: %q", got)
	}
	m, _, _ = newMain(nil, map[string]string{"LANG": "en_US.UTF-8"})
	if got := m.rowWhere("rows/7/permission"); got != "row 7, permission" {
		t.Errorf("rowWhere, English: %q", got)
	}

	// An internal error keeps its detail for the operator; no error is none.
	internal := errors.New("disk full")
	if got := m.cliError(internal); got != internal {
		t.Errorf("internal error: %v", got)
	}
	if got := m.cliError(nil); got != nil {
		t.Errorf("nil: %v", got)
	}
}
