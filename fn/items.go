package main

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/generators/diag"
	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// lookup follows map keys from n; nil when any step is missing or not a map.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		for n != nil && n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
				break
			}
		}
		n = next
	}
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// text returns the scalar value at keys, "" when absent, null or not a
// scalar ("key:" and "key: null" are the same null).
func text(n *yaml.Node, keys ...string) string {
	v := lookup(n, keys...)
	if v == nil || v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return ""
	}
	return v.Value
}

// generatedKinds are the group/kinds this function writes.
var generatedKinds = map[string]bool{
	"networking.istio.io/ServiceEntry":      true,
	"networking.istio.io/Gateway":           true,
	"networking.istio.io/VirtualService":    true,
	"networking.istio.io/Sidecar":           true,
	"security.istio.io/AuthorizationPolicy": true,
	"gateway.networking.k8s.io/Gateway":     true,
}

// isGenerated tells an object this function wrote on an earlier run: one
// of its kinds with its managed-by label. Anything else with the label
// (a Package someone labelled, say) is kept.
func isGenerated(item *yaml.Node) bool {
	if text(item, "metadata", "labels", render.ManagedByLabel) != render.ManagedByValue {
		return false
	}
	group, _, _ := strings.Cut(text(item, "apiVersion"), "/")
	return generatedKinds[group+"/"+text(item, "kind")]
}

func isPackage(item *yaml.Node) bool {
	group, _, _ := strings.Cut(text(item, "apiVersion"), "/")
	return group == schemas.PackageGroup && text(item, "kind") == schemas.PackageKind
}

// refOf builds the result reference of an input object.
func refOf(item *yaml.Node, position int) *diag.Ref {
	ref := &diag.Ref{
		APIVersion: text(item, "apiVersion"),
		Kind:       text(item, "kind"),
		Name:       text(item, "metadata", "name"),
		Namespace:  text(item, "metadata", "namespace"),
		Position:   position,
	}
	ann := lookup(item, "metadata", "annotations")
	ref.File = firstOf(text(ann, "internal.config.kubernetes.io/path"), text(ann, "config.kubernetes.io/path"))
	if idx := firstOf(text(ann, "internal.config.kubernetes.io/index"), text(ann, "config.kubernetes.io/index")); idx != "" {
		ref.Index, _ = strconv.Atoi(idx)
	}
	return ref
}

func hasPathAnnotation(item *yaml.Node) bool {
	ann := lookup(item, "metadata", "annotations")
	return text(ann, "internal.config.kubernetes.io/path") != "" || text(ann, "config.kubernetes.io/path") != ""
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// observe records what a pass-through object tells the planner: the egress
// gateway Service's ports, and hosts other Istio objects already claim.
func observe(env *plan.Environment, item *yaml.Node, s schemas.Settings) {
	apiVersion, kind := text(item, "apiVersion"), text(item, "kind")
	group, _, _ := strings.Cut(apiVersion, "/")
	ns, name := text(item, "metadata", "namespace"), text(item, "metadata", "name")
	switch {
	case apiVersion == "v1" && kind == "Service" && ns == s.GatewayNamespace && name == s.GatewayService:
		env.GatewayServiceFound = true
		env.GatewayServicePorts = nil
		if ports := lookup(item, "spec", "ports"); ports != nil && ports.Kind == yaml.SequenceNode {
			for _, p := range ports.Content {
				if n, err := strconv.Atoi(text(p, "port")); err == nil {
					env.GatewayServicePorts = append(env.GatewayServicePorts, n)
				}
			}
		}
	case group == "networking.istio.io" && kind == "Gateway":
		servers := lookup(item, "spec", "servers")
		if servers == nil || servers.Kind != yaml.SequenceNode {
			return
		}
		for _, srv := range servers.Content {
			for _, h := range scalars(lookup(srv, "hosts")) {
				// Gateway hosts may be written namespace/host.
				if _, host, found := strings.Cut(h, "/"); found {
					h = host
				}
				addClaim(env, h, "Gateway "+ns+"/"+name)
			}
		}
	case group == "networking.istio.io" && kind == "VirtualService":
		for _, h := range scalars(lookup(item, "spec", "hosts")) {
			addClaim(env, h, "VirtualService "+ns+"/"+name)
		}
	}
}

func addClaim(env *plan.Environment, host, by string) {
	if env.Claims == nil {
		env.Claims = map[string][]string{}
	}
	host = strings.ToLower(host)
	for _, b := range env.Claims[host] {
		if b == by {
			return
		}
	}
	env.Claims[host] = append(env.Claims[host], by)
}

func scalars(n *yaml.Node) []string {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	var out []string
	for _, c := range n.Content {
		if c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}
