package oidc

import (
	"net/url"
	"strings"
)

// SafeReturn returns path if it is a local path of this site ("/x"), and "/"
// otherwise: absolute URLs, scheme-relative "//host", "/\host" (which
// browsers read as "//host"), control characters and anything that does not
// start with "/" would send the person elsewhere after login (an open
// redirect).
func SafeReturn(path string) string {
	if path == "" || path[0] != '/' || len(path) > 2048 {
		return "/"
	}
	if len(path) > 1 && (path[1] == '/' || path[1] == '\\') {
		return "/"
	}
	for _, r := range path {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(path)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	// Percent-encoded slashes or backslashes at the start decode to the same
	// tricks once a proxy or router unescapes them.
	if p := strings.ToLower(u.EscapedPath()); strings.HasPrefix(p, "/%2f") || strings.HasPrefix(p, "/%5c") {
		return "/"
	}
	return path
}
