package schemas

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// configKeys are the settings keys, shared by EgressConfig.spec and
// ConfigMap.data.
var configKeys = []string{
	"ambientNamespace", "waypointName", "waypointEnabled", "waypointConfigMap",
	"gatewayNamespace", "gatewayService", "gatewaySelector", "gatewayPorts",
	"trustDomain", "clusterDomain", "pathPrefix",
}

// DecodeConfig reads the functionConfig: an EgressConfig, a ConfigMap with
// the same keys as strings, or nothing (all defaults).
func DecodeConfig(n *yaml.Node) (Settings, []diag.Finding) {
	s := DefaultSettings()
	n = resolve(n)
	if isNull(n) || (n.Kind == yaml.MappingNode && len(n.Content) == 0) {
		return s, nil
	}
	subject := &diag.Ref{Position: -1} // not an item
	d := &decoder{subject: subject}
	if n.Kind != yaml.MappingNode {
		d.fail(diag.ConfigInvalid, "", "functionConfig must be a map (an %s %s or a v1 ConfigMap), got %s", ConfigAPIVersion, ConfigKind, describe(n))
		return s, d.findings
	}
	top, _ := d.mapping(n, "")
	var apiVersion, kind string
	for _, f := range top {
		switch f.key {
		case "apiVersion":
			apiVersion, _ = d.str(f.value, "apiVersion")
		case "kind":
			kind, _ = d.str(f.value, "kind")
		case "metadata":
			if md, ok := d.mapping(f.value, "metadata"); ok {
				for _, g := range md {
					if g.key == "name" {
						subject.Name, _ = d.str(g.value, "metadata.name")
					}
				}
			}
		}
	}
	subject.APIVersion, subject.Kind = apiVersion, kind
	section := ""
	switch {
	case kind == ConfigKind && apiVersion == ConfigAPIVersion:
		section = "spec"
		d.configFields(top, section, []string{"apiVersion", "kind", "metadata", "spec"}, &s, false)
	case kind == "ConfigMap" && apiVersion == "v1":
		section = "data"
		d.configFields(top, section, []string{"apiVersion", "kind", "metadata", "data"}, &s, true)
	default:
		d.fail(diag.ConfigInvalid, "kind",
			"functionConfig must be %s %s or a v1 ConfigMap, got %s %s", ConfigAPIVersion, ConfigKind, apiVersion, kind)
	}
	d.checkSettings(&s, section)
	return s, retag(d.findings, diag.ConfigInvalid)
}

// retag turns the generic decoding codes into config codes: a bad config is
// not a bad Package.
func retag(fs []diag.Finding, code diag.Code) []diag.Finding {
	for i := range fs {
		if fs[i].Code != diag.ConfigUnknownKey {
			fs[i].Code = code
			fs[i].Severity = diag.SeverityOf(code)
		}
	}
	return fs
}

func (d *decoder) configFields(top []field, section string, topKeys []string, s *Settings, asStrings bool) {
	for _, f := range top {
		if !slices.Contains(topKeys, f.key) {
			d.fail(diag.ConfigUnknownKey, join("", f.key), "functionConfig has unknown key %q%s", f.key, suggest(f.key, topKeys))
		}
		if f.key != section {
			continue
		}
		fields, _ := d.mapping(f.value, section)
		for _, g := range fields {
			p := join(section, g.key)
			if !slices.Contains(configKeys, g.key) {
				d.fail(diag.ConfigUnknownKey, p, "unknown setting %q%s; the settings are %s", p, suggest(g.key, configKeys), strings.Join(configKeys, ", "))
				continue
			}
			if asStrings {
				d.setFromString(g.value, p, g.key, s)
			} else {
				d.setTyped(g.value, p, g.key, s)
			}
		}
	}
}

func (d *decoder) setTyped(n *yaml.Node, p, key string, s *Settings) {
	switch key {
	case "waypointEnabled":
		n = resolve(n)
		if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			d.fail(diag.ConfigInvalid, p, "%s must be true or false, got %s", p, describe(n))
			return
		}
		s.WaypointEnabled = n.Value == "true" || n.Value == "True" || n.Value == "TRUE"
	case "gatewaySelector":
		if l, ok := d.labels(n, p); ok {
			s.GatewaySelector = l
		}
	case "gatewayPorts":
		if ps, ok := d.ports(n, p); ok {
			s.GatewayPorts, s.GatewayPortsSet = ps, true
		}
	default:
		if v, ok := d.str(n, p); ok {
			setString(s, key, v)
		}
	}
}

