package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// MaxInputBytes bounds what the function reads: a larger ResourceList is
// rejected with a result instead of exhausting memory.
const MaxInputBytes = 256 << 20

// resourceList is the parsed input. Items keep their original YAML nodes so
// pass-through objects are written back with their comments and key order.
type resourceList struct {
	Items          []*yaml.Node
	FunctionConfig *yaml.Node
}

var errNotResourceList = errors.New("not a ResourceList")

// readResourceList parses a config.kubernetes.io/v1 ResourceList.
func readResourceList(r io.Reader) (*resourceList, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the input: %w", err)
	}
	if len(data) > MaxInputBytes {
		return nil, fmt.Errorf("the input is larger than %d MiB; split the package or raise the limit", MaxInputBytes>>20)
	}
	return parseResourceList(data)
}

func parseResourceList(data []byte) (*resourceList, error) {
	rl := &resourceList{}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: the input is empty; the function reads a ResourceList on stdin (kpt and kustomize send one)", errNotResourceList)
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("the input is not valid YAML: %v", err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: the input is a YAML %s, expected a ResourceList map with apiVersion: config.kubernetes.io/v1", errNotResourceList, kindName(root))
	}
	var kind string
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i].Value, root.Content[i+1]
		switch key {
		case "kind":
			kind = val.Value
		case "items":
			if val.Kind == yaml.ScalarNode && val.Tag == "!!null" {
				continue
			}
			if val.Kind != yaml.SequenceNode {
				return nil, fmt.Errorf("%w: items must be a list of objects, got a YAML %s", errNotResourceList, kindName(val))
			}
			rl.Items = val.Content
		case "functionConfig":
			rl.FunctionConfig = val
		}
	}
	if kind != "ResourceList" {
		return nil, fmt.Errorf("%w: kind is %q; the function reads a ResourceList (kpt and kustomize send one on stdin)", errNotResourceList, kind)
	}
	return rl, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "map"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}
