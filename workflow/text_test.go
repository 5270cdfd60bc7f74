package workflow

import (
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestNormalizeText(t *testing.T) {
	const precomposed = "Nguyễn Văn Ánh, Sở Tư pháp"
	decomposed := norm.NFD.String(precomposed)
	if decomposed == precomposed {
		t.Fatal("NFD did not decompose the sample; the test would prove nothing")
	}
	tests := []struct {
		name, in, want string
	}{
		{"decomposed", decomposed, precomposed},
		{"decomposed and padded", " \t" + decomposed + "\r\n", precomposed},
		{"precomposed", precomposed, precomposed},
		{"mixed", norm.NFD.String("Sở") + " Tư pháp", "Sở Tư pháp"},
		{"blank", " \n\t ", ""},
		{"inner spaces kept", "a  b", "a  b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NormalizeText(tt.in)
			if got != tt.want {
				t.Errorf("NormalizeText(%q) = %q (% x), want %q (% x)", tt.in, got, got, tt.want, tt.want)
			}
			if !norm.NFC.IsNormalString(got) {
				t.Errorf("NormalizeText(%q) = %q is not NFC", tt.in, got)
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"An.NV@So.Example.VN", "an.nv@so.example.vn"},
		{"  ADMIN@TEST.EXAMPLE.VN \n", "admin@test.example.vn"},
		{"already@lower.vn", "already@lower.vn"},
		{norm.NFD.String("ĐÀO@Sở.vn"), "đào@sở.vn"},
	}
	for _, tt := range tests {
		if got := NormalizeEmail(tt.in); got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidateRefusesNUL(t *testing.T) {
	agency := &Agency{Code: "SO\x00", Name: "Sở", Kind: KindDepartment}
	user := &User{Email: "a@b.vn", Name: "Ng\x00uyễn"}
	for name, err := range map[string]error{"agency": agency.Validate(), "user": user.Validate()} {
		e, ok := err.(*Error)
		if !ok || e.Code != EINVALID || len(e.Fields) != 1 || e.Fields[0].Message != noNUL {
			t.Errorf("%s with a NUL: %v, want EINVALID naming one field", name, err)
		}
	}
}
