package validate

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/naming"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// entry is one allow entry with where it lives, as the rules see it.
type entry struct {
	pkg  *schemas.Package
	ref  *diag.Ref
	path string // spec.network.allow[i]
	a    *schemas.Allow
	// clusterDomain is the DNS suffix of in-cluster Services.
	clusterDomain string
}

func (e entry) at(field string) string { return e.path + "." + field }

func (e entry) finding(code diag.Code, field, format string, args ...any) *diag.Finding {
	path := e.path
	if field != "" {
		path = e.at(field)
	}
	f := diag.New(code, e.ref, path, format, args...)
	return &f
}

// entryRule checks one allow entry.
type entryRule func(e entry) []diag.Finding

// entryRules run in the order of the UDS validator; all of them run, so one
// pass reports every problem of an entry.
var entryRules = []entryRule{
	ruleRemoteRequired,
	ruleRemoteCombinations,
	ruleUDPGenerated,
	ruleHostProtocol,
	ruleHostIngress,
	ruleHostFormat,
	ruleHostInCluster,
	ruleServiceAccount,
	rulePorts,
	rulePortCount,
	ruleSelectors,
}

// MaxPortsPerEntry caps the ports of one allow entry. It bounds the work
// and the object size one entry can cause: a ports list written once and
// referenced by YAML aliases from many entries would otherwise make a few
// kilobytes of input into gigabytes of objects.
const MaxPortsPerEntry = 100

func one(f *diag.Finding) []diag.Finding {
	if f == nil {
		return nil
	}
	return []diag.Finding{*f}
}

func isL7(a *schemas.Allow) bool {
	return a.RemoteProtocol == schemas.ProtocolTLS || a.RemoteProtocol == schemas.ProtocolHTTP
}

// Rule 1: an allow entry needs a remote.
func ruleRemoteRequired(e entry) []diag.Finding {
	a, rare := e.a, e.a.Others()
	if a.RemoteGenerated == "" && rare.RemoteNamespace == nil && !a.HasRemoteSelector() && rare.RemoteCidr == "" && a.RemoteHost == "" {
		return one(e.finding(diag.MissingRemote, "",
			"%s names no remote: set one of remoteGenerated, remoteNamespace, remoteSelector, remoteCidr or remoteHost", e.path))
	}
	return nil
}

// Rule 2: remotes that cannot be combined. Only the first clash is reported:
// they all describe the same mistake.
func ruleRemoteCombinations(e entry) []diag.Finding {
	a, rare := e.a, e.a.Others()
	type other struct {
		field string
		set   bool
	}
	clash := func(main string, others ...other) *diag.Finding {
		for _, o := range others {
			if o.set {
				field := o.field
				if field == "TLS/HTTP remoteProtocol" {
					field = "remoteProtocol"
				}
				return e.finding(diag.ConflictingRemote, field,
					"%s cannot be combined with %s in one allow entry; split them into separate entries", main, o.field)
			}
		}
		return nil
	}
	ns := rare.RemoteNamespace != nil
	if a.RemoteGenerated != "" {
		return one(clash("remoteGenerated",
			other{"remoteNamespace", ns}, other{"remoteSelector", a.HasRemoteSelector()},
			other{"remoteCidr", rare.RemoteCidr != ""}, other{"remoteHost", a.RemoteHost != ""},
			other{"TLS/HTTP remoteProtocol", isL7(a)}))
	}
	if ns || a.HasRemoteSelector() {
		return one(clash("remoteNamespace/remoteSelector",
			other{"remoteCidr", rare.RemoteCidr != ""}, other{"remoteHost", a.RemoteHost != ""},
			other{"TLS/HTTP remoteProtocol", isL7(a)}))
	}
	if rare.RemoteCidr != "" {
		return one(clash("remoteCidr",
			other{"remoteHost", a.RemoteHost != ""}, other{"TLS/HTTP remoteProtocol", isL7(a)}))
	}
	return nil
}

// Rule 3: UDP to TCP-only generated remotes.
func ruleUDPGenerated(e entry) []diag.Finding {
	switch e.a.RemoteGenerated {
	case schemas.RemoteKubeAPI, schemas.RemoteKubeNodes, schemas.RemoteCloudMetadata:
		if e.a.RemoteProtocol == schemas.ProtocolUDP {
			return one(e.finding(diag.UDPGenerated, "remoteProtocol",
				"remoteProtocol UDP cannot be used with remoteGenerated %s: that endpoint is TCP-only; remove remoteProtocol or use TCP", e.a.RemoteGenerated))
		}
	}
	return nil
}

