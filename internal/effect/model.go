package effect

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Mutation is a deliberate defect of the model for the agreement test's
// self-test (package doc); "" is the model.
type Mutation string

// The mutations the self-test uses.
const (
	DropDeny                Mutation = "drop-deny"
	AndAsOr                 Mutation = "and-as-or"
	IgnoreExportTo          Mutation = "ignore-exportto"
	IgnoreSidecarPrecedence Mutation = "ignore-sidecar-precedence"
)

// Mutations lists every mutation.
var Mutations = []Mutation{DropDeny, AndAsOr, IgnoreExportTo, IgnoreSidecarPrecedence}

// Environment variables of the self-test (package doc).
const (
	EnvMutation = "UDS_EGRESS_FN_EFFECT_MUTATION"
	EnvSelfTest = "UDS_EGRESS_FN_EFFECT_SELFTEST"
)

// MutationFromEnv returns the mutation the environment asks for: none
// normally; an error when one is asked for without the self-test switch or
// is unknown.
func MutationFromEnv() (Mutation, error) {
	v := os.Getenv(EnvMutation)
	if v == "" {
		return "", nil
	}
	if os.Getenv(EnvSelfTest) != "1" {
		return "", errors.New(EnvMutation + " is for the effect model's self-test only (it needs " + EnvSelfTest + "=1); unset it")
	}
	if !slices.Contains(Mutations, Mutation(v)) {
		return "", fmt.Errorf("%s=%q: not a mutation (%v)", EnvMutation, v, Mutations)
	}
	return Mutation(v), nil
}

// Modes of an identity.
const (
	Ambient = schemas.ModeAmbient
	Sidecar = schemas.ModeSidecar
)

// Options are what the model needs beyond the objects.
type Options struct {
	// TrustDomain of the principals ("cluster.local" when empty).
	TrustDomain string
	// RootNamespace is Istio's root namespace ("istio-system" when empty).
	RootNamespace string
	// Modes says the mode of namespaces the objects do not (from the
	// Packages).
	Modes    map[string]string
	Mutation Mutation
}

// Model is a set of objects, decoded.
type Model struct {
	opts            Options
	serviceEntries  []*serviceEntry
	policies        []*policy
	sidecars        []*sidecar
	virtualServices []*virtualService
	gateways        []*istioGateway
	waypoints       []*waypoint
	namespaces      map[string]*namespaceObj
	ix              *index
	// Unmodelled lists what the model does not evaluate.
	Unmodelled []Unmodelled
}

// New decodes the objects (any others are skipped).
func New(objs []*yaml.Node, opts Options) *Model {
	if opts.TrustDomain == "" {
		opts.TrustDomain = "cluster.local"
	}
	if opts.RootNamespace == "" {
		opts.RootNamespace = "istio-system"
	}
	return NewFrom(func(add func(*yaml.Node)) {
		for _, n := range objs {
			add(n)
		}
	}, opts)
}

// NewFrom decodes the objects each hands to add, one at a time (a node
// need not outlive the call).
func NewFrom(each func(add func(*yaml.Node)), opts Options) *Model {
	return NewFromBoth(func(add func(*yaml.Node), _ func(render.Object)) { each(add) }, opts)
}

