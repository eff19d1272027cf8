package xds

import (
	"fmt"
	"regexp"
	"strings"
)

// The oracle's own reading of which Packages the function must accept and of
// the host policies in the functionConfig: derived from the input (SPEC §2,
// §5 and the README's host policies), never from the function's results. A
// rule the oracle misses makes it expect grants Istio does not show (or the
// reverse), so the suite fails loudly instead of agreeing with a wrong result.

var reservedNS = map[string]bool{"kube-system": true, "kube-public": true, "_unknown_": true, "pepr-system": true}

var (
	dnsLabel   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	allDigits  = regexp.MustCompile(`^[0-9]+$`)
	httpMethod = regexp.MustCompile(`^[A-Z]+$`)
	k8sName    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
)

func validHost(h string) bool {
	h = strings.ToLower(h)
	if h == "" || len(h) > 253 || strings.ContainsAny(h, "*:/ ") || strings.HasSuffix(h, ".") {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if len(l) > 63 || !dnsLabel.MatchString(l) {
			return false
		}
	}
	return !allDigits.MatchString(labels[len(labels)-1])
}

func portOK(v any) bool {
	n, ok := v.(int)
	return ok && n >= 1 && n <= 65535
}

// packageErrors lists why a Package must be rejected on its own (SPEC §2
// rules 1-9 and 12, and the apiVersion); empty when it is valid.
func packageErrors(o obj) []string {
	var errs []string
	bad := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	if str(o, "apiVersion") != "uds.dev/v1alpha1" {
		bad("apiVersion %s", str(o, "apiVersion"))
	}
	if str(o, "metadata", "name") == "" || str(o, "metadata", "namespace") == "" {
		bad("no name or namespace")
	}
	if reservedNS[str(o, "metadata", "namespace")] {
		bad("reserved namespace")
	}
	spec, ok := o["spec"].(obj)
	if !ok {
		bad("no spec")
		return errs
	}
	netw, ok := spec["network"].(obj)
	if spec["network"] != nil && !ok {
		bad("network not a map")
	}
	mode := str(netw, "serviceMesh", "mode")
	if mode != "" && mode != "ambient" && mode != "sidecar" {
		bad("mode %q", mode)
	}
	if netw["allow"] == nil {
		return errs
	}
	allow, ok := netw["allow"].([]any)
	if !ok {
		bad("allow not a list")
		return errs
	}
	for i, a := range allow {
		m, ok := a.(obj)
		if !ok {
			bad("allow[%d] not a map", i)
			continue
		}
		dir := str(m, "direction")
		if dir != "Ingress" && dir != "Egress" {
			bad("allow[%d].direction %v", i, m["direction"])
		}
		if v, ok := m["remoteHost"]; ok {
			if _, isStr := v.(string); !isStr {
				bad("allow[%d].remoteHost not a string", i)
			}
		}
		for _, k := range []string{"selector", "podLabels", "remoteSelector", "remotePodLabels"} {
			if v, ok := m[k]; ok && v != nil {
				if _, isMap := v.(obj); !isMap {
					bad("allow[%d].%s not a map", i, k)
				}
			}
		}
		if v, ok := m["port"]; ok && !portOK(v) {
			bad("allow[%d].port %v", i, v)
		}
		if v, ok := m["ports"]; ok {
			l, isList := v.([]any)
			if !isList {
				bad("allow[%d].ports not a list", i)
			}
			for _, p := range l {
				if !portOK(p) {
					bad("allow[%d].ports %v", i, p)
				}
			}
		}
		proto := str(m, "remoteProtocol")
		switch proto {
		case "", "TLS", "HTTP", "TCP", "UDP":
		default:
			bad("allow[%d].remoteProtocol %q", i, proto)
		}
		l7 := proto == "TLS" || proto == "HTTP"
		gen := str(m, "remoteGenerated")
		_, hasNS := m["remoteNamespace"]
		hasSel := m["remoteSelector"] != nil || m["remotePodLabels"] != nil
		hasCidr := m["remoteCidr"] != nil
		host := str(m, "remoteHost")
		hasHost := m["remoteHost"] != nil
		switch gen {
		case "", "Anywhere", "KubeAPI", "KubeNodes", "IntraNamespace", "CloudMetadata":
		default:
			bad("allow[%d].remoteGenerated %q", i, gen)
		}
		if gen == "" && !hasNS && !hasSel && !hasCidr && !hasHost {
			bad("allow[%d] names no remote", i)
		}
		if gen != "" && (hasNS || hasSel || hasCidr || hasHost || l7) {
			bad("allow[%d] remoteGenerated combined", i)
		}
		if (hasNS || hasSel) && (hasCidr || hasHost || l7) {
			bad("allow[%d] remoteNamespace/remoteSelector combined", i)
		}
		if hasCidr && (hasHost || l7) {
			bad("allow[%d] remoteCidr combined", i)
		}
		if proto == "UDP" && (gen == "KubeAPI" || gen == "KubeNodes" || gen == "CloudMetadata") {
			bad("allow[%d] UDP to %s", i, gen)
		}
		if hasHost && (proto == "TCP" || proto == "UDP") {
			bad("allow[%d] remoteHost with %s", i, proto)
		}
		if (hasHost || l7) && dir == "Ingress" {
			bad("allow[%d] remoteHost/L7 on Ingress", i)
		}
		if hasHost && !validHost(host) {
			bad("allow[%d].remoteHost %q", i, host)
		}
		if m["serviceAccount"] != nil {
			if mode == "sidecar" {
				bad("allow[%d].serviceAccount in sidecar mode", i)
			}
			if !hasHost && !(gen == "Anywhere" && dir == "Egress") {
				bad("allow[%d].serviceAccount without remoteHost or Anywhere", i)
			}
		}
	}
	return errs
}

