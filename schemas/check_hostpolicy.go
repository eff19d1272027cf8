package schemas

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// checkHostPolicies applies the value rules to decoded host policies: a
// valid, lower-case, unique host that sets at least one control; HTTP
// methods, paths in Istio's AuthorizationPolicy syntax, header names and
// values Istio and Envoy accept, namespaces and ServiceAccounts that can
// exist, an SNI that is a hostname. Every problem is a host-policy-invalid
// error at the field's path in the config.
func (d *decoder) checkHostPolicies(hosts []HostPolicy) {
	seen := map[string]string{}
	for i := range hosts {
		h := &hosts[i]
		at := func(field string) string { return h.Path + "." + field }
		bad := func(path, format string, args ...any) { d.fail(diag.HostPolicyInvalid, path, format, args...) }
		switch {
		case h.Host == "":
			bad(at("host"), "%s needs a host: the external host (a Package's remoteHost) the policy applies to", h.Path)
		case strings.Contains(h.Host, "*"):
			bad(at("host"), "host %q has a wildcard; host policies name exact hosts, as remoteHost does", h.Host)
		case strings.ToLower(h.Host) != h.Host:
			bad(at("host"), "host %q has upper-case letters; write it in lower case (%q), as Packages' remoteHost is used", h.Host, strings.ToLower(h.Host))
		default:
			if errs := validation.IsDNS1123Subdomain(h.Host); len(errs) > 0 {
				bad(at("host"), "host %q is not a hostname: %s", h.Host, strings.Join(errs, "; "))
			} else if first, dup := seen[h.Host]; dup {
				bad(at("host"), "host %q already has a policy at %s; one host has one policy: merge them", h.Host, first)
			} else {
				seen[h.Host] = h.Path
			}
		}
		if h.TLSOrigination == nil && h.RequestHeaders == nil && h.HTTP == nil {
			bad(h.Path, "the policy for %q sets nothing: give it tlsOrigination, requestHeaders or http, or remove it", h.Host)
		}
		if o := h.TLSOrigination; o != nil && o.SNI != "" {
			if errs := validation.IsDNS1123Subdomain(o.SNI); len(errs) > 0 {
				bad(at("tlsOrigination.sni"), "sni %q is not a hostname: %s", o.SNI, strings.Join(errs, "; "))
			}
		}
		if o := h.TLSOrigination; o != nil && o.SubjectAltNames != nil {
			d.checkSubjectAltNames(o.SubjectAltNames, at("tlsOrigination.subjectAltNames"))
		}
		if o := h.TLSOrigination; o != nil && o.CACertificates != "" {
			if !strings.HasPrefix(o.CACertificates, "/") || strings.ContainsFunc(o.CACertificates, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
				bad(at("tlsOrigination.caCertificates"), "caCertificates %q must be an absolute file path in the waypoint, like %q", o.CACertificates, DefaultCACertificates)
			}
		}
		if r := h.RequestHeaders; r != nil {
			d.checkHeaders(r, at("requestHeaders"))
		}
		if h.HTTP != nil && len(h.HTTP) == 0 {
			bad(at("http"), "http is an empty list: it would allow nothing on the host's HTTP ports; remove it to leave them unrestricted, or add a rule")
		}
		for j, r := range h.HTTP {
			d.checkHTTPRule(r, fmt.Sprintf("%s[%d]", at("http"), j))
		}
	}
}

// headerName is an RFC 9110 token (Istio's header-name rule).
var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// checkSubjectAltNames accepts DNS names (a leading "*." wildcard label
// included, as certificates carry them) and URIs such as SPIFFE IDs: names
// Envoy can match a certificate's SAN against exactly.
func (d *decoder) checkSubjectAltNames(sans []string, path string) {
	if len(sans) == 0 {
		d.fail(diag.HostPolicyInvalid, path, "subjectAltNames is empty: the waypoint would accept a certificate for any name; list the names the server's certificate carries, or remove the key to verify the SNI")
		return
	}
	seen := map[string]bool{}
	for i, san := range sans {
		at := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case seen[san]:
			d.fail(diag.HostPolicyInvalid, at, "subject alt name %q is listed twice", san)
		case strings.Contains(san, "://"):
			if strings.ContainsFunc(san, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
				d.fail(diag.HostPolicyInvalid, at, "subject alt name %q has a space or control character", san)
			}
		default:
			name := strings.TrimPrefix(san, "*.")
			if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
				d.fail(diag.HostPolicyInvalid, at, "subject alt name %q is neither a DNS name (a leading *. allowed) nor a URI: %s", san, strings.Join(errs, "; "))
			}
		}
		seen[san] = true
	}
}

