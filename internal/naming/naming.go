// Package naming turns hosts, Packages and selectors into Kubernetes object
// names and annotation keys with the UDS operator's formula, and resolves
// the rare names that formula makes empty or shared.
package naming

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// Sanitize is the UDS formula (sanitizeResourceName): lower-case, every run
// of characters outside [a-z0-9] becomes "-", cut to 250, then strip leading
// and trailing characters that are not letters.
func Sanitize(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	b.Grow(len(s))
	dash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteByte(c)
			dash = false
			continue
		}
		if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	out := b.String()
	if len(out) > 250 {
		out = out[:250]
	}
	isLetter := func(c byte) bool { return c >= 'a' && c <= 'z' }
	start, end := 0, len(out)
	for start < end && !isLetter(out[start]) {
		start++
	}
	for end > start && !isLetter(out[end-1]) {
		end--
	}
	return out[start:end]
}

// Hash8 is the first 8 hex digits of sha256(s): the disambiguation suffix.
func Hash8(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// WithHash appends "-<hash8(key)>" to name, cutting name first so the result
// stays within limit. An empty name becomes "egress-<hash>".
func WithHash(name, key string, limit int) string {
	suffix := Hash8(key)
	if name == "" {
		name = "egress"
	}
	if max := limit - len(suffix) - 1; len(name) > max {
		name = strings.TrimRight(name[:max], "-.")
	}
	return name + "-" + suffix
}

// MaxLabelLength is the longest DNS-1123 label: the name part of a
// qualified annotation key. The name length limit of each generated kind
// is in its registry entry (kinds.Kind.NameLimit).
const MaxLabelLength = 63

// Scope is where object names must be unique: one kind of one API group in
// one namespace. Kubernetes keys objects by (group, kind, namespace, name),
// so two objects in one scope with one name would overwrite each other.
type Scope struct {
	Namespace string
	// Kind is "group/Kind", e.g. "networking.istio.io/ServiceEntry".
	Kind string
}

// Names hands out the object names of one run: one Registry per Scope, so
// shared, package-local and hashed names all meet in the same registry
// whichever builder asks for them.
type Names struct {
	scopes map[Scope]*Registry
}

// NewNames returns an empty set of registries.
func NewNames() *Names { return &Names{scopes: map[Scope]*Registry{}} }

// In returns the registry of a scope, creating it with the given length
// limit the first time it is asked for.
func (n *Names) In(s Scope, limit int) *Registry {
	r := n.scopes[s]
	if r == nil {
		r = NewRegistry(limit)
		n.scopes[s] = r
	}
	return r
}

// Registry hands out object names within one scope. The first owner to ask
// for a plain name keeps it; a different owner that maps to the same name,
// or a name that is empty or longer than the scope allows, gets a hashed
// name instead. A hashed name is checked like any other: when another
// owner already holds it (a host written as "x.com-<hash of y>"), the hash
// is salted until the name is free.
type Registry struct {
	limit int
	owner map[string]string // name -> owner that holds it
}

// NewRegistry returns an empty registry for names of at most limit
// characters (the kind's kinds.Kind.NameLimit).
func NewRegistry(limit int) *Registry {
	return &Registry{limit: limit, owner: map[string]string{}}
}

// Claim returns the name for key given its sanitized base name, and whether
// it had to be hashed. The key is both the owner and the hash input.
func (r *Registry) Claim(base, key string) (name string, hashed bool) {
	return r.ClaimFor(base, key, key)
}

// ClaimFor returns the name for owner, hashing hashKey when the base name
// is unusable or held by another owner. Owners must be unique per object;
// hashKey (the host, say) only decides the suffix, so that names stay the
// same when the same host is asked for by another kind of owner.
func (r *Registry) ClaimFor(base, owner, hashKey string) (name string, hashed bool) {
	if base != "" && len(base) <= r.limit && r.free(base, owner) {
		r.owner[base] = owner
		return base, false
	}
	salt := hashKey
	for i := 1; ; i++ {
		name = WithHash(base, salt, r.limit)
		if r.free(name, owner) {
			r.owner[name] = owner
			return name, true
		}
		salt = hashKey + "#" + strconv.Itoa(i)
	}
}

func (r *Registry) free(name, owner string) bool {
	holder, taken := r.owner[name]
	return !taken || holder == owner
}

// AnnotationKey returns the uds.dev/user-<pkg>-<ns> annotation key. The name
// part of a qualified key may be at most 63 characters; a longer one is cut
// and suffixed with a hash (shortened=true).
func AnnotationKey(pkg, namespace string) (key string, shortened bool) {
	name := "user-" + pkg + "-" + namespace
	if len(name) <= MaxLabelLength {
		return "uds.dev/" + name, false
	}
	return "uds.dev/" + WithHash(name, pkg+"/"+namespace, MaxLabelLength), true
}