// Rule 4: remoteHost speaks TLS or HTTP only.
func ruleHostProtocol(e entry) []diag.Finding {
	p := e.a.RemoteProtocol
	if e.a.RemoteHost != "" && (p == schemas.ProtocolTCP || p == schemas.ProtocolUDP) {
		return one(e.finding(diag.HostProtocol, "remoteProtocol",
			"remoteProtocol %s cannot be used with remoteHost: use TLS (the default) or HTTP for external egress, or remoteCidr for raw %s", p, p))
	}
	return nil
}

// Rule 5: remoteHost and L7 protocols are egress-only.
func ruleHostIngress(e entry) []diag.Finding {
	if e.a.Direction == schemas.DirectionIngress && (e.a.RemoteHost != "" || isL7(e.a)) {
		return one(e.finding(diag.HostIngress, "direction",
			"remoteHost and remoteProtocol TLS/HTTP only work with direction: Egress; this entry says Ingress"))
	}
	return nil
}

// Rules 6 and 7: the host must be a hostname Istio accepts.
func ruleHostFormat(e entry) []diag.Finding {
	h := e.a.RemoteHost
	if h == "" {
		return nil
	}
	if strings.Contains(h, "*") {
		return one(e.finding(diag.HostWildcard, "remoteHost",
			"remoteHost %q has a wildcard; UDS egress supports exact hosts only: list each host in its own entry", h))
	}
	if why := hostProblem(h); why != "" {
		return one(e.finding(diag.HostInvalid, "remoteHost", "remoteHost %q is not a valid host: %s", truncate(h), why))
	}
	if lower := strings.ToLower(h); lower != h {
		return one(e.finding(diag.HostUppercase, "remoteHost",
			"remoteHost %q has upper-case letters; DNS names are case-insensitive and it is used as %q (write it in lower case to silence this)", h, lower))
	}
	return nil
}

// In-cluster names are not egress: a Service in the cluster is reached with
// remoteNamespace/remoteSelector, and an in-cluster name as remoteHost would
// route every workload's traffic to it through the egress path (in sidecar
// mode a mesh-wide VirtualService takes the host over).
func ruleHostInCluster(e entry) []diag.Finding {
	h := strings.ToLower(e.a.RemoteHost)
	if h == "" || strings.Contains(h, "*") || hostProblem(h) != "" {
		return nil
	}
	why := ruleHostInClusterOf(h, e.clusterDomain)
	if why == "" {
		return nil
	}
	return one(e.finding(diag.HostInCluster, "remoteHost",
		"remoteHost %q names something inside the cluster (%s); remoteHost is for hosts outside the cluster: to reach an in-cluster Service use remoteNamespace and remoteSelector (with port) in an Egress entry instead", truncate(h), why))
}

// ruleHostInClusterOf says why the lower-case host h is an in-cluster name,
// or "" when it is not one.
func ruleHostInClusterOf(h, clusterDomain string) string {
	cd := strings.ToLower(clusterDomain)
	switch {
	case h == cd || strings.HasSuffix(h, "."+cd):
		return fmt.Sprintf("it is under the cluster domain %q", cd)
	case strings.HasSuffix(h, ".svc"):
		return "it ends in .svc, the in-cluster Service suffix"
	}
	return ""
}

// Rule 8: serviceAccount scope, and a name Kubernetes accepts.
func ruleServiceAccount(e entry) []diag.Finding {
	a := e.a
	if a.ServiceAccount == "" {
		return nil
	}
	anywhereEgress := a.RemoteGenerated == schemas.RemoteAnywhere && a.Direction == schemas.DirectionEgress
	if e.pkg.Mode() != schemas.ModeAmbient || (a.RemoteHost == "" && !anywhereEgress) {
		return one(e.finding(diag.ServiceAccount, "serviceAccount",
			"serviceAccount only works in ambient mode on remoteHost entries or remoteGenerated: Anywhere Egress entries (this Package is in %s mode); remove it, or use selector to pick the pods", e.pkg.Mode()))
	}
	if errs := validation.IsDNS1123Subdomain(a.ServiceAccount); len(errs) > 0 {
		return one(e.finding(diag.InvalidValue, "serviceAccount",
			"serviceAccount %q is not a valid ServiceAccount name: %s", truncate(a.ServiceAccount), strings.Join(errs, "; ")))
	}
	return nil
}

