package naming

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation"
)

func TestSanitize(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"host":                {"ambient-se-httpbin.org", "ambient-se-httpbin-org"},
		"upper and runs":      {"Egress--To  HTTPBin!!", "egress-to-httpbin"},
		"trailing digits":     {"ambient-se-foo.com2", "ambient-se-foo-com"},
		"leading digits":      {"123-egress-default", "egress-default"},
		"ip becomes prefix":   {"ambient-se-1.2.3.4", "ambient-se"},
		"all non letters":     {"1234", ""},
		"ports end in letter": {"pkg-egress-a.io-443-tls", "pkg-egress-a-io-443-tls"},
		"unicode":             {"allow-pkg-ünïcode", "allow-pkg-n-code"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, Sanitize(tc.in))
		})
	}
}

func TestSanitizeCutsTo250BeforeStripping(t *testing.T) {
	in := strings.Repeat("a", 249) + "-1" + strings.Repeat("b", 10)
	assert.Equal(t, strings.Repeat("a", 249), Sanitize(in))
}

func TestRegistryFirstKeepsPlainName(t *testing.T) {
	r := NewRegistry(MaxNameLength)
	n1, h1 := r.Claim("ambient-se-a-b-com", "a.b.com")
	n2, h2 := r.Claim("ambient-se-a-b-com", "a-b.com")
	n3, h3 := r.Claim("ambient-se-a-b-com", "a.b.com")
	assert.Equal(t, "ambient-se-a-b-com", n1)
	assert.False(t, h1)
	assert.Equal(t, "ambient-se-a-b-com-"+Hash8("a-b.com"), n2)
	assert.True(t, h2)
	assert.Equal(t, n1, n3, "the same key gets the same name again")
	assert.False(t, h3)
}

func TestWithHashStaysWithinLimit(t *testing.T) {
	long := strings.Repeat("x", 250)
	name := WithHash(long, "k", MaxNameLength)
	assert.Len(t, name, MaxNameLength)
	assert.Empty(t, validation.IsDNS1123Subdomain(name))
	assert.Equal(t, "egress-"+Hash8("k"), WithHash("", "k", MaxNameLength))
}

func TestAnnotationKey(t *testing.T) {
	k, short := AnnotationKey("pkg-1", "egress-gw-1")
	assert.Equal(t, "uds.dev/user-pkg-1-egress-gw-1", k)
	assert.False(t, short)

	k, short = AnnotationKey(strings.Repeat("p", 40), strings.Repeat("n", 40))
	assert.True(t, short)
	assert.Empty(t, validation.IsQualifiedName(k))
	assert.LessOrEqual(t, len(strings.TrimPrefix(k, "uds.dev/")), 63)
}

func TestRegistryHashesNamesOverTheLimit(t *testing.T) {
	r := NewRegistry(MaxLabelLength)
	host := "artifactory-prod-mirror.s3-fips.us-gov-west-1.amazonaws.com"
	base := Sanitize("gateway-" + host)
	require.Greater(t, len(base), MaxLabelLength)
	name, hashed := r.Claim(base, host)
	assert.True(t, hashed)
	assert.LessOrEqual(t, len(name), MaxLabelLength)
	assert.Empty(t, validation.IsDNS1123Label(name))
	short, hashed := r.Claim("gateway-a-com", "a.com")
	assert.False(t, hashed)
	assert.Equal(t, "gateway-a-com", short)
}
