package schemas

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// decoder walks YAML nodes and records every type problem with its field
// path. It never panics on hostile input: each accessor checks the node kind
// before reading it.
type decoder struct {
	subject *diag.Ref
	// config: the decoder reads the functionConfig. Its findings have
	// diag.ScopeConfig and their messages start with "functionConfig: ".
	config   bool
	findings []diag.Finding
}

func (d *decoder) fail(code diag.Code, path, format string, args ...any) {
	f := diag.New(code, d.subject, path, format, args...)
	if d.config {
		f.Scope = diag.ScopeConfig
		f.Message = "functionConfig: " + f.Message
	}
	d.findings = append(d.findings, f)
}

// failConfig records a finding about the functionConfig whose message names
// the functionConfig itself.
func (d *decoder) failConfig(code diag.Code, path, format string, args ...any) {
	f := diag.New(code, d.subject, path, format, args...)
	f.Scope = diag.ScopeConfig
	d.findings = append(d.findings, f)
}

// resolve follows YAML aliases so that `*anchor` reads as its target.
func resolve(n *yaml.Node) *yaml.Node {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode && depth < 64; depth++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		return resolve(n.Content[0])
	}
	return n
}

func isNull(n *yaml.Node) bool {
	n = resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// describe names a node's YAML type for messages: "a list", "a string \"x\"".
func describe(n *yaml.Node) string {
	n = resolve(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		switch n.Tag {
		case "!!str":
			return fmt.Sprintf("the string %q", v)
		case "!!int":
			return "the integer " + v
		case "!!float":
			return "the number " + v
		case "!!bool":
			return "the boolean " + v
		case "!!null":
			return "null"
		}
		return fmt.Sprintf("%s %s", strings.TrimPrefix(n.Tag, "!!"), v)
	}
	return "an unexpected YAML node"
}

// field is one key/value pair of a mapping.
type field struct {
	key   string
	value *yaml.Node
}

// mapping returns the pairs of a map node. A null node is an empty map
// (present=false); any other kind is reported.
func (d *decoder) mapping(n *yaml.Node, path string) (fields []field, ok bool) {
	n = resolve(n)
	if isNull(n) {
		return nil, false
	}
	if n.Kind != yaml.MappingNode {
		d.fail(diag.InvalidType, path, "%s must be a map, got %s", path, describe(n))
		return nil, false
	}
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode || k.Tag == "!!null" {
			// A null key ("": or ~:) names no field however it is spelled.
			d.fail(diag.InvalidType, path, "%s has a key that is not a string (%s)", path, describe(k))
			continue
		}
		if k.Value == "<<" {
			d.fail(diag.InvalidType, path, "%s uses a YAML merge key (<<); write the fields out", path)
			continue
		}
		if seen[k.Value] {
			d.fail(diag.InvalidType, join(path, k.Value), "%s appears twice; keep one", join(path, k.Value))
			continue
		}
		seen[k.Value] = true
		fields = append(fields, field{k.Value, n.Content[i+1]})
	}
	return fields, true
}

// str reads a string scalar. Numbers and booleans are not strings: Kubernetes
// would reject `name: 123` for a string field.
func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	n = resolve(n)
	if isNull(n) {
		return "", false
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		d.fail(diag.InvalidType, path, "%s must be a string, got %s", path, describe(n))
		return "", false
	}
	return n.Value, true
}

// port reads an integer port scalar; range is checked by validation so the
// message can say what a port is.
func (d *decoder) port(n *yaml.Node, path string) (int, bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		hint := ""
		if n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
			if _, err := strconv.Atoi(strings.TrimSpace(n.Value)); err == nil {
				hint = fmt.Sprintf("; write %s without quotes", strings.TrimSpace(n.Value))
			}
		}
		d.fail(diag.InvalidType, path, "%s must be an integer port number (1-65535), got %s%s", path, describe(n), hint)
		return 0, false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil || v > math.MaxInt32 || v < math.MinInt32 {
		d.fail(diag.PortInvalid, path, "%s must be a port number from 1 to 65535, got %s", path, n.Value)
		return 0, false
	}
	return int(v), true
}

// integer reads a plain integer (metadata.generation).
func (d *decoder) integer(n *yaml.Node, path string) (int64, bool) {
	n = resolve(n)
	if isNull(n) {
		return 0, false
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		d.fail(diag.InvalidType, path, "%s must be an integer, got %s", path, describe(n))
		return 0, false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil {
		d.fail(diag.InvalidType, path, "%s must be a 64-bit integer, got %s", path, n.Value)
		return 0, false
	}
	return v, true
}

// labels reads a map of strings, keeping key order.
func (d *decoder) labels(n *yaml.Node, path string) (Labels, bool) {
	fields, ok := d.mapping(n, path)
	if !ok {
		return nil, false
	}
	out := make(Labels, 0, len(fields))
	for _, f := range fields {
		v, ok := d.str(f.value, join(path, f.key))
		if !ok && isNull(f.value) {
			d.fail(diag.InvalidType, join(path, f.key), "%s must be a string, got null", join(path, f.key))
		}
		if ok {
			out = append(out, Label{f.key, v})
		}
	}
	return out, true
}

// ports reads a list of port numbers; null items are errors.
func (d *decoder) ports(n *yaml.Node, path string) ([]int, bool) {
	n = resolve(n)
	if isNull(n) {
		return nil, false
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(diag.InvalidType, path, "%s must be a list of port numbers, got %s", path, describe(n))
		return nil, false
	}
	out := make([]int, 0, len(n.Content))
	for i, item := range n.Content {
		if p, ok := d.port(item, fmt.Sprintf("%s[%d]", path, i)); ok {
			out = append(out, p)
		}
	}
	return out, true
}

// join appends a key to a field path, quoting keys that contain dots.
func join(path, key string) string {
	if strings.ContainsAny(key, ".[]") {
		key = "[" + strconv.Quote(key) + "]"
		if path == "" {
			return key
		}
		return path + key
	}
	if path == "" {
		return key
	}
	return path + "." + key
}