// Rule 9: ports are 1-65535.
func rulePorts(e entry) []diag.Finding {
	var out []diag.Finding
	check := func(field string, p int) {
		if p < 1 || p > 65535 {
			out = append(out, *e.finding(diag.PortInvalid, field, "%s must be a port number from 1 to 65535, got %d", e.at(field), p))
		}
	}
	if e.a.Port != nil {
		check("port", *e.a.Port)
	}
	for i, p := range e.a.Ports {
		check(fmt.Sprintf("ports[%d]", i), p)
	}
	return out
}

func rulePortCount(e entry) []diag.Finding {
	if n := len(e.a.Ports); n > MaxPortsPerEntry {
		return one(e.finding(diag.PortLimit, "ports",
			"%s lists %d ports; an allow entry may list at most %d: split the ports over several entries, or ask whether the workload really needs them all", e.at("ports"), n, MaxPortsPerEntry))
	}
	return nil
}

// Selectors must be label selectors Kubernetes accepts: keys qualified
// names, values label values. Istio rejects a Sidecar with anything else
// while the ServiceEntries of the same Package apply, which would leave the
// pods without REGISTRY_ONLY.
func ruleSelectors(e entry) []diag.Finding {
	var out []diag.Finding
	for _, s := range []struct {
		field  string
		labels schemas.Labels
	}{{"selector", e.a.Selector}, {"remoteSelector", e.a.Others().RemoteSelector}} {
		for _, kv := range s.labels {
			at := labelPath(s.field, kv.Key)
			if errs := validation.IsQualifiedName(kv.Key); len(errs) > 0 {
				out = append(out, *e.finding(diag.SelectorInvalid, at,
					"%s key %q is not a valid label key: %s", s.field, truncate(kv.Key), strings.Join(errs, "; ")))
			}
			if errs := validation.IsValidLabelValue(kv.Value); len(errs) > 0 {
				out = append(out, *e.finding(diag.SelectorInvalid, at,
					"%s value %q of key %q is not a valid label value: %s", s.field, truncate(kv.Value), truncate(kv.Key), strings.Join(errs, "; ")))
			}
		}
	}
	return out
}

// labelPath is the field path of a label key, quoted when the key holds
// characters a dotted path cannot show (as the decoder writes them).
func labelPath(field, key string) string {
	if key == "" || strings.ContainsAny(key, ".[]") || strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return field + "[" + strconv.Quote(key) + "]"
	}
	return field + "." + key
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// PolicyName is the name the UDS operator gives the NetworkPolicy of an
// allow entry (network/generate.ts generateName, prefixed in policies.ts).
// remoteHost, remoteCidr and ports are not part of it.
func PolicyName(pkgName string, a *schemas.Allow) string {
	name := a.Description
	if name == "" {
		var tokens []string
		if a.Selector == nil {
			tokens = append(tokens, "all pods")
		} else {
			tokens = appendNonEmpty(tokens, a.Selector.Values()...)
		}
		if a.RemoteGenerated != "" {
			tokens = append(tokens, a.RemoteGenerated)
		} else {
			o := a.Others()
			if o.RemoteNamespace != nil {
				tokens = appendNonEmpty(tokens, *o.RemoteNamespace)
			}
			// The operator keeps remoteSelector values as one nested array,
			// which JavaScript joins with commas (an empty one joins to "").
			remote := "all pods"
			if o.RemoteSelector != nil {
				remote = strings.Join(o.RemoteSelector.Values(), ",")
			}
			tokens = append(tokens, remote)
		}
		if a.RemoteProtocol == schemas.ProtocolUDP {
			tokens = append(tokens, "UDP")
		} else {
			tokens = append(tokens, "TCP")
		}
		name = strings.Join(tokens, "-")
	}
	return naming.Sanitize("allow-" + pkgName + "-" + a.Direction + "-" + name)
}

func appendNonEmpty(tokens []string, vals ...string) []string {
	for _, v := range vals {
		if v != "" {
			tokens = append(tokens, v)
		}
	}
	return tokens
}