// A host policy (functionConfig spec.hosts[]) as the oracle reads it.
type hostPolicy struct {
	host    string
	orig    *tlsOrig
	headers *headerOps
	http    []httpRule
}

type tlsOrig struct {
	port, targetPort int
	sni, ca          string
	sans             []string
}

type headerOps struct {
	add, set map[string]string
	remove   []string
}

type httpRule struct {
	methods, paths []string
	hasFrom        bool
	fromNS, fromSA []string // fromSA: ns/name
}

const defaultCA = "/etc/ssl/certs/ca-certificates.crt"

func strList(v any) ([]string, bool) {
	l, ok := v.([]any)
	if !ok {
		return nil, v == nil
	}
	var out []string
	for _, x := range l {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func knownKeys(m obj, keys ...string) error {
	for k := range m {
		found := false
		for _, x := range keys {
			found = found || k == x
		}
		if !found {
			return fmt.Errorf("unknown key %q", k)
		}
	}
	return nil
}

// apPath reports whether an AuthorizationPolicy path value is one the oracle
// understands (exact, prefix /x/*, suffix *.y, *, templates with {*} and a last {**}).
func apPath(p string) bool {
	if p == "*" {
		return true
	}
	if strings.HasPrefix(p, "*") {
		return !strings.ContainsAny(p[1:], "*?{}")
	}
	if !strings.HasPrefix(p, "/") || strings.Contains(p, "?") {
		return false
	}
	if strings.ContainsAny(p, "{}") {
		segs := strings.Split(p, "/")
		for i, s := range segs {
			if s == "{**}" && i != len(segs)-1 {
				return false
			}
			if strings.ContainsAny(s, "{}") && s != "{*}" && s != "{**}" {
				return false
			}
		}
		return !strings.Contains(p, "*}*")
	}
	i := strings.Index(p, "*")
	return i < 0 || i == len(p)-1
}

func parseHostPolicies(v any) ([]*hostPolicy, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("hosts is not a list")
	}
	seen := map[string]bool{}
	var out []*hostPolicy
	for i, x := range l {
		m, ok := x.(obj)
		if !ok {
			return nil, fmt.Errorf("hosts[%d] not a map", i)
		}
		if err := knownKeys(m, "host", "tlsOrigination", "requestHeaders", "http"); err != nil {
			return nil, fmt.Errorf("hosts[%d]: %w", i, err)
		}
		hp := &hostPolicy{host: str(m, "host")}
		if !validHost(hp.host) || strings.ToLower(hp.host) != hp.host || seen[hp.host] {
			return nil, fmt.Errorf("hosts[%d].host %q", i, hp.host)
		}
		seen[hp.host] = true
		if o, ok := m["tlsOrigination"].(obj); ok {
			if err := knownKeys(o, "port", "targetPort", "sni", "caCertificates", "subjectAltNames"); err != nil {
				return nil, fmt.Errorf("hosts[%d].tlsOrigination: %w", i, err)
			}
			t := &tlsOrig{port: 80, targetPort: 443, sni: hp.host, ca: defaultCA}
			if v, ok := o["port"]; ok {
				if !portOK(v) {
					return nil, fmt.Errorf("hosts[%d].tlsOrigination.port %v", i, v)
				}
				t.port = v.(int)
			}
			if v, ok := o["targetPort"]; ok {
				if !portOK(v) {
					return nil, fmt.Errorf("hosts[%d].tlsOrigination.targetPort %v", i, v)
				}
				t.targetPort = v.(int)
			}
			if s := str(o, "sni"); s != "" {
				if !validHost(s) {
					return nil, fmt.Errorf("hosts[%d].tlsOrigination.sni %q", i, s)
				}
				t.sni = s
			}
			if s := str(o, "caCertificates"); s != "" {
				if !strings.HasPrefix(s, "/") {
					return nil, fmt.Errorf("hosts[%d].tlsOrigination.caCertificates %q", i, s)
				}
				t.ca = s
			}
			sans, ok := strList(o["subjectAltNames"])
			if !ok {
				return nil, fmt.Errorf("hosts[%d].tlsOrigination.subjectAltNames", i)
			}
			t.sans = sans
			if len(t.sans) == 0 {
				t.sans = []string{t.sni}
			}
			hp.orig = t
		} else if m["tlsOrigination"] != nil {
			return nil, fmt.Errorf("hosts[%d].tlsOrigination not a map", i)
		}
		if h, ok := m["requestHeaders"].(obj); ok {
			if err := knownKeys(h, "add", "set", "remove"); err != nil {
				return nil, fmt.Errorf("hosts[%d].requestHeaders: %w", i, err)
			}
			ops := &headerOps{add: strMap(h["add"]), set: strMap(h["set"])}
			rm, ok := strList(h["remove"])
			if !ok {
				return nil, fmt.Errorf("hosts[%d].requestHeaders.remove", i)
			}
			ops.remove = rm
			names := map[string]bool{}
			for _, n := range append(append(sortedKeys(ops.add), sortedKeys(ops.set)...), rm...) {
				ln := strings.ToLower(n)
				if n == "" || names[ln] || ln == "host" || strings.ContainsAny(n, ": ") {
					return nil, fmt.Errorf("hosts[%d].requestHeaders: header %q", i, n)
				}
				names[ln] = true
			}
			hp.headers = ops
		}
		if v, ok := m["http"]; ok {
			rl, ok := v.([]any)
			if !ok || len(rl) == 0 {
				return nil, fmt.Errorf("hosts[%d].http: a non-empty list", i)
			}
			for j, rv := range rl {
				r, ok := rv.(obj)
				if !ok {
					return nil, fmt.Errorf("hosts[%d].http[%d] not a map", i, j)
				}
				if err := knownKeys(r, "methods", "paths", "from"); err != nil {
					return nil, fmt.Errorf("hosts[%d].http[%d]: %w", i, j, err)
				}
				var hr httpRule
				for _, f := range []struct {
					key string
					dst *[]string
					ok  func(string) bool
				}{
					{"methods", &hr.methods, httpMethod.MatchString},
					{"paths", &hr.paths, apPath},
				} {
					if _, present := r[f.key]; !present {
						continue
					}
					l, ok := strList(r[f.key])
					if !ok || len(l) == 0 {
						return nil, fmt.Errorf("hosts[%d].http[%d].%s", i, j, f.key)
					}
					dup := map[string]bool{}
					for _, s := range l {
						if !f.ok(s) || dup[s] {
							return nil, fmt.Errorf("hosts[%d].http[%d].%s: %q", i, j, f.key, s)
						}
						dup[s] = true
					}
					*f.dst = l
				}
				if fv, ok := r["from"]; ok {
					f, ok := fv.(obj)
					if !ok || len(f) == 0 {
						return nil, fmt.Errorf("hosts[%d].http[%d].from", i, j)
					}
					if err := knownKeys(f, "namespaces", "serviceAccounts"); err != nil {
						return nil, fmt.Errorf("hosts[%d].http[%d].from: %w", i, j, err)
					}
					hr.hasFrom = true
					nss, ok1 := strList(f["namespaces"])
					sas, ok2 := strList(f["serviceAccounts"])
					if !ok1 || !ok2 {
						return nil, fmt.Errorf("hosts[%d].http[%d].from", i, j)
					}
					for _, n := range nss {
						if !k8sName.MatchString(n) {
							return nil, fmt.Errorf("hosts[%d].http[%d].from.namespaces %q", i, j, n)
						}
					}
					for _, s := range sas {
						ns, name, ok := strings.Cut(s, "/")
						if !ok || !k8sName.MatchString(ns) || !k8sName.MatchString(name) {
							return nil, fmt.Errorf("hosts[%d].http[%d].from.serviceAccounts %q", i, j, s)
						}
					}
					hr.fromNS, hr.fromSA = nss, sas
				}
				hp.http = append(hp.http, hr)
			}
		}
		out = append(out, hp)
	}
	return out, nil
}

// acceptPackages decides, in input order, which Packages the function must
// accept: deleted Packages are ignored; a Package with a field error, a second
// Package of the same name or namespace, a sidecar Package asking for a host
// with a host policy, an ambient one asking for a policy's tlsOrigination
// port with TLS, or one whose host:port conflicts (another protocol, in the
// same Package or an earlier accepted one of the same mode) is rejected whole.
func acceptPackages(in []obj, cfg config) ([]pkg, map[string]string) {
	rejected := map[string]string{}
	names := map[string]bool{}
	nss := map[string]bool{}
	protoOf := map[bool]map[hostPort]string{false: {}, true: {}} // by sidecar mode
	var out []pkg
	for _, o := range in {
		if get(o, "metadata", "deletionTimestamp") != nil {
			continue
		}
		ns, name := str(o, "metadata", "namespace"), str(o, "metadata", "name")
		key := ns + "/" + name
		reject := func(why string) { rejected[key] = why }
		errs := packageErrors(o)
		switch {
		case names[key]:
			reject("duplicate Package")
		case nss[ns]:
			reject("namespace already has a Package")
		case len(errs) > 0:
			reject(strings.Join(errs, "; "))
		}
		names[key], nss[ns] = true, true
		if rejected[key] != "" {
			continue
		}
		p := readPackage(o, cfg)
		mine := map[hostPort]string{}
		for _, e := range p.hosts {
			hp := cfg.policies[e.host]
			if hp != nil && p.sidecar {
				reject("sidecar Package asks for a host with a host policy")
			}
			for _, x := range e.ports {
				k := hostPort{e.host, x}
				if hp != nil && hp.orig != nil && !p.sidecar && x == hp.orig.port && e.proto == "TLS" {
					reject("TLS on a tlsOrigination port")
				}
				if prev, ok := mine[k]; ok && prev != e.proto {
					reject("host:port with two protocols in the Package")
				}
				if prev, ok := protoOf[p.sidecar][k]; ok && prev != e.proto {
					reject("host:port conflicts with an earlier Package")
				}
				mine[k] = e.proto
			}
		}
		if rejected[key] != "" {
			continue
		}
		for k, v := range mine {
			protoOf[p.sidecar][k] = v
		}
		out = append(out, p)
	}
	return out, rejected
}