// NewFromBoth is NewFrom with a second way in: the objects the function
// generates, in their typed form (no YAML round trip).
func NewFromBoth(each func(add func(*yaml.Node), addRendered func(render.Object)), opts Options) *Model {
	if opts.TrustDomain == "" {
		opts.TrustDomain = "cluster.local"
	}
	if opts.RootNamespace == "" {
		opts.RootNamespace = "istio-system"
	}
	m := &Model{opts: opts, namespaces: map[string]*namespaceObj{}}
	addNode := func(n *yaml.Node) {
		for n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			n = n.Content[0]
		}
		if n != nil {
			m.decodeObject(n)
		}
	}
	each(addNode, func(o render.Object) {
		if !m.addRendered(o) {
			var n yaml.Node
			if err := n.Encode(o); err == nil {
				addNode(&n)
			}
		}
	})
	// Oldest first, then by namespace and name: the order Istio picks
	// among Sidecars (and the order answers list objects in).
	slices.SortStableFunc(m.sidecars, func(a, b *sidecar) int { return cmpMeta(a.meta, b.meta) })
	slices.SortStableFunc(m.policies, func(a, b *policy) int { return cmpMeta(a.meta, b.meta) })
	// VirtualServices in Istio's order (sortConfigByCreationTime: oldest
	// first, then by name, then namespace): when two bind one host for the
	// same traffic, the first one's route wins (the xDS agreement test's
	// golden case sidecar-foreign-gateway-and-vs).
	slices.SortStableFunc(m.virtualServices, func(a, b *virtualService) int {
		return cmp.Or(strings.Compare(a.created, b.created), strings.Compare(a.ref.Name, b.ref.Name), strings.Compare(a.ref.Namespace, b.ref.Namespace))
	})
	m.buildIndex()
	return m
}

func cmpMeta(a, b meta) int {
	if a.created != b.created && a.created != "" && b.created != "" {
		return strings.Compare(a.created, b.created)
	}
	return strings.Compare(a.ref.Namespace+"/"+a.ref.Name, b.ref.Namespace+"/"+b.ref.Name)
}

// Empty reports whether the objects hold nothing the model reads.
func (m *Model) Empty() bool {
	return len(m.serviceEntries)+len(m.policies)+len(m.sidecars)+len(m.virtualServices)+len(m.gateways)+len(m.waypoints) == 0
}

// ModeOf returns the mode of a namespace: its Namespace labels, else the
// Options, else sidecar when it holds a Sidecar, else ambient.
func (m *Model) ModeOf(ns string) string {
	if n := m.namespaces[ns]; n != nil {
		switch {
		case n.labels["istio.io/dataplane-mode"] == schemas.ModeAmbient:
			return Ambient
		case n.labels["istio-injection"] == "enabled" || n.labels["istio.io/rev"] != "":
			return Sidecar
		}
	}
	if mode := m.opts.Modes[ns]; mode != "" {
		return mode
	}
	if m.ix.namespacesWithSidecar[ns] {
		return Sidecar
	}
	return Ambient
}

// Identity is who opens a connection.
type Identity struct {
	Namespace string `json:"namespace"`
	// ServiceAccount "" or "*" is any service account the objects do not
	// name.
	ServiceAccount string `json:"serviceAccount"`
	// Labels of the pod (sidecar mode: they pick its Sidecar).
	Labels map[string]string `json:"labels,omitempty"`
	// Mode is ambient or sidecar; "" means ModeOf(Namespace).
	Mode string `json:"mode,omitempty"`
}

func (id Identity) principal(td string) string {
	sa := id.ServiceAccount
	if sa == "" {
		sa = "*"
	}
	return td + "/ns/" + id.Namespace + "/sa/" + sa
}

// Request is one connection: a TLS connection (SNI host), an HTTP request
// (Host header, method and path; empty method or path: any) or a TCP
// connection, to a host and port.
type Request struct {
	Identity
	Host     string `json:"host"`
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
	Method   string `json:"method,omitempty"`
	Path     string `json:"path,omitempty"`
}

// Verdicts.
const (
	Yes = "yes"
	No  = "no"
	// Some: an HTTP port where only some requests are allowed (Decision.HTTP
	// lists them); only when the request names no method or path.
	Some    = "some"
	Unknown = "unknown"
)

// Because is one object (and rule) behind a decision.
type Because struct {
	Object Ref    `json:"object"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason,omitempty"`
}

func (b Because) String() string {
	s := b.Object.String()
	if b.Field != "" {
		s += " " + b.Field
	}
	if b.Reason == "" {
		return s
	}
	return s + ": " + b.Reason
}

// HTTPMatch is the requests one policy operation matches (empty: any).
type HTTPMatch struct {
	Methods    []string `json:"methods,omitempty"`
	Paths      []string `json:"paths,omitempty"`
	NotMethods []string `json:"notMethods,omitempty"`
	NotPaths   []string `json:"notPaths,omitempty"`
}

