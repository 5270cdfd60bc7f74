package workflow

import (
	"fmt"
	"strconv"
	"strings"
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

func TestTextLimits(t *testing.T) {
	for _, tt := range []struct {
		name  string
		limit TextLimit
		at    string // exactly at the limit: accepted
	}{
		{"reason in characters", LimitReason, strings.Repeat("ư", MaxReason)},
		{"explanation in characters", LimitExplanation, strings.Repeat("ệ", MaxExplanation)},
		{"name in characters", LimitName, strings.Repeat("Đ", MaxName)},
		{"decomposed text counts in NFC", LimitName, norm.NFD.String(strings.Repeat("ế", MaxName))},
		{"file name in bytes", LimitFileName, strings.Repeat("ả", MaxFileNameBytes/3)},
		{"decomposed file name counts in NFC", LimitFileName, norm.NFD.String(strings.Repeat("ả", MaxFileNameBytes/3))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.limit.Check("f", tt.at); err != nil {
				t.Errorf("at the limit: %v", err)
			}
			over := tt.at + "a"
			if tt.limit.Bytes {
				over = tt.at + "aaa"
			}
			err := tt.limit.Check("f", over)
			if ErrorCode(err) != EINVALID {
				t.Fatalf("over the limit: %v, want %s", err, EINVALID)
			}
			msg := tt.limit.Message()
			if f := ErrorFields(err); len(f) != 1 || f[0].Field != "f" || fmt.Sprintf(f[0].Message, f[0].Args...) != msg || ErrorMessage(err) != msg {
				t.Errorf("over the limit: %q %v", ErrorMessage(err), f)
			}
			// One whole sentence that names the limit.
			if !strings.HasSuffix(msg, ".") || strings.Count(msg, ".") != 1 || !strings.Contains(msg, strconv.Itoa(tt.limit.Max)) {
				t.Errorf("message %q is not one sentence naming %d", msg, tt.limit.Max)
			}
		})
	}
	if got := LimitFileName.Message(); got != "Tên tệp dài quá 255 byte." {
		t.Errorf("file name message %q", got)
	}
}
