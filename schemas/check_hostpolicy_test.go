package schemas

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The path forms of Istio's AuthorizationPolicy (exact, prefix, suffix,
// presence, {*}/{**} templates) are accepted; what the waypoint could never
// match, or Istio rejects, is not.
func TestPathProblem(t *testing.T) {
	ok := []string{"/", "/get", "/status/*", "*.json", "*", "/v1/{*}/items", "/files/{**}", "/a/{*}/{**}",
		"/%20x", "/a:b@c", "/api/v1/", "*/suffix"}
	bad := []string{"", "get", "get*", "/a*b", "**", "/a/*/b", "/q?x=1", "/a#f", "/a b", "/é", "/{**}/x/{*}",
		"/{x}", "/a{*}", "{*}/a", "/v1/{*}/a*", "/a}", "/\t"}
	for _, p := range ok {
		assert.Empty(t, PathProblem(p), "%q must be accepted", p)
	}
	for _, p := range bad {
		assert.NotEmpty(t, PathProblem(p), "%q must be rejected", p)
	}
}

func TestHeaderValueProblem(t *testing.T) {
	ok := []string{"", "added-value", "100%%", "%HOSTNAME%", "pre %DOWNSTREAM_REMOTE_ADDRESS% post", "tab\there"}
	bad := []string{"100%", "%hostname%", "%", "a%b", "line\nbreak", "nul\x00", "del\x7f"}
	for _, v := range ok {
		assert.Empty(t, headerValueProblem(v), "%q must be accepted", v)
	}
	for _, v := range bad {
		assert.NotEmpty(t, headerValueProblem(v), "%q must be rejected", v)
	}
}
