// Package krmiotest holds test oracles for readers of ResourceLists: what
// an input means by a plain yaml.v3 parse, independent of krmio's
// splitting reader.
package krmiotest

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Input is an input as a full YAML parse sees it.
type Input struct {
	Items          []*yaml.Node
	FunctionConfig *yaml.Node
	// Ambiguous: a top-level key the function reads appears twice (YAML
	// leaves the meaning open), so item-level comparisons are skipped.
	Ambiguous bool
	// OddKeys: a top-level key is not a plain string (0: x, [a]: b). The
	// function may reject such a ResourceList as input-invalid or ignore
	// the key; both are accepted.
	OddKeys bool
}

// FullParse reads data the way the README defines the input: exactly one
// YAML document (others may only be empty), a map with kind: ResourceList and items a list (or
// absent/null). ok is false when that is not what data is.
func FullParse(data []byte) (in Input, ok bool) {
	if len(bytes.TrimSpace(data)) == 0 {
		return in, false
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return in, false
	}
	// A ResourceList is one document: a second one that holds anything
	// (or is not YAML) makes the input invalid.
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || !(len(next.Content) == 0 || (len(next.Content) == 1 && next.Content[0].Kind == yaml.ScalarNode && next.Content[0].Tag == "!!null")) {
			return in, false
		}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return in, false
	}
	seen := map[string]int{}
	kind := ""
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i].Value, root.Content[i+1]
		if k := root.Content[i]; k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
			in.OddKeys = true
		}
		seen[key]++
		switch key {
		case "kind":
			kind = val.Value
		case "items":
			switch {
			case val.Kind == yaml.ScalarNode && val.Tag == "!!null":
				in.Items = nil
			case val.Kind == yaml.SequenceNode:
				in.Items = val.Content
			default:
				return in, false
			}
		case "functionConfig":
			in.FunctionConfig = val
		}
	}
	in.Ambiguous = seen["kind"] > 1 || seen["items"] > 1 || seen["functionConfig"] > 1
	return in, kind == "ResourceList"
}

// WithFunctionConfig appends cfg (a YAML document) to the ResourceList in
// as its functionConfig, indented under the key: how the fuzz targets seed
// their corpora from golden cases with a config.yaml.
func WithFunctionConfig(in, cfg []byte) []byte {
	var b bytes.Buffer
	b.Write(in)
	if !bytes.HasSuffix(in, []byte("\n")) {
		b.WriteByte('\n')
	}
	b.WriteString("functionConfig:\n")
	for _, line := range strings.Split(strings.TrimRight(string(cfg), "\n"), "\n") {
		if line != "" {
			b.WriteString("  ")
		}
		b.WriteString(line + "\n")
	}
	return b.Bytes()
}