func (d *decoder) checkHeaders(r *RequestHeaders, path string) {
	if r.Empty() {
		d.fail(diag.HostPolicyInvalid, path, "%s sets no header: give it add, set or remove, or leave it out", path)
	}
	seen := map[string]string{}
	check := func(p, name string) {
		lower := strings.ToLower(name)
		switch {
		case name == "":
			d.fail(diag.HostPolicyInvalid, p, "%s: a header name cannot be empty", p)
			return
		case strings.HasPrefix(name, ":"):
			d.fail(diag.HostPolicyInvalid, p, "header %q is an HTTP/2 pseudo-header; the waypoint does not let a route change it", name)
			return
		case lower == "host":
			d.fail(diag.HostPolicyInvalid, p, "the Host header cannot be changed here: it is the external host itself")
			return
		case !headerName.MatchString(name):
			d.fail(diag.HostPolicyInvalid, p, "header name %q is not a valid HTTP header name (letters, digits and !#$%%&'*+-.^_`|~ only, no spaces or colons)", name)
			return
		}
		// Header names are case-insensitive: the same header twice (even in
		// add and set) is ambiguous.
		if first, dup := seen[lower]; dup {
			d.fail(diag.HostPolicyInvalid, p, "header %q is already named at %s (header names are case-insensitive); name each header once", name, first)
			return
		}
		seen[lower] = p
	}
	for _, op := range []struct {
		key string
		kv  Labels
	}{{"add", r.Add}, {"set", r.Set}} {
		for _, kv := range op.kv {
			p := join(join(path, op.key), kv.Key)
			check(p, kv.Key)
			if why := headerValueProblem(kv.Value); why != "" {
				d.fail(diag.HostPolicyInvalid, p, "the value of header %q is not valid: %s", kv.Key, why)
			}
		}
	}
	for i, name := range r.Remove {
		check(fmt.Sprintf("%s.remove[%d]", path, i), name)
	}
}

// envoyVariable is an Envoy header formatter like %HOSTNAME% or
// %DOWNSTREAM_REMOTE_ADDRESS%.
var envoyVariable = regexp.MustCompile(`^%[A-Z][A-Z0-9_]*%`)

// headerValueProblem explains why Envoy would reject a header value: control
// characters, or a '%' that is neither "%%" nor a %VARIABLE%.
func headerValueProblem(v string) string {
	for _, r := range v {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return "it contains a control character"
		}
	}
	for i := 0; i < len(v); i++ {
		if v[i] != '%' {
			continue
		}
		if strings.HasPrefix(v[i:], "%%") {
			i++
			continue
		}
		if m := envoyVariable.FindString(v[i:]); m != "" {
			i += len(m) - 1
			continue
		}
		return "a % starts an Envoy variable like %HOSTNAME%; write %% for a literal percent sign"
	}
	return ""
}

// methodToken is an upper-case HTTP method (RFC 9110 token, upper case:
// Envoy matches :method case-sensitively).
var methodToken = regexp.MustCompile("^[A-Z][A-Z0-9_-]*$")

// knownMethods are the registered methods most clients use.
var knownMethods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "DELETE": true,
	"CONNECT": true, "OPTIONS": true, "TRACE": true, "PATCH": true,
}

