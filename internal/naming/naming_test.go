package naming

import (
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation"
)

// maxNameLength is a DNS-1123 subdomain, the limit of most generated kinds
// (kinds.DNSSubdomain; naming does not import the registry).
const maxNameLength = 253

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
	r := NewRegistry(maxNameLength)
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
	name := WithHash(long, "k", maxNameLength)
	assert.Len(t, name, maxNameLength)
	assert.Empty(t, validation.IsDNS1123Subdomain(name))
	assert.Equal(t, "egress-"+Hash8("k"), WithHash("", "k", maxNameLength))
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

// The reproduced collision: foo.com4 sanitizes like foo.com, is hashed, and
// its hashed name is exactly the plain name of the host "foo.com-<hash>".
func TestRegistryHashedNameIsCheckedLikeAnyOther(t *testing.T) {
	r := NewRegistry(maxNameLength)
	trap := "foo.com-" + Hash8("foo.com4")
	n1, _ := r.Claim(Sanitize("ambient-se-"+trap), trap)
	n2, _ := r.Claim(Sanitize("ambient-se-foo.com"), "foo.com")
	n3, h3 := r.Claim(Sanitize("ambient-se-foo.com4"), "foo.com4")
	require.Equal(t, "ambient-se-foo-com-"+Hash8("foo.com4"), n1, "the trap host holds the name foo.com4 would hash to")
	assert.Equal(t, "ambient-se-foo-com", n2)
	assert.True(t, h3)
	assert.NotEqual(t, n1, n3)
	assert.NotEqual(t, n2, n3)
	assert.Equal(t, "ambient-se-foo-com-"+Hash8("foo.com4#1"), n3, "the hash is salted until the name is free")
	again, _ := r.Claim(Sanitize("ambient-se-foo.com4"), "foo.com4")
	assert.Equal(t, n3, again, "the same owner gets its salted name again")

	// The other order: the hashed name is handed out first, then the plain
	// name equal to it is asked for.
	r = NewRegistry(maxNameLength)
	r.Claim(Sanitize("ambient-se-foo.com"), "foo.com")
	m1, _ := r.Claim(Sanitize("ambient-se-foo.com4"), "foo.com4")
	m2, h2 := r.Claim(Sanitize("ambient-se-"+trap), trap)
	assert.True(t, h2)
	assert.NotEqual(t, m1, m2)
}

func TestNamesShareOneRegistryPerScope(t *testing.T) {
	n := NewNames()
	se := Scope{Namespace: "istio-egress-gateway", Kind: "networking.istio.io/ServiceEntry"}
	a := n.In(se, maxNameLength)
	b := n.In(se, MaxLabelLength)
	assert.Same(t, a, b, "one registry per scope, whoever asks")
	other := n.In(Scope{Namespace: "istio-egress-gateway", Kind: "networking.istio.io/Gateway"}, MaxLabelLength)
	assert.NotSame(t, a, other)
	// A package-local and a shared object asking for one name in one scope.
	local, _ := a.ClaimFor("service-entry-egress-foo-com-443-tls", "package ns/service-entry host foo.com", "foo.com")
	shared, hashed := a.ClaimFor("service-entry-egress-foo-com-443-tls", "gateway host egress-foo.com-443-tls", "egress-foo.com-443-tls")
	assert.True(t, hashed)
	assert.NotEqual(t, local, shared)
}

// Property: whatever bases and owners are asked for, in whatever order, no
// two owners of one registry share a name, every name fits the limit and is
// a DNS name, and an owner asking again gets its name back. The generator
// writes adversarial keys: sanitizer collisions (trailing digits, other
// separators) and keys that end in the hash of another key.
func TestRegistryNamesAreUniqueProperty(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 500; round++ {
		limit := []int{MaxLabelLength, maxNameLength}[rng.Intn(2)]
		r := NewRegistry(limit)
		var keys []string
		for i := 0; i < 2+rng.Intn(30); i++ {
			keys = append(keys, adversarialHost(rng, keys))
		}
		names := map[string]string{} // name -> owner
		got := map[string]string{}   // owner -> name
		for _, k := range keys {
			name, _ := r.Claim(Sanitize("gateway-"+k), k)
			if prev, ok := got[k]; ok {
				require.Equal(t, prev, name, "round %d: %q asked again", round, k)
				continue
			}
			if owner, taken := names[name]; taken {
				t.Fatalf("round %d: %q and %q both named %q (keys %q)", round, owner, k, name, keys)
			}
			names[name], got[k] = k, name
			require.LessOrEqual(t, len(name), limit)
			require.Empty(t, validation.IsDNS1123Subdomain(name), name)
		}
	}
}

func adversarialHost(rng *rand.Rand, earlier []string) string {
	stems := []string{"foo.com", "foo-com", "foo.co", "a.b", strings.Repeat("long", 20) + ".example.com", "x.io"}
	stem := stems[rng.Intn(len(stems))]
	switch rng.Intn(5) {
	case 0:
		return stem
	case 1:
		return stem + strconv.Itoa(rng.Intn(12)) // the formula strips trailing digits
	case 2:
		if len(earlier) > 0 { // "x.com-<hash of an earlier key>"
			return stem + "-" + Hash8(earlier[rng.Intn(len(earlier))])
		}
		return stem + "-" + Hash8(stem+"1")
	case 3:
		return stem + "-" + Hash8(stem+strconv.Itoa(rng.Intn(3))) + "#" + strconv.Itoa(rng.Intn(2))
	default:
		return strings.ReplaceAll(stem, ".", "-") + "." + stems[rng.Intn(len(stems))]
	}
}
