package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"parindex/store/storetest"
)

func TestStartupLine(t *testing.T) {
	t.Parallel()
	db := storetest.URL(t, "sqlite")
	m, stdout := serve(t, nil, nil, "--addr", "127.0.0.1:0", "--db", db, "--demo")
	want := "parindex đang phục vụ tại " + m.URL() + " (SQLite " + strings.TrimPrefix(db, "sqlite:") + "); " +
		"mở " + m.URL() + " trong trình duyệt và chọn một tài khoản demo, ví dụ cán bộ cập nhật của Sở Tư pháp " +
		`(công cụ dùng mã ở trên: curl -H "Authorization: Bearer $ADMIN" ` + m.URL() + "/api/v1/me)"
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if last := lines[len(lines)-1]; last != want {
		t.Fatalf("last line of standard output:\n%s\nwant\n%s", last, want)
	}
	demoExports(t, stdout.String()) // the tokens it points to are above it

	// Without --demo, the line alone: nothing about logging in.
	m2, stdout2 := serve(t, nil, nil, "--addr", "127.0.0.1:0", "--db", storetest.URL(t, "sqlite"))
	if out := stdout2.String(); !strings.HasPrefix(out, "parindex đang phục vụ tại "+m2.URL()+" (SQLite ") || strings.Count(out, "\n") != 1 || strings.Contains(out, "Bearer") {
		t.Fatalf("standard output without --demo: %q", out)
	}
}

func TestDescribeDB(t *testing.T) {
	for _, c := range []struct{ dialect, db, want string }{
		{"sqlite", "sqlite:parindex.db", "SQLite parindex.db"},
		{"sqlite", "/var/lib/parindex/parindex.db", "SQLite /var/lib/parindex/parindex.db"},
		{"postgres", "postgres://parindex:secret@db.local:5432/parindex?sslmode=require", "PostgreSQL db.local:5432/parindex"},
		{"postgres", "host=db.local user=parindex password=secret", "PostgreSQL"},
	} {
		if got := describeDB(c.dialect, c.db); got != c.want {
			t.Errorf("describeDB(%q) = %q, want %q", c.db, got, c.want)
		}
	}
}

func TestLogFlags(t *testing.T) {
	t.Parallel()
	start := func(args ...string) string {
		t.Helper()
		m, _, stderr := newMain(nil, withDataDir(t, nil, nil))
		args = append([]string{"serve", "--addr", "127.0.0.1:0", "--db", storetest.URL(t, "sqlite")}, args...)
		if err := m.Run(context.Background(), args); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		return stderr.String()
	}
	// The default: JSON lines at info and above.
	out := start()
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
	}
	if !strings.Contains(out, `"message":"serving"`) {
		t.Fatalf("no serving entry in:\n%s", out)
	}
	// text: plain lines, no JSON, no colour codes.
	out = start("--log-format", "text")
	if !strings.Contains(out, " INF serving addr=127.0.0.1:") || strings.Contains(out, "{\"") || strings.Contains(out, "\x1b[") {
		t.Fatalf("--log-format text wrote:\n%s", out)
	}
	// warn drops the info entries and keeps the warnings.
	out = start("--log-level", "warn", "--log-format", "text")
	if strings.Contains(out, "INF") || !strings.Contains(out, "WRN") {
		t.Fatalf("--log-level warn wrote:\n%s", out)
	}
	for _, bad := range [][]string{{"--log-level", "verbose"}, {"--log-level", "trace"}, {"--log-format", "xml"}, {"--min-throughput", "0"}} {
		m, _, _ := newMain(nil, withDataDir(t, nil, nil))
		if err := m.Run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0", "--db", storetest.URL(t, "sqlite")}, bad...)); err == nil || !strings.Contains(err.Error(), bad[0]) {
			m.Close()
			t.Errorf("%v: err = %v, want one naming %s", bad, err, bad[0])
		}
	}
}