// setFromString reads a ConfigMap value: booleans as "true"/"false",
// selectors as "k=v,k2=v2", ports as "80,443".
func (d *decoder) setFromString(n *yaml.Node, p, key string, s *Settings) {
	v, ok := d.str(n, p)
	if !ok {
		return
	}
	switch key {
	case "waypointEnabled":
		b, err := strconv.ParseBool(v)
		if err != nil {
			d.fail(diag.ConfigInvalid, p, "%s must be \"true\" or \"false\", got %q", p, v)
			return
		}
		s.WaypointEnabled = b
	case "gatewaySelector":
		var l Labels
		for _, pair := range strings.Split(v, ",") {
			k, val, found := strings.Cut(strings.TrimSpace(pair), "=")
			if !found || k == "" {
				d.fail(diag.ConfigInvalid, p, "%s must look like \"app=egressgateway,istio=egressgateway\", got %q", p, v)
				return
			}
			l = append(l, Label{k, val})
		}
		s.GatewaySelector = l
	case "gatewayPorts":
		var ps []int
		for _, f := range strings.Split(v, ",") {
			port, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				d.fail(diag.ConfigInvalid, p, "%s must be a comma-separated list of port numbers like \"80,443\", got %q", p, v)
				return
			}
			ps = append(ps, port)
		}
		s.GatewayPorts, s.GatewayPortsSet = ps, true
	default:
		setString(s, key, v)
	}
}

func setString(s *Settings, key, v string) {
	switch key {
	case "ambientNamespace":
		s.AmbientNamespace = v
	case "waypointName":
		s.WaypointName = v
	case "waypointConfigMap":
		s.WaypointConfigMap = v
	case "gatewayNamespace":
		s.GatewayNamespace = v
	case "gatewayService":
		s.GatewayService = v
	case "trustDomain":
		s.TrustDomain = v
	case "clusterDomain":
		s.ClusterDomain = v
	case "pathPrefix":
		s.PathPrefix = v
	}
}

// checkSettings rejects values Kubernetes or Istio would reject later.
// section is where the settings were read from (spec, data), so that the
// finding paths point into the config.
func (d *decoder) checkSettings(s *Settings, section string) {
	for _, c := range []struct{ key, val string }{
		{"ambientNamespace", s.AmbientNamespace}, {"gatewayNamespace", s.GatewayNamespace},
		{"gatewayService", s.GatewayService},
	} {
		if errs := validation.IsDNS1123Label(c.val); len(errs) > 0 {
			d.fail(diag.ConfigInvalid, join(section, c.key), "%s %q is not a valid namespace or Service name: %s", c.key, c.val, strings.Join(errs, "; "))
		}
	}
	for _, c := range []struct{ key, val string }{
		{"waypointName", s.WaypointName}, {"waypointConfigMap", s.WaypointConfigMap},
		{"trustDomain", s.TrustDomain}, {"clusterDomain", s.ClusterDomain},
	} {
		if errs := validation.IsDNS1123Subdomain(c.val); len(errs) > 0 {
			d.fail(diag.ConfigInvalid, join(section, c.key), "%s %q is not valid: %s", c.key, c.val, strings.Join(errs, "; "))
		}
	}
	for i, p := range s.GatewayPorts {
		if p < 1 || p > 65535 {
			at := join(section, "gatewayPorts")
			if section == "spec" { // a ConfigMap holds the ports as one string
				at = fmt.Sprintf("%s[%d]", at, i)
			}
			d.fail(diag.ConfigInvalid, at, "gatewayPorts[%d] must be a port from 1 to 65535, got %d", i, p)
		}
	}
	for _, kv := range s.GatewaySelector {
		if errs := validation.IsQualifiedName(kv.Key); len(errs) > 0 {
			d.fail(diag.ConfigInvalid, join(section, "gatewaySelector"), "gatewaySelector key %q is not a valid label key: %s", kv.Key, strings.Join(errs, "; "))
		}
		if errs := validation.IsValidLabelValue(kv.Value); len(errs) > 0 {
			d.fail(diag.ConfigInvalid, join(section, "gatewaySelector"), "gatewaySelector value %q is not a valid label value: %s", kv.Value, strings.Join(errs, "; "))
		}
	}
	if len(s.GatewaySelector) == 0 {
		d.fail(diag.ConfigInvalid, join(section, "gatewaySelector"), "gatewaySelector must not be empty: an empty selector would bind the egress Gateways to every gateway pod")
	}
	clean := path.Clean(s.PathPrefix)
	if s.PathPrefix == "" || path.IsAbs(s.PathPrefix) || clean == ".." || strings.HasPrefix(clean, "../") {
		d.fail(diag.ConfigInvalid, join(section, "pathPrefix"), "pathPrefix %q must be a relative directory inside the package, like \"uds-egress\"", s.PathPrefix)
	}
}
