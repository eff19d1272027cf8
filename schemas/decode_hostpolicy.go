package schemas

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// Keys of a host policy, for the unknown-key check and its suggestions.
var (
	hostPolicyKeys     = []string{"host", "tlsOrigination", "requestHeaders", "http"}
	tlsOriginationKeys = []string{"port", "targetPort", "sni", "caCertificates", "subjectAltNames"}
	requestHeaderKeys  = []string{"add", "set", "remove"}
	httpRuleKeys       = []string{"methods", "paths", "from"}
	httpFromKeys       = []string{"namespaces", "serviceAccounts"}
)

// hostPolicies reads spec.hosts of a typed EgressConfig. Type problems are
// reported (and later retagged config-invalid); unknown keys are
// config-unknown-key. The values are checked by checkHostPolicies.
func (d *decoder) hostPolicies(n *yaml.Node, path string) ([]HostPolicy, bool) {
	n = resolve(n)
	if isNull(n) {
		return nil, false
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(diag.InvalidType, path, "%s must be a list of host policies (each with host: and tlsOrigination, requestHeaders or http), got %s", path, describe(n))
		return nil, false
	}
	out := make([]HostPolicy, 0, len(n.Content))
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		fields, ok := d.mapping(item, p)
		if !ok {
			if isNull(item) {
				d.fail(diag.InvalidType, p, "%s must be a host policy map, got null", p)
			}
			continue
		}
		hp := HostPolicy{Path: p, Subject: d.subject}
		for _, f := range fields {
			fp := join(p, f.key)
			switch f.key {
			case "host":
				hp.Host, _ = d.str(f.value, fp)
			case "tlsOrigination":
				hp.TLSOrigination = d.tlsOrigination(f.value, fp)
			case "requestHeaders":
				hp.RequestHeaders = d.requestHeaders(f.value, fp)
			case "http":
				hp.HTTP = d.httpRules(f.value, fp)
			default:
				d.unknownKey(fp, f.key, hostPolicyKeys)
			}
		}
		out = append(out, hp)
	}
	return out, true
}

func (d *decoder) unknownKey(path, key string, known []string) {
	d.fail(diag.ConfigUnknownKey, path, "unknown key %q%s; a host policy knows %s here", path, suggest(key, known), strings.Join(known, ", "))
}

func (d *decoder) tlsOrigination(n *yaml.Node, path string) *TLSOrigination {
	fields, ok := d.mapping(n, path)
	if !ok {
		if isNull(n) {
			// "tlsOrigination:" with nothing under it: all defaults.
			return &TLSOrigination{}
		}
		return nil
	}
	o := &TLSOrigination{}
	for _, f := range fields {
		fp := join(path, f.key)
		switch f.key {
		case "port", "targetPort":
			p, ok := d.port(f.value, fp)
			if ok && (p < 1 || p > 65535) {
				d.fail(diag.HostPolicyInvalid, fp, "%s must be a port number from 1 to 65535, got %d", fp, p)
				ok = false
			}
			if ok && f.key == "port" {
				o.Port = p
			} else if ok {
				o.TargetPort = p
			}
		case "sni":
			o.SNI, _ = d.str(f.value, fp)
		case "caCertificates":
			o.CACertificates, _ = d.str(f.value, fp)
		case "subjectAltNames":
			o.SubjectAltNames = d.strings(f.value, fp) // [] is checked (and refused) as empty
		default:
			d.unknownKey(fp, f.key, tlsOriginationKeys)
		}
	}
	return o
}

func (d *decoder) requestHeaders(n *yaml.Node, path string) *RequestHeaders {
	fields, ok := d.mapping(n, path)
	if !ok {
		return nil
	}
	r := &RequestHeaders{}
	for _, f := range fields {
		fp := join(path, f.key)
		switch f.key {
		case "add":
			r.Add, _ = d.labels(f.value, fp)
		case "set":
			r.Set, _ = d.labels(f.value, fp)
		case "remove":
			r.Remove = d.strings(f.value, fp)
		default:
			d.unknownKey(fp, f.key, requestHeaderKeys)
		}
	}
	return r
}

func (d *decoder) httpRules(n *yaml.Node, path string) []HTTPRule {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(diag.InvalidType, path, "%s must be a list of rules (each with methods, paths and optionally from), got %s", path, describe(n))
		return nil
	}
	out := make([]HTTPRule, 0, len(n.Content))
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		fields, ok := d.mapping(item, p)
		if !ok {
			if isNull(item) {
				d.fail(diag.InvalidType, p, "%s must be a rule map, got null", p)
			}
			continue
		}
		var r HTTPRule
		for _, f := range fields {
			fp := join(p, f.key)
			switch f.key {
			case "methods":
				r.Methods = d.strings(f.value, fp)
			case "paths":
				r.Paths = d.strings(f.value, fp)
			case "from":
				r.From = d.httpFrom(f.value, fp)
			default:
				d.unknownKey(fp, f.key, httpRuleKeys)
			}
		}
		out = append(out, r)
	}
	return out
}

func (d *decoder) httpFrom(n *yaml.Node, path string) *HTTPFrom {
	fields, ok := d.mapping(n, path)
	if !ok {
		if isNull(n) {
			d.fail(diag.InvalidType, path, "%s must name namespaces or serviceAccounts, got null; leave from out to cover every identity", path)
		}
		return nil
	}
	from := &HTTPFrom{}
	for _, f := range fields {
		fp := join(path, f.key)
		switch f.key {
		case "namespaces":
			from.Namespaces = d.strings(f.value, fp)
		case "serviceAccounts":
			from.ServiceAccounts = d.strings(f.value, fp)
		default:
			d.unknownKey(fp, f.key, httpFromKeys)
		}
	}
	return from
}

// strings reads a list of strings; a null or non-string item is an error.
func (d *decoder) strings(n *yaml.Node, path string) []string {
	n = resolve(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(diag.InvalidType, path, "%s must be a list of strings, got %s", path, describe(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		v, ok := d.str(item, p)
		if !ok && isNull(item) {
			d.fail(diag.InvalidType, p, "%s must be a string, got null", p)
		}
		if ok {
			out = append(out, v)
		}
	}
	return slices.Clip(out)
}