// String is "GET,HEAD /get /status/*" like the report's http column.
func (h HTTPMatch) String() string {
	m, p := "any method", "any path"
	if len(h.Methods) > 0 {
		m = strings.Join(h.Methods, ",")
	}
	if len(h.Paths) > 0 {
		p = strings.Join(h.Paths, " ")
	}
	s := m + " " + p
	if len(h.NotMethods) > 0 {
		s += " not " + strings.Join(h.NotMethods, ",")
	}
	if len(h.NotPaths) > 0 {
		s += " not " + strings.Join(h.NotPaths, " ")
	}
	return s
}

// Decision is the answer for one request.
type Decision struct {
	Verdict string `json:"verdict"`
	// Route is how the connection leaves: "waypoint <ns>/<name>", "egress
	// gateway", "direct", "passthrough (ALLOW_ANY)".
	Route     string    `json:"route,omitempty"`
	AllowedBy []Because `json:"allowedBy,omitempty"`
	// BlockedBy is the first thing that blocks the connection.
	BlockedBy *Because `json:"blockedBy,omitempty"`
	// HTTP lists the requests allowed when Verdict is some; Except the
	// requests a DENY policy blocks among them.
	HTTP   []HTTPMatch `json:"http,omitempty"`
	Except []HTTPMatch `json:"except,omitempty"`
	// Unknown lists the unmodelled things the decision depends on.
	Unknown []string `json:"unknown,omitempty"`
}

func no(b Because) Decision { return Decision{Verdict: No, BlockedBy: &b} }

// istioMatch is Istio's string match: exact, "*" (any), prefix "x*",
// suffix "*x".
func istioMatch(pattern, value string) bool {
	switch {
	case pattern == "*":
		return value != ""
	case strings.HasSuffix(pattern, "*"):
		return strings.HasPrefix(value, strings.TrimSuffix(pattern, "*"))
	case strings.HasPrefix(pattern, "*"):
		return strings.HasSuffix(value, strings.TrimPrefix(pattern, "*"))
	}
	return pattern == value
}

func anyMatch(patterns []string, value string, match func(p, v string) bool) bool {
	for _, p := range patterns {
		if match(p, value) {
			return true
		}
	}
	return false
}

// pathMatch matches a path as an AuthorizationPolicy does: URI templates
// ({*} one segment, {**} any number) or Istio's string match.
func pathMatch(pattern, path string) bool {
	if !strings.Contains(pattern, "{") {
		return istioMatch(pattern, path)
	}
	var b strings.Builder
	b.WriteString("^")
	for rest := pattern; rest != ""; {
		switch {
		case strings.HasPrefix(rest, "{**}"):
			b.WriteString(".*")
			rest = rest[4:]
		case strings.HasPrefix(rest, "{*}"):
			b.WriteString("[^/]+")
			rest = rest[3:]
		default:
			b.WriteString(regexp.QuoteMeta(rest[:1]))
			rest = rest[1:]
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	return err == nil && re.MatchString(path)
}

// hostMatch: a ServiceEntry or VirtualService host ("*.x" wildcard) and a
// request host.
func hostMatch(pattern, host string) bool {
	if pattern == "*" {
		return true
	}
	if strings.HasPrefix(pattern, "*.") {
		return strings.HasSuffix(host, pattern[1:])
	}
	return pattern == host
}

// visible reports whether an object with exportTo in namespace owner is
// visible in namespace ns (absent exportTo: every namespace).
func (m *Model) visible(exportTo []string, owner, ns string) bool {
	if m.opts.Mutation == IgnoreExportTo || len(exportTo) == 0 {
		return true
	}
	for _, e := range exportTo {
		switch e {
		case "*":
			return true
		case ".":
			if owner == ns {
				return true
			}
		case "~":
		default:
			if e == ns {
				return true
			}
		}
	}
	return false
}

func selects(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}