func (d *decoder) checkHTTPRule(r HTTPRule, path string) {
	bad := func(p, format string, args ...any) { d.fail(diag.HostPolicyInvalid, p, format, args...) }
	seen := map[string]bool{}
	for i, m := range r.Methods {
		p := fmt.Sprintf("%s.methods[%d]", path, i)
		switch {
		case m == "" || m == "*" || strings.Contains(m, "*"):
			bad(p, "method %q: methods are exact names like GET or POST; leave methods out to allow every method", m)
		case knownMethods[strings.ToUpper(m)] && m != strings.ToUpper(m):
			bad(p, "method %q must be written in upper case (%q): methods are case-sensitive", m, strings.ToUpper(m))
		case !methodToken.MatchString(m):
			bad(p, "method %q is not an HTTP method name (upper-case letters, like GET, POST or PROPFIND)", m)
		case seen[m]:
			bad(p, "method %q is listed twice", m)
		}
		seen[m] = true
	}
	if r.Methods != nil && len(r.Methods) == 0 {
		bad(path+".methods", "methods is an empty list; leave it out to allow every method")
	}
	seenPath := map[string]bool{}
	for i, s := range r.Paths {
		p := fmt.Sprintf("%s.paths[%d]", path, i)
		if why := PathProblem(s); why != "" {
			bad(p, "path %q is not valid: %s", s, why)
		} else if seenPath[s] {
			bad(p, "path %q is listed twice", s)
		}
		seenPath[s] = true
	}
	if r.Paths != nil && len(r.Paths) == 0 {
		bad(path+".paths", "paths is an empty list; leave it out to allow every path")
	}
	if f := r.From; f != nil {
		if len(f.Namespaces) == 0 && len(f.ServiceAccounts) == 0 {
			bad(path+".from", "from names no namespace or serviceAccount; leave from out to cover every identity granted the host")
		}
		for i, ns := range f.Namespaces {
			if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
				bad(fmt.Sprintf("%s.from.namespaces[%d]", path, i), "namespace %q is not a namespace name: %s", ns, strings.Join(errs, "; "))
			}
		}
		for i, sa := range f.ServiceAccounts {
			p := fmt.Sprintf("%s.from.serviceAccounts[%d]", path, i)
			ns, name, ok := strings.Cut(sa, "/")
			if !ok {
				bad(p, "serviceAccount %q must be written namespace/name, like \"bookinfo/productpage\"", sa)
				continue
			}
			if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
				bad(p, "serviceAccount %q: namespace %q is not a namespace name: %s", sa, ns, strings.Join(errs, "; "))
			}
			if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
				bad(p, "serviceAccount %q: %q is not a ServiceAccount name: %s", sa, name, strings.Join(errs, "; "))
			}
		}
	}
}

// Path templates of Istio AuthorizationPolicy paths.
const (
	matchOneTemplate = "{*}"
	matchAnyTemplate = "{**}"
)

// pathLiteral is a path segment Envoy accepts in a URI template (RFC 3986
// pchar), as Istio checks it.
var pathLiteral = regexp.MustCompile(`^[a-zA-Z0-9-._~%!$&'()+,;:@=]+$`)

// PathProblem explains why s is not an AuthorizationPolicy path the waypoint
// can match, or returns "". The forms are Istio's: an exact path "/get", a
// prefix "/status/*", a suffix "*.json", "*" for any path, and URI templates
// with {*} (one segment) and {**} (the rest; last).
func PathProblem(s string) string {
	switch {
	case s == "":
		return "a path cannot be empty"
	case s == "*":
		return ""
	case strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r > 0x7e }):
		return "it contains spaces, control or non-ASCII characters; percent-encode them (%20)"
	case strings.ContainsAny(s, "?#"):
		return "the waypoint matches the path without the query string or fragment: remove what follows ? or #"
	}
	if strings.Contains(s, matchOneTemplate) || strings.Contains(s, matchAnyTemplate) {
		if !strings.HasPrefix(s, "/") {
			return "a path template starts with /"
		}
		foundAny := false
		for _, seg := range strings.Split(strings.Trim(s, "/"), "/") {
			switch {
			case (seg == matchOneTemplate || seg == matchAnyTemplate) && foundAny:
				return "{**} must be the last operator of a path template"
			case seg == matchAnyTemplate:
				foundAny = true
			case seg == matchOneTemplate:
			case strings.ContainsAny(seg, "{}"):
				return fmt.Sprintf("segment %q: { and } only appear as whole {*} or {**} segments", seg)
			case !pathLiteral.MatchString(seg):
				return fmt.Sprintf("segment %q of a path template may not contain * or other characters outside RFC 3986 path characters", seg)
			}
		}
		return ""
	}
	if strings.ContainsAny(s, "{}") {
		return "{ and } only appear as whole {*} or {**} path-template segments"
	}
	body := s
	switch {
	case strings.HasPrefix(s, "*"):
		body = s[1:]
	case strings.HasSuffix(s, "*"):
		body = s[:len(s)-1]
		if !strings.HasPrefix(body, "/") {
			return "a path starts with / (write \"/" + s + "\")"
		}
	default:
		if !strings.HasPrefix(s, "/") {
			return "a path starts with / (write \"/" + s + "\")"
		}
	}
	if strings.Contains(body, "*") {
		return "a * only works at the start (suffix match, \"*.json\") or at the end (prefix match, \"/status/*\"); use {*} for one path segment in the middle"
	}
	return ""
}
