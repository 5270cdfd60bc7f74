package workflow

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestErrorHelpers(t *testing.T) {
	domain := Errorf(ECONFLICT, "A report in %s cannot %s.", StateDraft, EventSubmit).
		WithFields(Field("state", "draft"), Field("event", "submit"))
	tests := []struct {
		name    string
		err     error
		code    string
		message string
		fields  []FieldError
	}{
		{"nil", nil, "", "", nil},
		{"domain", domain, ECONFLICT, "A report in draft cannot submit.", domain.Fields},
		{"wrapped domain", fmt.Errorf("store: %w", domain), ECONFLICT, "A report in draft cannot submit.", domain.Fields},
		{"anything else is internal and says nothing", errors.New("pq: password authentication failed"), EINTERNAL, "Internal error.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := ErrorMessage(tt.err); got != tt.message {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.message)
			}
			if got := ErrorFields(tt.err); !reflect.DeepEqual(got, tt.fields) {
				t.Errorf("ErrorFields = %v, want %v", got, tt.fields)
			}
		})
	}
	if got, want := domain.Error(), "parindex error: code=conflict message=A report in draft cannot submit."; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestAgencyValidate(t *testing.T) {
	tests := []struct {
		name   string
		agency Agency
		fields []string
	}{
		{"valid", Agency{Code: "STP", Name: "Sở Tư pháp", Kind: KindDepartment}, nil},
		{"valid district", Agency{Code: " ALUOI ", Name: "UBND huyện A Lưới", Kind: KindDistrict}, nil},
		{"all missing", Agency{}, []string{"code", "name", "kind"}},
		{"code too long", Agency{Code: strings.Repeat("A", 65), Name: "n", Kind: KindDistrict}, []string{"code"}},
		{"unknown kind", Agency{Code: "X", Name: "n", Kind: "Phường"}, []string{"kind"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.agency
			err := a.Validate()
			wantFields(t, err, tt.fields)
		})
	}
}
