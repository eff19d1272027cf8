package fn

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// Every Package in the input is evaluated or the run fails. The function
// reads a key's first value, Kubernetes' decoder its last: an item written
// `kind: ConfigMap` then `kind: Package` would reach the cluster as a
// Package nobody evaluated. A Package inside a List item would too.

// hiddenPackage reports an item whose reading is ambiguous or that carries
// Packages the function does not evaluate; nil when the item is plain.
func hiddenPackage(item *yaml.Node, v *view, pos int) *diag.Finding {
	if path, key := duplicateKey(item, ""); path != "" {
		f := diag.New(diag.ItemInvalid, v.ref(pos), path,
			"%s appears twice in this object; the function reads the first value and Kubernetes the last, so the object would not be the one that was checked: keep one %q", path, key)
		return &f
	}
	if md := lookup(item, "metadata"); md != nil {
		if path, key := duplicateKey(md, "metadata"); path != "" {
			f := diag.New(diag.ItemInvalid, v.ref(pos), path,
				"%s appears twice in this object's metadata; the function reads the first value and Kubernetes the last: keep one %q", path, key)
			return &f
		}
	}
	if !strings.HasSuffix(v.kind, "List") {
		return nil
	}
	if at := packageInList(item, "items"); at != "" {
		f := diag.New(diag.ItemInvalid, v.ref(pos), at,
			"%s is a Package inside a %s: the function does not evaluate Packages in lists, but the API server would create it; list each Package as an item of its own", at, v.kind)
		return &f
	}
	return nil
}

// duplicateKey returns the path and name of the first key that appears
// twice in the mapping n (aliased keys count as what they point to).
func duplicateKey(n *yaml.Node, at string) (path, key string) {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return "", ""
	}
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		for k != nil && k.Kind == yaml.AliasNode {
			k = k.Alias
		}
		if k == nil || k.Kind != yaml.ScalarNode {
			continue
		}
		if seen[k.Value] {
			if at == "" {
				return k.Value, k.Value
			}
			return at + "." + k.Value, k.Value
		}
		seen[k.Value] = true
	}
	return "", ""
}

// packageInList returns the path of the first entry of a List's items that
// is a Package (or a List holding one), "" when there is none. Every value
// of a repeated kind key counts.
func packageInList(list *yaml.Node, at string) string {
	items := lookup(list, "items")
	if items == nil || items.Kind != yaml.SequenceNode {
		return ""
	}
	for j, e := range items.Content {
		for e != nil && e.Kind == yaml.AliasNode {
			e = e.Alias
		}
		p := fmt.Sprintf("%s[%d]", at, j)
		for _, kind := range values(e, "kind") {
			if kind == schemas.PackageKind {
				return p
			}
			if strings.HasSuffix(kind, "List") {
				if inner := packageInList(e, p+".items"); inner != "" {
					return inner
				}
			}
		}
	}
	return ""
}

// values returns every scalar value of key in the mapping n.
func values(n *yaml.Node, key string) []string {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		k = krmio.Deref(k)
		v = krmio.Deref(v)
		if k.Value == key && v.Kind == yaml.ScalarNode {
			out = append(out, v.Value)
		}
	}
	return out
}
