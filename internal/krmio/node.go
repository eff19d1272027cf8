package krmio

import (
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// Deref is the node an alias stands for, following a chain of aliases; n
// itself when it is not an alias.
func Deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// Lookup follows map keys from n; nil when any step is missing or not a map.
// Aliases are followed.
func Lookup(n *yaml.Node, keys ...string) *yaml.Node {
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

// Text returns the scalar value at keys, "" when absent, null or not a
// scalar ("key:" and "key: null" are the same null).
func Text(n *yaml.Node, keys ...string) string {
	v := Lookup(n, keys...)
	if v == nil || v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return ""
	}
	return v.Value
}

// The annotations kpt and kustomize put on items to say which file (and
// which document of it) an item came from.
const (
	annPath          = "config.kubernetes.io/path"
	annIndex         = "config.kubernetes.io/index"
	annInternalPath  = "internal.config.kubernetes.io/path"
	annInternalIndex = "internal.config.kubernetes.io/index"
)

// RefOf builds the result reference of an input object at position (its
// index in the output items).
func RefOf(item *yaml.Node, position int) *diag.Ref {
	ref := &diag.Ref{
		APIVersion: Text(item, "apiVersion"),
		Kind:       Text(item, "kind"),
		Name:       Text(item, "metadata", "name"),
		Namespace:  Text(item, "metadata", "namespace"),
		Position:   position,
	}
	ref.File, ref.Index = Origin(item)
	return ref
}

// Origin is which file, and which document of it, an item says it came
// from (the kpt and kustomize annotations); "" and 0 when it does not say.
func Origin(item *yaml.Node) (file string, index int) {
	ann := Lookup(item, "metadata", "annotations")
	file = firstOf(Text(ann, annInternalPath), Text(ann, annPath))
	if idx := firstOf(Text(ann, annInternalIndex), Text(ann, annIndex)); idx != "" {
		index, _ = strconv.Atoi(idx)
	}
	return file, index
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
